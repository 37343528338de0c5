"""Journeys 23, 25 and 26 of SCENARIOS.md over HTTP on the local stack: customer service (its own
`cs` token) creates an order for a customer, changes and cancels it before it ships (and is refused,
changing nothing, after), and tells the customer where every order of theirs stands, online and in
store. The stack is shared by the whole session: stock is compared before and after."""

from __future__ import annotations

import pytest

from tests.conftest import unique
from tests.e2e.test_journeys import (
    AMS,
    DC,
    HOME,
    HOME_ROUTE,
    OTHER_HOME,
    SHELF_ROUTE,
    TRACKING,
    TRANSFER_ROUTE,
    UTR,
    Oms,
    at,
    home,
    line,
    moved,
    oms,
    statuses,
    walk,
)

pytestmark = pytest.mark.e2e
__all__ = ["oms"]  # the fixture, imported to be used here


def customer() -> dict[str, str]:
    return {"id": unique("cust"), "email": "klant@example.com", "name": "Sanne Jansen", "phone": "+31611122233"}


def test_journey_23_customer_service_creates_an_order_for_the_customer(oms: Oms) -> None:
    cs = oms.as_role("cs")
    who = customer()
    before = oms.stock("JEANS-SLIM-32")
    order = cs.order([line("1", "JEANS-SLIM-32", 2, "49.95")], delivery=home(), customer=who)

    assert order["customer"] == who
    assert order["history"][0]["actor"].startswith("cs")
    assert [(fo["locationId"], fo["method"]) for fo in order["fulfilmentOrders"]] == [(DC, "home_delivery")]
    assert (order["status"], statuses(order)) == ("in_fulfilment", {"1": "allocated"})
    assert order["total"] == {"amount": "99.90", "currency": "EUR"}
    assert moved(oms, before, "JEANS-SLIM-32") == ({}, {DC: 2})
    history = cs.get(f"/customers/{who['id']}/orders")["items"]
    assert [(o["orderId"], o["status"]) for o in history] == [(order["orderId"], "in_fulfilment")]


def test_journey_25_customer_service_cancels_items_before_they_ship(oms: Oms) -> None:
    cs = oms.as_role("cs")
    before = {sku: oms.stock(sku) for sku in ("TEE-BLACK-L", "CAP-NAVY", "SNEAKER-42")}
    order = oms.order([line("1", "TEE-BLACK-L"), line("2", "CAP-NAVY"), line("3", "SNEAKER-42")], delivery=home())
    path = f"/orders/{order['orderId']}"

    cancel = {"lines": [{"lineId": "2", "quantity": 1}], "reason": "customer changed mind"}
    cancelled = cs.post(f"{path}/cancellations", cancel, if_match=order["version"])
    assert statuses(cancelled) == {"1": "allocated", "2": "cancelled", "3": "allocated"}
    assert [r["amount"]["amount"] for r in cancelled["refunds"]] == ["10.00"]
    assert moved(oms, before["CAP-NAVY"], "CAP-NAVY") == ({}, {})  # reserved, then given back

    # Before it ships customer service may also change it: a preview first, then the edit itself.
    body = {"delivery": home(OTHER_HOME), "removeLines": ["3"]}
    preview = cs.post(f"{path}/edits?preview=true", body, if_match=cancelled["version"])
    assert (preview["edit"]["preview"], preview["edit"]["priceDifference"]["amount"]) == (True, "-10.00")
    assert oms.get(path) == cancelled
    edited = cs.post(f"{path}/edits", body, if_match=cancelled["version"])
    assert statuses(edited) == {"1": "allocated", "2": "cancelled", "3": "cancelled"}
    assert [r["amount"]["amount"] for r in edited["refunds"]] == ["10.00", "10.00"]
    [fo] = [f for f in edited["fulfilmentOrders"] if f["status"] == "released"]
    assert fo["destination"] == {"address": OTHER_HOME}
    assert moved(oms, before["SNEAKER-42"], "SNEAKER-42") == ({}, {})
    assert moved(oms, before["TEE-BLACK-L"], "TEE-BLACK-L") == ({}, {DC: 1})

    oms.at(DC).report(fo["fulfilmentOrderId"], "accept", "pick", "pack")
    oms.at(DC).post(f"/fulfilment-orders/{fo['fulfilmentOrderId']}/events", {"type": "ship", "tracking": TRACKING})
    shipped = oms.get(path)
    assert (shipped["status"], statuses(shipped)["1"]) == ("shipped", "shipped")
    after_ship = oms.stock("TEE-BLACK-L")
    assert moved(oms, before["TEE-BLACK-L"], "TEE-BLACK-L") == ({DC: -1}, {})  # the goods left the DC
    too_late = {"lines": [{"lineId": "1", "quantity": 1}], "reason": "customer changed mind"}
    assert cs.post(f"{path}/cancellations", too_late, expect=409)["status"] == 409
    refused = cs.post(f"{path}/edits", {"delivery": home(HOME)}, expect=409, if_match=shipped["version"])
    assert refused["lines"] == ["1"]
    assert oms.get(path) == shipped
    assert oms.stock("TEE-BLACK-L") == after_ship


