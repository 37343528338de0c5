"""Holds on the order: the order's own workflow, bound by channel, holds orders above a value for a
review team before anything is handed to a location; the team's outcome releases (sources and
dispatches) or cancels (refunds) it. Orders below the value, and channels with no order workflow,
go straight to sourcing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import cancel_lines, post, put
from tests.functional.test_fulfilment_events import DC, one_line, place, read, stock
from tests.functional.test_workflow_config import default_body
from tests.functional.test_workflow_tasks import complete, history, tasks_of

pytestmark = pytest.mark.usefixtures("demo")
SKU = "TEE-BLACK-L"  # 10.00 a unit in one_line


def review_above(amount: int, channel: str = "webshop") -> dict[str, Any]:
    """Orders of `channel` above `amount` wait for the `fraud` team; the rest are released at once."""
    section = default_body()
    section["definitions"].append(
        {
            "id": "order-review",
            "entity": "order",
            "states": [
                {"name": "received", "category": "open", "initial": True},
                {"name": "awaiting_review", "category": "open"},
                {"name": "released", "category": "done", "final": True},
                {"name": "refused", "category": "rejected", "final": True},
            ],
            "transitions": [
                {
                    "from": ["received"],
                    "on": "placed",
                    "to": "awaiting_review",
                    "guard": {">": [{"var": "order.total"}, amount]},
                    "actions": [
                        {
                            "type": "open_task",
                            "team": "fraud",
                            "sla": "PT4H",
                            "outcomes": {"approve": "release", "reject": "refuse"},
                        }
                    ],
                },
                {"from": ["received"], "on": "placed", "to": "released"},
                {"from": ["awaiting_review"], "on": "release", "to": "released"},
                {"from": ["awaiting_review"], "on": "refuse", "to": "refused"},
            ],
        }
    )
    section["bindings"].insert(0, {"entity": "order", "match": {"channel": channel}, "workflow": "order-review"})
    return section


def units(quantity: int) -> dict[str, Any]:
    """An order of `quantity` units at 10.00, paid in full."""
    body = one_line(SKU, quantity)
    body["payment"]["amount"]["amount"] = f"{10 * quantity}.00"
    return body


def event(client: Any, order_id: str, type_: str, headers: dict[str, str]) -> Any:
    return post(client, f"/orders/{order_id}/events", {"type": type_}, headers)


def test_a_guard_holds_an_order_above_a_value_until_a_task_releases_it(client, admin):
    assert put(client, "/config/workflows", review_above(100), admin).status_code == 200
    before = stock(client, SKU, admin)[DC]

    small = place(client, admin, units(2))  # 20.00: released at once
    assert (small["workflowState"], small["status"]) == ("released", "in_fulfilment")
    assert [fo["locationId"] for fo in small["fulfilmentOrders"]] == [DC]

    held = place(client, admin, units(15))  # 150.00: held for the fraud team
    assert (held["workflow"], held["workflowState"], held["workflowCategory"]) == (
        "order-review",
        "awaiting_review",
        "open",
    )
    assert (held["status"], held["fulfilmentOrders"], held["allowedEvents"]) == ("on_hold", [], ["release", "refuse"])
    assert [(ln["status"], ln["heldQuantity"]) for ln in held["lines"]] == [("open", 15)]
    assert stock(client, SKU, admin)[DC]["reserved"] == before["reserved"] + 2, "nothing reserved while held"
    types = [h["type"] for h in held["history"]]
    assert "FulfilmentOrderDispatched" not in types and "OrderSourced" not in types
    [task] = tasks_of(client, "fraud", admin)
    assert (task["kind"], task["orderId"], task["outcomes"]) == (
        "workflow",
        held["orderId"],
        {"approve": "release", "reject": "refuse"},
    )
    assert (
        "fulfilmentOrderId" not in task
        and task["due"]
        and task["lines"] == [{"lineId": "1", "sku": SKU, "quantity": 15}]
    )

    done = complete(client, task["taskId"], "approve", admin)
    assert done.status_code == 200, done.body
    released = read(client, held["orderId"], admin)
    assert (released["workflowState"], released["status"], released["allowedEvents"]) == (
        "released",
        "in_fulfilment",
        [],
    )
    [fo] = released["fulfilmentOrders"]
    assert (fo["locationId"], fo["status"], fo["lines"][0]["quantity"]) == (DC, "released", 15)
    assert [(ln["status"], ln["heldQuantity"]) for ln in released["lines"]] == [("allocated", 0)]
    assert stock(client, SKU, admin)[DC]["reserved"] == before["reserved"] + 17
    [moved] = history(client, held["orderId"], admin, "OrderWorkflowUpdated")[-1:]
    assert (moved["from"], moved["to"], moved["event"], moved["category"]) == (
        "awaiting_review",
        "released",
        "release",
        "done",
    )
    assert history(client, held["orderId"], admin, "FulfilmentOrderDispatched")
    assert event(client, held["orderId"], "release", admin).status_code == 409  # released once


def test_a_refused_review_cancels_the_held_order_and_refunds_it(client, admin):
    assert put(client, "/config/workflows", review_above(100), admin).status_code == 200
    held = place(client, admin, units(12))
    answer = event(client, held["orderId"], "approve", admin)  # a task outcome, not an event of the order
    assert answer.status_code == 409
    assert json.loads(answer.body)["allowedEvents"] == ["release", "refuse"]

    refused = event(client, held["orderId"], "refuse", admin)
    assert refused.status_code == 200, refused.body
    order = json.loads(refused.body)
    assert (order["workflowState"], order["status"], order["fulfilmentOrders"]) == ("refused", "cancelled", [])
    assert [(r["amount"], r["status"]) for r in order["refunds"]] == [
        ({"amount": "120.00", "currency": "EUR"}, "requested")
    ]
    [task] = tasks_of(client, "fraud", admin)  # its outcome now comes too late: the task closes alone
    assert complete(client, task["taskId"], "approve", admin).status_code == 200
    assert read(client, held["orderId"], admin)["version"] == order["version"]


def test_a_held_order_may_be_cancelled_by_customer_service_meanwhile(client, admin):
    assert put(client, "/config/workflows", review_above(100), admin).status_code == 200
    held = place(client, admin, units(11))
    answer = cancel_lines(client, held["orderId"], {"1": 11}, "x", admin)
    assert answer.status_code == 200, answer.body
    assert json.loads(answer.body)["status"] == "cancelled"
    [task] = tasks_of(client, "fraud", admin)
    assert complete(client, task["taskId"], "approve", admin).status_code == 200  # nothing left to release
    after = read(client, held["orderId"], admin)
    assert (after["status"], after["fulfilmentOrders"]) == ("cancelled", [])


def test_an_edit_of_a_held_order_sources_nothing_until_it_is_released(client, admin):
    assert put(client, "/config/workflows", review_above(100), admin).status_code == 200
    held = place(client, admin, units(12))
    added = {"lineId": "2", "sku": "CAP-NAVY", "quantity": 1, "unitPrice": {"amount": "5.00", "currency": "EUR"}}
    answer = post(client, f"/orders/{held['orderId']}/edits", {"addLines": [added]}, admin)
    assert answer.status_code == 200, answer.body
    edited = json.loads(answer.body)
    assert (edited["status"], edited["fulfilmentOrders"]) == ("on_hold", [])
    assert [ln["heldQuantity"] for ln in edited["lines"]] == [12, 1]
    released = event(client, held["orderId"], "release", admin)
    assert released.status_code == 200, released.body
    assert {ln["lineId"]: ln["status"] for ln in json.loads(released.body)["lines"]} == {
        "1": "allocated",
        "2": "allocated",
    }


def test_orders_of_a_channel_without_an_order_workflow_follow_none(client, admin):
    assert put(client, "/config/workflows", review_above(1, channel="app"), admin).status_code == 200
    order = place(client, admin, units(20))
    assert "workflow" not in order and order["allowedEvents"] == [] and order["status"] == "in_fulfilment"
    answer = event(client, order["orderId"], "release", admin)
    assert answer.status_code == 409 and "follows no workflow" in json.loads(answer.body)["detail"]
