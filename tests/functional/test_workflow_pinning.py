"""Workflows the business changes govern only what starts after: a quality check added for one
channel's new orders, while an order already under way finishes on the version it was pinned to."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import bearer, issue_token, put
from tests.functional.test_fulfilment_events import DC, one_line, place, read, report, step, stock
from tests.functional.test_workflow_config import default_body

pytestmark = pytest.mark.usefixtures("demo")
SKU = "TEE-BLACK-L"


def quality_check_for_app(min_total: int) -> dict[str, Any]:
    """Home delivery with a quality check before shipping, for app orders of `min_total` or more."""
    section = default_body()
    home = next(d for d in section["definitions"] if d["id"] == "fulfilment-home")
    checked = json.loads(json.dumps(home))
    checked["id"] = "home-with-qc"
    checked["states"].insert(4, {"name": "quality_check", "category": "in_progress"})
    checked["transitions"] += [
        {
            "from": ["picked", "packed"],
            "on": "ship",
            "to": "quality_check",
            "guard": {">=": [{"var": "order.total"}, min_total]},
        },
        {"from": ["quality_check"], "on": "approve", "to": "shipped", "actions": [{"type": "take_stock"}]},
        {"from": ["quality_check"], "on": "fail", "to": "picked"},
    ]
    section["definitions"].append(checked)
    section["bindings"].insert(
        0, {"entity": "fulfilmentOrder", "match": {"channel": "app", "flow": "home"}, "workflow": "home-with-qc"}
    )
    return section


def test_a_quality_check_for_one_channel_governs_its_new_orders_and_not_those_under_way(client, admin):
    dc = bearer(issue_token(f"dc:{DC}"))
    under_way = place(client, admin, one_line(SKU, 2))["fulfilmentOrders"][0]
    pinned = (under_way["workflow"], under_way["workflowVersion"], under_way["category"])
    assert pinned == ("fulfilment-home", 0, "open")
    step(client, under_way["fulfilmentOrderId"], dc, "accept")

    saved = put(client, "/config/workflows", quality_check_for_app(15), admin)
    assert saved.status_code == 200, saved.body
    version = json.loads(saved.body)["version"]

    app_order = place(client, admin, {**one_line(SKU, 2), "channel": "app"})  # 20.00: checked
    fo = app_order["fulfilmentOrders"][0]
    assert (fo["workflow"], fo["workflowVersion"]) == ("home-with-qc", version)
    fo_id = fo["fulfilmentOrderId"]
    assert json.loads(client.http.get(f"/fulfilment-orders/{fo_id}", headers=dc).body)["allowedEvents"] == [
        "accept",
        "reject",
    ]
    step(client, fo_id, dc, "accept")
    step(client, fo_id, dc, "pick")
    before = stock(client, SKU, admin)[DC]
    checking = step(client, fo_id, dc, "ship")
    assert (checking["status"], checking["category"], checking["allowedEvents"]) == (
        "quality_check",
        "in_progress",
        ["approve", "fail"],
    )
    assert stock(client, SKU, admin)[DC]["onHand"] == before["onHand"]  # still in the building
    seen = read(client, app_order["orderId"], admin)["fulfilmentOrders"][0]  # the order's answer says it too
    assert (seen["status"], seen["allowedEvents"]) == ("quality_check", ["approve", "fail"])
    assert read(client, app_order["orderId"], admin)["lines"][0]["status"] == "allocated"
    assert report(client, fo_id, dc, "deliver").status_code == 409
    shipped = step(client, fo_id, dc, "approve")
    assert (shipped["status"], shipped["category"]) == ("shipped", "shipped")
    after = stock(client, SKU, admin)[DC]
    assert (after["onHand"], after["reserved"]) == (before["onHand"] - 2, before["reserved"] - 2)
    assert read(client, app_order["orderId"], admin)["status"] == "shipped"

    # The order under way finishes on the built-in version it was pinned to: no check.
    step(client, under_way["fulfilmentOrderId"], dc, "pick")
    assert step(client, under_way["fulfilmentOrderId"], dc, "ship")["status"] == "shipped"
    # A new webshop order follows the new version's binding for it: the plain home flow.
    webshop = place(client, admin, one_line(SKU, 2))["fulfilmentOrders"][0]
    assert (webshop["workflow"], webshop["workflowVersion"]) == ("fulfilment-home", version)
    # Below the guard's value an app order ships without the check.
    small = place(client, admin, {**one_line(SKU, 1), "channel": "app"})["fulfilmentOrders"][0]
    for event in ("accept", "pick"):
        step(client, small["fulfilmentOrderId"], dc, event)
    assert step(client, small["fulfilmentOrderId"], dc, "ship")["status"] == "shipped"


def test_the_workflows_of_an_entity_are_listed_with_their_bindings(client, admin):
    built_in = json.loads(client.http.get("/workflows/fulfilmentOrder", headers=admin).body)
    assert built_in["version"] == 0
    assert [d["id"] for d in built_in["definitions"]][:1] == ["fulfilment-home"]
    assert built_in["bindings"][-1]["workflow"] == "fulfilment-home"  # the default, last
    saved = put(client, "/config/workflows", quality_check_for_app(15), admin)
    dc = bearer(issue_token(f"dc:{DC}"))
    now = json.loads(client.http.get("/workflows/fulfilmentOrder", headers=dc).body)
    assert now["version"] == json.loads(saved.body)["version"]
    assert "home-with-qc" in [d["id"] for d in now["definitions"]]
    assert now["bindings"][0]["match"]["channel"] == "app"
    assert json.loads(client.http.get("/workflows/order", headers=admin).body)["definitions"] == []
    assert client.http.get("/workflows/parcel", headers=admin).status_code == 404


def test_a_second_attempt_at_delivery_is_configuration_only(client, admin):
    """A carrier that misses the customer tries once more next day; after a second miss the parcel
    comes back and the units are sourced again: states and transitions, no code."""
    section = default_body()
    home = next(d for d in section["definitions"] if d["id"] == "fulfilment-home")
    home["states"] += [
        {"name": "first_attempt_failed", "category": "shipped"},
        {"name": "returned_to_sender", "category": "rejected", "final": True},
    ]
    home["transitions"] += [
        {"from": ["shipped"], "on": "attempt_failed", "to": "first_attempt_failed"},
        {"from": ["first_attempt_failed"], "on": "deliver", "to": "delivered"},
        {
            "from": ["first_attempt_failed"],
            "on": "attempt_failed",
            "to": "returned_to_sender",
            "actions": [{"type": "give_back_stock"}, {"type": "source_again", "excludeSource": False}],
        },
    ]
    assert put(client, "/config/workflows", section, admin).status_code == 200
    dc = bearer(issue_token(f"dc:{DC}"))
    before = stock(client, SKU, admin)[DC]
    order = place(client, admin, one_line(SKU, 1))
    fo_id = order["fulfilmentOrders"][0]["fulfilmentOrderId"]
    for event in ("accept", "pick"):
        step(client, fo_id, dc, event)
    step(client, fo_id, dc, "ship", tracking={"carrier": "PostNL", "code": "3S1"})
    missed = step(client, fo_id, dc, "attempt_failed")
    assert (missed["status"], missed["category"], missed["allowedEvents"]) == (
        "first_attempt_failed",
        "shipped",
        ["deliver", "attempt_failed"],
    )
    assert read(client, order["orderId"], admin)["lines"][0]["status"] == "shipped"  # still on its way
    back = step(client, fo_id, dc, "attempt_failed")
    assert (back["status"], back["category"]) == ("returned_to_sender", "rejected")
    after = read(client, order["orderId"], admin)
    [_, again] = sorted(after["fulfilmentOrders"], key=lambda f: f["fulfilmentOrderId"])
    assert (again["status"], again["locationId"]) == ("released", DC)  # sent again, from the DC
    now = stock(client, SKU, admin)[DC]
    # Out once and back on the shelf; reserved again for the second parcel.
    assert (now["onHand"], now["reserved"]) == (before["onHand"], before["reserved"] + 1)
