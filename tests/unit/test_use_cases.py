"""Use cases on the in-memory unit of work: histories of commands, no moto, milliseconds each."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.contracts.api import (
    CancelLines,
    CreateOrder,
    CreateReservation,
    FulfilmentEventIn,
    PutStock,
    ReservationEventIn,
    StockFeed,
)
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Conflict, VersionMismatch
from chalicelib.domain.network import Capability, LocationType
from chalicelib.domain.stock import StockChange
from chalicelib.service import fulfilment, network, orders, reservations
from tests.fakes import FakeDependencies, FakeUnitOfWork

WEBSHOP = Principal("channel:webshop")
ADMIN = Principal("admin")
HOME = {
    "method": "home_delivery",
    "address": {"line1": "Damrak 1", "postalCode": "1012 LG", "city": "Amsterdam", "country": "NL"},
}


def order_command(*lines: tuple[str, int], external_id: str = "W-1") -> CreateOrder:
    paid = Decimal("19.95") * sum(qty for _, qty in lines)
    return CreateOrder.model_validate(
        {
            "channel": "webshop",
            "externalId": external_id,
            "customer": {"id": "c-1", "email": "a@example.com"},
            "placedAt": "2026-11-25T09:59:00Z",
            "payment": {"status": "paid", "amount": {"amount": str(paid), "currency": "EUR"}},
            "delivery": HOME,
            "lines": [
                {"lineId": str(i), "sku": sku, "quantity": qty, "unitPrice": {"amount": "19.95", "currency": "EUR"}}
                for i, (sku, qty) in enumerate(lines, start=1)
            ],
        }
    )


def place(deps: FakeDependencies, *lines: tuple[str, int], external_id: str = "W-1") -> dict[str, Any]:
    status, body = orders.create_order(
        deps, order_command(*lines, external_id=external_id), WEBSHOP, idempotency_key=None, raw_body=None
    )
    assert status == 201
    return body


def reservable(deps: FakeDependencies) -> tuple[str, str]:
    """A store that takes reservations, and a SKU it has."""
    store = next(
        loc
        for loc, location in deps.network().locations.items()
        if location.type is LocationType.STORE and location.can(Capability.RESERVE)
    )
    return store, next(s for (s, loc) in deps.memory.stock if loc == store)


def reserve(deps: FakeDependencies, store: str, sku: str, quantity: int) -> tuple[int, dict[str, Any]]:
    """A customer's reservation of `quantity` of `sku` at `store`, through the use case."""
    body = {"locationId": store, "lines": [{"sku": sku, "quantity": quantity}], "customer": {"id": "c-1"}}
    return reservations.create_reservation(
        deps, CreateReservation.model_validate(body), ADMIN, idempotency_key=None, raw_body=None
    )


def only_one_left(deps: FakeDependencies, sku: str, location_id: str) -> None:
    """The whole network's stock of `sku`: one unit, at `location_id`."""
    for (stocked, _loc), lv in deps.memory.stock.items():
        if stocked == sku:
            lv.on_hand = 0
    deps.memory.stock[(sku, location_id)].on_hand = 1


def level(deps: FakeDependencies, sku: str, location_id: str) -> tuple[int, int]:
    found = deps.memory.stock[(sku, location_id)]
    return found.on_hand, found.reserved


def test_an_order_is_sourced_reserved_and_recorded_in_one_commit() -> None:
    deps = FakeDependencies()
    body = place(deps, ("TEE-WHITE-M", 1))
    (fo,) = body["fulfilmentOrders"]
    assert deps.memory.commits == 1
    assert level(deps, "TEE-WHITE-M", fo["locationId"])[1] == 1
    types = [e.type for _, e in deps.memory.published]
    assert types[:2] == ["OrderCreated", "OrderSourced"]
    assert [h["type"] for h in body["history"]] == types