def test_journey_26_customer_service_tells_the_status_of_an_order(oms: Oms) -> None:
    who = customer()
    online = oms.order([line("1", "TEE-WHITE-M", 2)], delivery=home(), customer=who)
    walk(oms, online["orderId"], online["fulfilmentOrders"][0], HOME_ROUTE)
    collect = oms.order([line("1", "CAP-NAVY")], delivery=at("click_and_collect", AMS), customer=who)
    [shelf] = collect["fulfilmentOrders"]
    # Ready for pickup at the store: from its own shelf, or sent there by the DC when the shelf is short.
    walk(oms, collect["orderId"], shelf, SHELF_ROUTE[:3] if shelf["locationId"] == AMS else TRANSFER_ROUTE[:5])
    in_store = oms.at(UTR).order([line("1", "JEANS-SLIM-32")], channel="store", storeId=UTR, customer=who)
    cs = oms.as_role("cs")
    cs.post(
        f"/orders/{online['orderId']}/returns",
        {"lines": [{"lineId": "1", "quantity": 1, "reason": "changed_mind"}], "returnTo": {"locationId": DC}},
        expect=201,
    )

    # Online: per line what became of it, tracking, the return and its timeline.
    seen = cs.get(f"/orders/{online['orderId']}")
    ledger = seen["lines"][0]["ledger"]
    assert (seen["status"], seen["lines"][0]["status"]) == ("completed", "delivered")
    assert (ledger["ordered"], ledger["cancelled"], ledger["fulfilled"], ledger["returnRequested"]) == (2, 0, 2, 1)
    assert seen["fulfilmentOrders"][0]["tracking"] == TRACKING
    assert [r["status"] for r in seen["returns"]] == ["approved"]
    types = [h["type"] for h in seen["history"]]
    assert types[:3] == ["OrderCreated", "OrderSourced", "FulfilmentOrderDispatched"]
    assert types[-1] == "ReturnAuthorized"
    assert [h["at"] for h in seen["history"]] == sorted(h["at"] for h in seen["history"])
    shipped = next(h for h in seen["history"] if h["detail"].get("to") == "shipped")
    assert shipped["detail"]["tracking"] == TRACKING

    # In store: the store reads it at its counter, with where it waits to be picked up.
    waiting = oms.at(AMS).get(f"/orders/{collect['orderId']}")
    assert (waiting["status"], statuses(waiting)) == ("ready_for_pickup", {"1": "ready_for_pickup"})
    assert waiting["fulfilmentOrders"][0]["destination"] == {"locationId": AMS}

    # The customer's whole history, every channel and store, newest first.
    for reader in (cs, oms.at(AMS)):
        history = reader.get(f"/customers/{who['id']}/orders")["items"]
        assert {(o["orderId"], o["channel"], o.get("storeId"), o["status"]) for o in history} == {
            (online["orderId"], "webshop", None, "completed"),
            (collect["orderId"], "webshop", None, "ready_for_pickup"),
            (in_store["orderId"], "store", UTR, "completed"),
        }
