"""Locations report progress on fulfilment orders: the default workflow, its effects on the order,
its lines and stock, rejection (sourced again elsewhere), and who may report what."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import bearer, cancel_lines, issue_token, order_body, post

pytestmark = pytest.mark.usefixtures("demo")
DC = "dc-tilburg"
AMS, UTR = "store-ams-kalverstraat", "store-utr-oudegracht"
TRACKING = {"carrier": "PostNL", "code": "3SABCD1234567", "url": "https://jouw.postnl.nl/track/3SABCD1234567"}


def one_line(sku: str, quantity: int, delivery: dict[str, Any] | None = None) -> dict[str, Any]:
    body = order_body(
        lines=[{"lineId": "1", "sku": sku, "quantity": quantity, "unitPrice": {"amount": "10.00", "currency": "EUR"}}]
    )
    if delivery is not None:
        body["delivery"] = delivery
    return body


def place(client: Any, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    answer = post(client, "/orders", body, headers)
    assert answer.status_code == 201, answer.body
    order: dict[str, Any] = json.loads(answer.body)
    return order


def report(client: Any, fo_id: str, headers: dict[str, str], type_: str, **extra: Any) -> Any:
    return post(client, f"/fulfilment-orders/{fo_id}/events", {"type": type_, **extra}, headers)


def step(client: Any, fo_id: str, headers: dict[str, str], type_: str, **extra: Any) -> dict[str, Any]:
    answer = report(client, fo_id, headers, type_, **extra)
    assert answer.status_code == 200, answer.body
    fo: dict[str, Any] = json.loads(answer.body)
    return fo


def read(client: Any, order_id: str, headers: dict[str, str]) -> dict[str, Any]:
    answer = client.http.get(f"/orders/{order_id}", headers=headers)
    assert answer.status_code == 200, answer.body
    order: dict[str, Any] = json.loads(answer.body)
    return order


def stock(client: Any, sku: str, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    rows = json.loads(client.http.get(f"/inventory/{sku}", headers=headers).body)["items"]
    return {row["locationId"]: row for row in rows}


def test_a_home_order_is_accepted_picked_packed_shipped_with_tracking_and_delivered(client, admin):
    before = stock(client, "TEE-BLACK-L", admin)[DC]
    order = place(client, admin, one_line("TEE-BLACK-L", 2))
    [fo] = order["fulfilmentOrders"]
    assert fo["locationId"] == DC
    fo_id, dc = fo["fulfilmentOrderId"], bearer(issue_token(f"dc:{DC}"))

    assert step(client, fo_id, dc, "accept")["status"] == "accepted"
    assert step(client, fo_id, dc, "pick")["status"] == "picked"
    assert read(client, order["orderId"], admin)["lines"][0]["status"] == "picked"
    assert step(client, fo_id, dc, "pack")["status"] == "packed"
    shipped = step(client, fo_id, dc, "ship", tracking=TRACKING)
    assert (shipped["status"], shipped["tracking"], shipped["version"]) == ("shipped", TRACKING, 5)

    # Journey 26: customer service sees the tracking, per-line status and the timeline.
    seen = read(client, order["orderId"], admin)
    assert (seen["status"], seen["lines"][0]["status"]) == ("shipped", "shipped")
    assert seen["fulfilmentOrders"][0]["tracking"] == TRACKING
    updates = [h["detail"] for h in seen["history"] if h["type"] == "FulfilmentOrderUpdated"]
    assert [(u["from"], u["to"]) for u in updates] == [
        ("released", "accepted"),
        ("accepted", "picked"),
        ("picked", "packed"),
        ("packed", "shipped"),
    ]
    assert updates[-1]["stock"] == [{"sku": "TEE-BLACK-L", "locationId": DC, "quantity": 2}]
    after = stock(client, "TEE-BLACK-L", admin)[DC]
    assert (after["onHand"], after["reserved"]) == (before["onHand"] - 2, before["reserved"])

    assert step(client, fo_id, dc, "deliver")["status"] == "delivered"
    done = read(client, order["orderId"], admin)
    assert (done["status"], done["lines"][0]["status"]) == ("completed", "delivered")
    changes = [(h["detail"]["from"], h["detail"]["to"]) for h in done["history"] if h["type"] == "OrderStatusChanged"]
    assert changes == [("in_fulfilment", "shipped"), ("shipped", "completed")]
    assert stock(client, "TEE-BLACK-L", admin)[DC]["onHand"] == before["onHand"] - 2  # delivering moves nothing


def test_click_and_collect_from_the_stores_own_shelf_is_ready_then_collected(client, admin):
    before = stock(client, "CAP-NAVY", admin)[UTR]
    order = place(client, admin, one_line("CAP-NAVY", 1, {"method": "click_and_collect", "locationId": UTR}))
    [fo] = order["fulfilmentOrders"]
    assert fo["locationId"] == UTR
    fo_id, utr = fo["fulfilmentOrderId"], bearer(issue_token(f"store:{UTR}"))
    for event, status in (("accept", "accepted"), ("pick", "picked")):
        assert step(client, fo_id, utr, event)["status"] == status
    no_ship = report(client, fo_id, utr, "ship")
    assert no_ship.status_code == 409  # it never leaves the store
    assert step(client, fo_id, utr, "ready_for_pickup")["status"] == "ready_for_pickup"
    ready = read(client, order["orderId"], admin)
    assert (ready["status"], ready["lines"][0]["status"]) == ("ready_for_pickup", "ready_for_pickup")
    held = stock(client, "CAP-NAVY", admin)[UTR]
    assert (held["onHand"], held["reserved"]) == (before["onHand"], before["reserved"] + 1)

    assert step(client, fo_id, utr, "collect")["status"] == "collected"
    done = read(client, order["orderId"], admin)
    assert (done["status"], done["lines"][0]["status"]) == ("completed", "collected")
    after = stock(client, "CAP-NAVY", admin)[UTR]
    assert (after["onHand"], after["reserved"]) == (before["onHand"] - 1, before["reserved"])


def test_a_transfer_is_shipped_by_the_dc_then_made_ready_and_collected_by_the_destination_store(client, admin):
    order = place(client, admin, one_line("SNEAKER-42", 1, {"method": "click_and_collect", "locationId": UTR}))
    [fo] = order["fulfilmentOrders"]
    assert (fo["locationId"], fo["destination"]) == (DC, {"locationId": UTR})
    fo_id = fo["fulfilmentOrderId"]
    dc, utr = bearer(issue_token(f"dc:{DC}")), bearer(issue_token(f"store:{UTR}"))
    assert report(client, fo_id, utr, "accept").status_code == 403  # the DC's work until it arrives
    for event in ("accept", "pick", "ship"):
        step(client, fo_id, dc, event)
    assert read(client, order["orderId"], admin)["status"] == "shipped"
    assert step(client, fo_id, utr, "ready_for_pickup")["status"] == "ready_for_pickup"
    assert read(client, order["orderId"], admin)["status"] == "ready_for_pickup"
    assert step(client, fo_id, utr, "collect")["status"] == "collected"
    done = read(client, order["orderId"], admin)
    assert (done["status"], done["lines"][0]["status"]) == ("completed", "collected")


def test_rejected_at_the_dc_the_lines_are_sourced_again_at_a_store(client, admin):
    before = stock(client, "TEE-WHITE-M", admin)
    order = place(client, admin, one_line("TEE-WHITE-M", 2))
    [fo] = order["fulfilmentOrders"]
    assert fo["locationId"] == DC
    dc = bearer(issue_token(f"dc:{DC}"))
    rejected = step(client, fo["fulfilmentOrderId"], dc, "reject", reason="damaged on the shelf")
    assert rejected["status"] == "rejected"

    after = read(client, order["orderId"], admin)
    [old, new] = sorted(after["fulfilmentOrders"], key=lambda f: f["fulfilmentOrderId"])
    assert (old["status"], new["status"]) == ("rejected", "released")
    assert new["locationId"].startswith("store-")
    assert new["lines"] == [{"lineId": "1", "sku": "TEE-WHITE-M", "quantity": 2}]
    assert (after["status"], after["lines"][0]["status"]) == ("in_fulfilment", "allocated")
    assert after["lines"][0]["allocations"] == [
        {"fulfilmentOrderId": new["fulfilmentOrderId"], "locationId": new["locationId"], "quantity": 2}
    ]
    types = [h["type"] for h in after["history"]]
    assert types[-3:] == ["FulfilmentOrderUpdated", "OrderSourced", "FulfilmentOrderDispatched"]
    now = stock(client, "TEE-WHITE-M", admin)
    assert now[DC]["reserved"] == before[DC]["reserved"]  # given back
    assert now[new["locationId"]]["reserved"] == before[new["locationId"]]["reserved"] + 2
    # The store may reject too; the DC, having rejected, has nothing left to report.
    assert report(client, fo["fulfilmentOrderId"], dc, "accept").status_code == 409


def test_rejected_with_nowhere_else_to_go_the_line_is_backordered(client, admin):
    before = stock(client, "SNEAKER-42", admin)[DC]
    order = place(client, admin, one_line("SNEAKER-42", 1, {"method": "click_and_collect", "locationId": UTR}))
    [fo] = order["fulfilmentOrders"]
    assert fo["locationId"] == DC  # click & collect replenished from a DC: no other DC has it
    step(client, fo["fulfilmentOrderId"], bearer(issue_token(f"dc:{DC}")), "reject")
    after = read(client, order["orderId"], admin)
    assert [f["status"] for f in after["fulfilmentOrders"]] == ["rejected"]
    assert (after["status"], after["lines"][0]["status"]) == ("backordered", "backordered")
    assert after["lines"][0]["allocations"] == []
    assert stock(client, "SNEAKER-42", admin)[DC]["reserved"] == before["reserved"]


def test_a_transition_the_workflow_does_not_allow_is_a_409_naming_the_allowed_events(client, admin):
    order = place(client, admin, one_line("TEE-BLACK-L", 1))
    fo_id = order["fulfilmentOrders"][0]["fulfilmentOrderId"]
    answer = report(client, fo_id, admin, "ship")
    assert answer.status_code == 409
    problem = json.loads(answer.body)
    assert (problem["currentStatus"], problem["allowedEvents"]) == ("released", ["accept", "reject"])
    assert "accept, reject" in problem["detail"]
    assert read(client, order["orderId"], admin)["version"] == order["version"]  # nothing changed
    # Events are the workflow's: one it does not know is refused as one it does not allow now.
    unknown = report(client, fo_id, admin, "teleport")
    assert (unknown.status_code, json.loads(unknown.body)["allowedEvents"]) == (409, ["accept", "reject"])
    assert report(client, fo_id, admin, "tele port!").status_code == 422  # not an event name at all
    assert report(client, fo_id, admin, "cancel").status_code == 409  # the order's: cancel its lines
    assert read(client, order["orderId"], admin)["version"] == order["version"]


def test_only_the_locations_own_token_reports_and_if_match_names_the_fulfilment_orders_version(client, admin):
    order = place(client, admin, one_line("TEE-BLACK-L", 1))
    fo = order["fulfilmentOrders"][0]
    fo_id = fo["fulfilmentOrderId"]
    assert report(client, fo_id, bearer(issue_token(f"store:{AMS}")), "accept").status_code == 403
    assert report(client, fo_id, bearer(issue_token("dc:xdc-venlo")), "accept").status_code == 403
    assert report(client, fo_id, bearer(issue_token("channel:webshop")), "accept").status_code == 403
    stale = report(client, fo_id, {**admin, "If-Match": str(fo["version"] + 1)}, "accept")
    assert stale.status_code == 412
    ok = report(client, fo_id, {**admin, "If-Match": str(fo["version"])}, "accept")
    assert ok.status_code == 200, ok.body
    assert report(client, "fo_nope_1", admin, "accept").status_code == 404


def test_after_shipping_a_cancellation_is_a_409_and_changes_nothing(client, admin):
    order = place(client, admin, one_line("TEE-BLACK-L", 1))
    fo_id, dc = order["fulfilmentOrders"][0]["fulfilmentOrderId"], bearer(issue_token(f"dc:{DC}"))
    for event in ("accept", "pick", "ship"):
        step(client, fo_id, dc, event)
    shipped = read(client, order["orderId"], admin)
    levels = stock(client, "TEE-BLACK-L", admin)
    cancel = cancel_lines(client, order["orderId"], {"1": 1}, "customer changed mind", admin)
    assert cancel.status_code == 409, cancel.body
    assert read(client, order["orderId"], admin) == shipped
    assert stock(client, "TEE-BLACK-L", admin) == levels