def test_a_cancellation_gives_the_stock_back_and_refunds_what_was_paid() -> None:
    deps = FakeDependencies()
    body = place(deps, ("TEE-WHITE-M", 1))
    source = body["fulfilmentOrders"][0]["locationId"]
    after = orders.cancel_lines(
        deps,
        body["orderId"],
        CancelLines.model_validate({"lines": [{"lineId": "1", "quantity": 1}], "reason": "changed mind"}),
        WEBSHOP,
        if_match=None,
    )
    assert after["status"] == "cancelled"
    assert after["refunds"][0]["amount"] == {"amount": "19.95", "currency": "EUR"}
    assert level(deps, "TEE-WHITE-M", source)[1] == 0


def test_shipping_dispatches_the_reserved_units() -> None:
    deps = FakeDependencies()
    body = place(deps, ("TEE-WHITE-M", 1))
    fo = body["fulfilmentOrders"][0]
    on_hand, _ = level(deps, "TEE-WHITE-M", fo["locationId"])
    for event in ({"type": "accept"}, {"type": "pick"}, {"type": "pack"}):
        fulfilment.handle_event(
            deps, fo["fulfilmentOrderId"], FulfilmentEventIn.model_validate(event), ADMIN, if_match=None
        )
    shipped = fulfilment.handle_event(
        deps,
        fo["fulfilmentOrderId"],
        FulfilmentEventIn.model_validate({"type": "ship", "tracking": {"carrier": "PostNL", "code": "3S123"}}),
        ADMIN,
        if_match=None,
    )
    assert shipped["status"] == "shipped"
    assert level(deps, "TEE-WHITE-M", fo["locationId"]) == (on_hand - 1, 0)


def test_two_writers_of_one_order_do_not_overwrite_each_other() -> None:
    deps = FakeDependencies()
    body = place(deps, ("TEE-WHITE-M", 1), ("CAP-NAVY", 1))
    first, second = deps.uow(), deps.uow()
    a, b = first.orders.get(body["orderId"]), second.orders.get(body["orderId"])
    for order, line in ((a, "1"), (b, "2")):
        order.cancel_lines([_cancel(line)], reason="r", actor="cs", now=deps.now())
    first.commit()
    commits = deps.memory.commits
    with pytest.raises(VersionMismatch):
        second.commit()
    assert deps.memory.commits == commits  # nothing of the second written
    stored = deps.uow().orders.get(body["orderId"])
    assert [ln.cancelled_quantity for ln in stored.lines] == [1, 0]


def test_a_unit_of_work_stores_nothing_until_it_commits_and_commits_once() -> None:
    deps = FakeDependencies()
    body = place(deps, ("TEE-WHITE-M", 1))
    uow = deps.uow()
    uow.orders.get(body["orderId"]).cancel_lines([_cancel("1")], reason="r", actor="cs", now=deps.now())
    assert deps.uow().orders.get(body["orderId"]).lines[0].cancelled_quantity == 0
    uow.commit()
    with pytest.raises(RuntimeError):
        uow.commit()


def test_the_last_unit_goes_to_one_order_and_the_other_is_backordered() -> None:
    deps = FakeDependencies()
    only_one_left(deps, "JACKET-RAIN-M", "dc-tilburg")
    first = place(deps, ("JACKET-RAIN-M", 1), external_id="W-1")
    second = place(deps, ("JACKET-RAIN-M", 1), external_id="W-2")
    assert first["lines"][0]["status"] == "allocated"
    assert second["lines"][0]["status"] == "backordered"
    assert level(deps, "JACKET-RAIN-M", "dc-tilburg") == (1, 1)


def test_a_stock_condition_that_fails_at_commit_is_sourced_again() -> None:
    """Forced interleaving: the unit is sold at the till between planning and commit."""
    deps = FakeDependencies()
    only_one_left(deps, "JACKET-RAIN-M", "dc-tilburg")
    real_commit = FakeUnitOfWork.commit
    sold: list[bool] = []

    def sell_first(uow: FakeUnitOfWork) -> None:
        if not sold:
            sold.append(True)
            deps.memory.stock[("JACKET-RAIN-M", "dc-tilburg")].on_hand = 0
        real_commit(uow)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FakeUnitOfWork, "commit", sell_first)
        body = place(deps, ("JACKET-RAIN-M", 1))
    assert body["lines"][0]["status"] == "backordered"
    assert level(deps, "JACKET-RAIN-M", "dc-tilburg") == (0, 0)


