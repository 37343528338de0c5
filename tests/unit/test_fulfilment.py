"""The built-in fulfilment workflows, and what a reported event does to an order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from chalicelib.domain.delivery import DeliveryMethod
from chalicelib.domain.errors import Conflict
from chalicelib.domain.fulfilment.order import FulfilmentStatus
from chalicelib.domain.fulfilment.workflow import ORDER_DRIVEN, Flow, FulfilmentEvent, built_in, flow_of, may_report
from chalicelib.domain.orders.lines import LineStatus
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.progress import FulfilmentReport
from chalicelib.domain.sourcing.plan import Allocation, Destination, Plan, Shipment
from chalicelib.domain.workflows import Accepted, Position, TakeStock, allowed_events, step
from chalicelib.domain.workflows.defaults import FULFILMENT
from tests.unit.test_orders_domain import placed

E, S = FulfilmentEvent, FulfilmentStatus
NOW = "2026-11-25T12:00:00.000Z"


def moved(flow: Flow, status: str, event: str) -> Accepted | None:
    found = step(FULFILMENT[flow.value], Position(status), event, {}, datetime.fromisoformat(NOW))
    return found if isinstance(found, Accepted) else None


def next_status(flow: Flow, status: str, event: str) -> str | None:
    found = moved(flow, status, event)
    return found.state if found else None


def allowed(flow: Flow, status: str) -> list[str]:
    """What a location may send (cancel and an SLA's breach are the order's)."""
    return [e for e in allowed_events(FULFILMENT[flow.value], status, {}) if e not in ORDER_DRIVEN]


def leaves_source(flow: Flow, status: str, event: str) -> bool:
    found = moved(flow, status, event)
    return found is not None and TakeStock() in found.effects


def walk(flow: Flow, *events: FulfilmentEvent) -> list[str]:
    status, seen = S.RELEASED.value, []
    for event in events:
        found = next_status(flow, status, event)
        assert found is not None, f"{flow}: {event} not allowed in {status}"
        status = found
        seen.append(status)
    return seen


def report(order: Order, fulfilment_order_id: str, event: str, *, actor: str, **brings: Any) -> dict[str, int]:
    pinned = built_in(order.fulfilment_order(fulfilment_order_id)).definition
    said = FulfilmentReport(event, **brings)
    return order.report_fulfilment(fulfilment_order_id, said, pinned, actor=actor, now=NOW)


def test_the_flow_follows_from_method_source_and_destination():
    assert flow_of(DeliveryMethod.HOME_DELIVERY, "dc", {"address": {}}) is Flow.HOME
    assert flow_of(DeliveryMethod.PICKUP_POINT, "dc", {"locationId": "pup"}) is Flow.PICKUP_POINT
    assert flow_of(DeliveryMethod.CLICK_AND_COLLECT, "dc", {"locationId": "ams"}) is Flow.TRANSFER
    assert flow_of(DeliveryMethod.CLICK_AND_COLLECT, "ams", {"locationId": "ams"}) is Flow.SHELF


def test_each_flow_runs_from_released_to_its_end():
    assert walk(Flow.HOME, E.ACCEPT, E.PICK, E.PACK, E.SHIP, E.DELIVER)[-1] == S.DELIVERED
    assert walk(Flow.HOME, E.ACCEPT, E.PICK, E.SHIP)[-1] == S.SHIPPED  # packing is optional
    assert walk(Flow.PICKUP_POINT, E.ACCEPT, E.PICK, E.SHIP, E.DELIVER, E.COLLECT)[-2:] == [
        S.READY_FOR_PICKUP,
        S.COLLECTED,
    ]
    assert walk(Flow.TRANSFER, E.ACCEPT, E.PICK, E.PACK, E.SHIP, E.READY_FOR_PICKUP, E.COLLECT)[-1] == S.COLLECTED
    assert walk(Flow.SHELF, E.ACCEPT, E.PICK, E.READY_FOR_PICKUP, E.COLLECT)[-1] == S.COLLECTED
    assert walk(Flow.SHELF, E.ACCEPT, E.PICK, E.PACK, E.READY_FOR_PICKUP)[-1] == S.READY_FOR_PICKUP


@pytest.mark.parametrize("flow", list(Flow))
def test_rejection_only_before_picking_and_nothing_after_the_end(flow):
    assert allowed(flow, S.RELEASED) == [E.ACCEPT, E.REJECT]
    assert allowed(flow, S.ACCEPTED) == [E.PICK, E.REJECT]
    for status in (S.PICKED, S.PACKED, S.SHIPPED, S.READY_FOR_PICKUP):
        assert next_status(flow, status, E.REJECT) is None
    for end in (S.DELIVERED, S.COLLECTED, S.REJECTED, S.CANCELLED):
        assert allowed(flow, end) == []


def test_what_each_flow_does_not_allow():
    assert next_status(Flow.HOME, S.RELEASED, E.SHIP) is None
    assert next_status(Flow.HOME, S.SHIPPED, E.COLLECT) is None
    assert next_status(Flow.HOME, S.PICKED, E.READY_FOR_PICKUP) is None
    assert next_status(Flow.SHELF, S.PICKED, E.SHIP) is None  # the goods never leave the store
    assert next_status(Flow.TRANSFER, S.PICKED, E.READY_FOR_PICKUP) is None  # not there yet
    assert next_status(Flow.TRANSFER, S.SHIPPED, E.DELIVER) is None
    assert next_status(Flow.PICKUP_POINT, S.SHIPPED, E.READY_FOR_PICKUP) is None  # delivered to the point


def test_the_goods_leave_the_source_when_shipped_or_handed_over_from_the_shelf():
    assert leaves_source(Flow.HOME, S.PACKED, E.SHIP)
    assert not leaves_source(Flow.HOME, S.SHIPPED, E.DELIVER)
    assert not leaves_source(Flow.TRANSFER, S.READY_FOR_PICKUP, E.COLLECT)  # left the DC when shipped
    assert leaves_source(Flow.SHELF, S.READY_FOR_PICKUP, E.COLLECT)
    assert not leaves_source(Flow.SHELF, S.PICKED, E.READY_FOR_PICKUP)


def test_who_may_report_what():
    assert may_report(Flow.HOME, E.SHIP, source="dc", destination=None, location="dc")
    assert not may_report(Flow.HOME, E.SHIP, source="dc", destination=None, location="ams")
    assert may_report(Flow.TRANSFER, E.READY_FOR_PICKUP, source="dc", destination="ams", location="ams")
    assert may_report(Flow.TRANSFER, E.COLLECT, source="dc", destination="ams", location="ams")
    assert not may_report(Flow.TRANSFER, E.SHIP, source="dc", destination="ams", location="ams")
    assert not may_report(Flow.TRANSFER, E.COLLECT, source="dc", destination="ams", location="rtm")
    assert not may_report(Flow.HOME, "cancel", source="dc", destination=None, location="dc")  # the order's


def status_of(order: Order) -> str:
    return order.status.value  # read afresh: each report may change it


def two_shipments() -> Order:
    """Line 1 (2 TEE) split over the DC and a store; line 2 (1 CAP) at the DC."""
    order = placed()
    home = Destination("home:x")
    plan = Plan(
        (
            Shipment(
                "dc", home, DeliveryMethod.HOME_DELIVERY, (Allocation("1", "TEE", 1), Allocation("2", "CAP", 1)), "r"
            ),
            Shipment("ams", home, DeliveryMethod.HOME_DELIVERY, (Allocation("1", "TEE", 1),), "r"),
        ),
        (),
    )
    ids = iter(["fo_1_1", "fo_1_2"])
    order.apply_plan(plan, new_fulfilment_order_id=lambda: next(ids), actor="channel:webshop", now=NOW)
    order.stored_version = order.version  # as if stored
    return order


def test_a_split_line_shows_its_least_advanced_part_and_the_goods_leave_once():
    order = two_shipments()
    for event in (E.ACCEPT, E.PICK, E.SHIP):
        report(order, "fo_1_1", event, actor="dc:dc")
    assert [ln.status for ln in order.lines] == [LineStatus.ALLOCATED, LineStatus.SHIPPED]
    assert status_of(order) == "partially_shipped"
    assert [(c.kind, c.sku, c.location_id, c.quantity) for c in order.stock_changes[-2:]] == [
        ("dispatch", "TEE", "dc", 1),
        ("dispatch", "CAP", "dc", 1),
    ]
    for event in (E.ACCEPT, E.PICK):
        report(order, "fo_1_2", event, actor="store:ams")
    assert [ln.status for ln in order.lines] == [LineStatus.PICKED, LineStatus.SHIPPED]
    report(order, "fo_1_2", E.SHIP, actor="store:ams", tracking={"carrier": "DHL", "code": "1"})
    assert [ln.status for ln in order.lines] == [LineStatus.SHIPPED, LineStatus.SHIPPED]
    assert status_of(order) == "shipped"
    assert order.fulfilment_order("fo_1_2").tracking == {"carrier": "DHL", "code": "1"}
    report(order, "fo_1_1", E.DELIVER, actor="dc:dc")
    assert [ln.status for ln in order.lines] == [LineStatus.SHIPPED, LineStatus.DELIVERED]
    report(order, "fo_1_2", E.DELIVER, actor="store:ams")
    assert status_of(order) == "completed"
    assert order.version == 2  # one change since stored: one version step, however many events


def test_a_rejection_releases_the_stock_and_frees_the_units_of_that_fulfilment_order_only():
    order = two_shipments()
    freed = report(order, "fo_1_1", E.REJECT, reason="no staff", actor="dc:dc")
    assert freed == {"1": 1, "2": 1}
    assert [(c.kind, c.location_id) for c in order.stock_changes[-2:]] == [("release", "dc"), ("release", "dc")]
    assert [a.fulfilment_order_id for a in order.lines[0].allocations] == ["fo_1_2"]
    assert order.lines[1].allocations == []
    with pytest.raises(Conflict) as refused:
        report(order, "fo_1_1", E.ACCEPT, actor="dc:dc")
    assert refused.value.extra["allowedEvents"] == []
