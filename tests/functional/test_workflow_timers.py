"""Workflow timers: a location that does not accept its work within the SLA loses it to another
location (the schedule fires the breach through the same use case as a location's event); a timer
whose fulfilment order moved on is ignored."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Table
from chalicelib.domain.workflows.defaults import ACCEPT_WITHIN, COLLECT_WITHIN
from infra.pump import Pump
from tests.conftest import ManualClock, bearer, issue_token
from tests.functional.test_fulfilment_events import DC, UTR, one_line, place, read, report, step, stock

pytestmark = pytest.mark.usefixtures("demo")
SKU = "TEE-WHITE-M"  # at the DC, and at stores: somewhere else to go


def fire(clock: ManualClock, seconds: float) -> None:
    clock.advance(seconds)
    assert Pump(retry_delay_s=0).run_once().schedules_failed == 0


def test_not_accepted_within_its_sla_the_work_goes_to_another_location(client, admin, clock: ManualClock):
    before = stock(client, SKU, admin)
    order = place(client, admin, one_line(SKU, 2))
    [fo] = order["fulfilmentOrders"]
    assert fo["locationId"] == DC
    [timer] = fo["timers"]
    assert (timer["name"], timer["event"], timer["state"]) == ("sla:released", "sla_breached", "released")

    fire(clock, ACCEPT_WITHIN.total_seconds() - 60)  # not yet
    assert read(client, order["orderId"], admin)["version"] == order["version"]

    fire(clock, 120)
    after = read(client, order["orderId"], admin)
    [old, new] = sorted(after["fulfilmentOrders"], key=lambda f: f["fulfilmentOrderId"])
    assert (old["status"], old["timers"]) == ("rejected", [])
    assert (new["status"], new["locationId"][:6]) == ("released", "store-")
    assert [t["event"] for t in new["timers"]] == ["sla_breached"]  # the new location has its own day
    breach = next(h for h in after["history"] if h["type"] == "FulfilmentOrderUpdated")
    assert (breach["actor"], breach["detail"]["from"], breach["detail"]["to"]) == (
        "timer:sla:released",
        "released",
        "rejected",
    )
    now = stock(client, SKU, admin)
    assert now[DC]["reserved"] == before[DC]["reserved"]  # given back
    assert now[new["locationId"]]["reserved"] == before[new["locationId"]]["reserved"] + 2

    fire(clock, 60)  # fired once: nothing more happens
    assert read(client, order["orderId"], admin)["version"] == after["version"]


def test_accepted_in_time_its_timer_is_gone_and_a_late_one_is_ignored(client, admin, clock: ManualClock):
    order = place(client, admin, one_line(SKU, 1))
    fo_id = order["fulfilmentOrders"][0]["fulfilmentOrderId"]
    accepted = step(client, fo_id, bearer(issue_token(f"dc:{DC}")), "accept")
    assert accepted["timers"] == []
    fire(clock, ACCEPT_WITHIN.total_seconds() + 60)
    assert read(client, order["orderId"], admin)["version"] == order["version"] + 1  # only the accept

    # A timer stamped with a state the fulfilment order has left (as a lagging index would bring
    # it): dropped unheard, the fulfilment order stays where it is.
    stale = {"name": "sla:released", "due": accepted["updatedAt"], "event": "sla_breached", "state": "released"}
    _add_timer(order["orderId"], fo_id, {**stale, "entry": 0})
    fire(clock, 60)
    after = read(client, order["orderId"], admin)
    [fo] = after["fulfilmentOrders"]
    assert (fo["status"], fo["timers"], len(after["fulfilmentOrders"])) == ("accepted", [], 1)
    assert [h["type"] for h in after["history"]][-1] == "FulfilmentOrderUpdated"  # the accept, nothing since


def _add_timer(order_id: str, fulfilment_order_id: str, timer: dict[str, Any]) -> None:
    table = Table()
    key = {"PK": keys.ORDERS.pk(order_id), "SK": keys.fulfilment_sk(fulfilment_order_id)}
    item = table.get(key, consistent=True)
    assert item is not None
    table.put({**item, "timers": [timer], **keys.TIMERS.index(fulfilment_order_id, timer["due"])})


def ready_at_utrecht(client: Any, admin: dict[str, str], sku: str, *events: str) -> tuple[dict[str, Any], str]:
    """A click & collect order at Utrecht, paid, taken to ready_for_pickup by `events` (admin's)."""
    body = one_line(sku, 1, {"method": "click_and_collect", "locationId": UTR})
    body["payment"] = {"status": "paid", "amount": {"amount": "10.00", "currency": "EUR"}}
    order = place(client, admin, body)
    fo_id = order["fulfilmentOrders"][0]["fulfilmentOrderId"]
    for event in events:
        step(client, fo_id, admin, event)
    return order, fo_id


@pytest.mark.parametrize(
    "case",
    [
        ("CAP-NAVY", UTR, ("accept", "pick", "ready_for_pickup")),  # from the store's own shelf
        ("SNEAKER-42", DC, ("accept", "pick", "ship", "ready_for_pickup")),  # sent by the DC
    ],
    ids=["shelf", "transfer"],
)
def test_an_uncollected_click_and_collect_order_is_cancelled_refunded_and_its_goods_back_in_stock(
    client, admin, clock: ManualClock, case: tuple[str, str, tuple[str, ...]]
):
    sku, source, events = case
    before = stock(client, sku, admin)
    order, fo_id = ready_at_utrecht(client, admin, sku, *events)
    ready = read(client, order["orderId"], admin)
    assert (ready["status"], [t["name"] for t in ready["fulfilmentOrders"][0]["timers"]]) == (
        "ready_for_pickup",
        ["sla:ready_for_pickup"],
    )
    fire(clock, COLLECT_WITHIN.total_seconds() - 60)  # the customer may still come
    assert read(client, order["orderId"], admin)["version"] == ready["version"]

    fire(clock, 120)
    after = read(client, order["orderId"], admin)
    [fo] = after["fulfilmentOrders"]
    assert (fo["status"], fo["timers"], after["status"], after["lines"][0]["status"]) == (
        "cancelled",
        [],
        "cancelled",
        "cancelled",
    )
    assert [(r["amount"]["amount"], r["status"]) for r in after["refunds"]] == [("10.00", "requested")]
    now = stock(client, sku, admin)
    # At the store either way: the shelf's reservation ends; the DC's goods join the store's stock.
    assert (now[UTR]["onHand"], now[UTR]["reserved"]) == (
        before.get(UTR, {}).get("onHand", 0) + (1 if source == DC else 0),
        before.get(UTR, {}).get("reserved", 0),
    )
    if source == DC:
        assert (now[DC]["onHand"], now[DC]["reserved"]) == (before[DC]["onHand"] - 1, before[DC]["reserved"])
    assert report(client, fo_id, admin, "collect").status_code == 409  # too late now