def test_a_reservation_bought_at_the_till_is_one_move_per_stock_item() -> None:
    deps = FakeDependencies()
    store, sku = reservable(deps)
    on_hand, _ = level(deps, sku, store)
    status, made = reserve(deps, store, sku, 2)
    assert status == 201
    assert level(deps, sku, store) == (on_hand, 2)
    done = reservations.handle_event(
        deps,
        made["reservationId"],
        ReservationEventIn.model_validate(
            {
                "type": "complete",
                "payment": {"status": "paid", "amount": {"amount": "10.00", "currency": "EUR"}},
                "lines": [{"sku": sku, "quantity": 1, "unitPrice": {"amount": "10.00", "currency": "EUR"}}],
            }
        ),
        ADMIN,
        if_match=None,
    )
    assert done["status"] == "completed"
    assert level(deps, sku, store) == (on_hand - 1, 0)  # one bought, one back on the shelf
    sold = deps.uow().orders.get(done["orderId"])
    assert sold.lines[0].status.value == "collected"


def test_a_reservation_cannot_be_bought_twice() -> None:
    deps = FakeDependencies()
    store, sku = reservable(deps)
    _, made = reserve(deps, store, sku, 1)
    cancel = ReservationEventIn.model_validate({"type": "cancel"})
    reservations.handle_event(deps, made["reservationId"], cancel, ADMIN, if_match=None)
    with pytest.raises(Conflict):
        reservations.handle_event(deps, made["reservationId"], cancel, ADMIN, if_match=None)
    assert level(deps, sku, store)[1] == 0


def test_stock_changes_of_one_item_net_into_one_move() -> None:
    from chalicelib.domain.stock import net_moves

    (move,) = net_moves(
        [StockChange("release", "S", "L", 2), StockChange("take", "S", "L", 1), StockChange("reserve", "S", "L", 0)]
    )
    assert (move.reserved, move.on_hand, move.free, move.needs_free, move.needs_reserved) == (-2, -1, 1, 0, 2)


def _cancel(line_id: str) -> Any:
    from chalicelib.domain.orders.lines import LineCancellation

    return LineCancellation(line_id, 1)


def test_a_count_and_a_feed_change_a_level_through_the_unit_of_work() -> None:
    deps = FakeDependencies()
    store, sku = reservable(deps)
    status, view = network.put_stock(deps, store, sku, PutStock(on_hand=7, safety_stock=1), ADMIN, if_match=None)
    assert (status, view["onHand"], view["available"]) == (200, 7, 6)
    feed = StockFeed.model_validate(
        {"feedId": "f-1", "locationId": store, "mode": "delta", "lines": [{"sku": sku, "quantity": -2}]}
    )
    assert network.apply_feed(deps, feed) == 1
    assert network.apply_feed(deps, feed) == 0  # redelivered: each line applies once
    assert deps.memory.stock[(sku, store)].on_hand == 5
    changes = [e for _, e in deps.memory.published if e.type == "InventoryChanged"]
    assert [(e.actor, e.detail["reason"], e.detail["onHand"]) for e in changes] == [
        ("admin", "count", 7),
        ("feed", "delta", 5),
    ]
    with pytest.raises(VersionMismatch):  # If-Match of a version read before the feed
        network.put_stock(deps, store, sku, PutStock(on_hand=1), ADMIN, if_match=view["version"])


def test_a_count_decided_before_a_feed_moved_the_level_is_refused() -> None:
    deps = FakeDependencies()
    store, sku = reservable(deps)
    before = deps.memory.stock[(sku, store)].on_hand
    first_uow = deps.uow()
    first = first_uow.stock.level(sku, store)  # read by a count that is still deciding
    feed = StockFeed.model_validate(
        {"feedId": "f-2", "locationId": store, "mode": "delta", "lines": [{"sku": sku, "quantity": 3}]}
    )
    assert network.apply_feed(deps, feed) == 1
    first.count(0, actor="store", at=deps.now(), reason="count")
    with pytest.raises(VersionMismatch):  # the feed moved the level it read: nothing overwritten
        first_uow.commit()
    assert deps.memory.stock[(sku, store)].on_hand == before + 3
