"""A workflow's task for a team: a quality check opens one; its outcome moves the fulfilment order
on (in one transaction with the task); an outcome that comes after the fulfilment order moved on
changes nothing but the task."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import bearer, issue_token, post, put
from tests.functional.test_fulfilment_events import DC, one_line, place, read, report, step, stock
from tests.functional.test_workflow_pinning import quality_check_for_app

pytestmark = pytest.mark.usefixtures("demo")
SKU = "TEE-BLACK-L"


def with_a_task() -> dict[str, Any]:
    """The quality check of app orders, done by the `qc` team: pass ships, fail goes back to picking."""
    section = quality_check_for_app(15)
    checked = next(d for d in section["definitions"] if d["id"] == "home-with-qc")
    into_check = next(t for t in checked["transitions"] if t["to"] == "quality_check")
    into_check["actions"] = [
        {"type": "open_task", "team": "qc", "sla": "PT2H", "outcomes": {"pass": "approve", "fail": "fail"}},
        {"type": "notify_channel", "message": "delayed_for_inspection"},
    ]
    failed = next(t for t in checked["transitions"] if t["on"] == "fail")
    failed["actions"] = [{"type": "emit_event", "event": "QualityCheckFailed"}]
    return section


def history(client: Any, order_id: str, admin: dict[str, str], event_type: str) -> list[dict[str, Any]]:
    return [h["detail"] for h in read(client, order_id, admin)["history"] if h["type"] == event_type]


def tasks_of(client: Any, team: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = client.http.get(f"/tasks?team={team}", headers=headers)
    assert answer.status_code == 200, answer.body
    items: list[dict[str, Any]] = json.loads(answer.body)["items"]
    return items


def complete(client: Any, task_id: str, outcome: str, headers: dict[str, str]) -> Any:
    return post(client, f"/tasks/{task_id}/events", {"type": "complete", "outcome": outcome}, headers)


def checking(client: Any, admin: dict[str, str], dc: dict[str, str]) -> tuple[dict[str, Any], str]:
    order = place(client, admin, {**one_line(SKU, 2), "channel": "app"})
    fo_id = order["fulfilmentOrders"][0]["fulfilmentOrderId"]
    for event in ("accept", "pick"):
        step(client, fo_id, dc, event)
    assert step(client, fo_id, dc, "ship")["status"] == "quality_check"
    return order, fo_id


def test_a_quality_check_opens_a_task_whose_outcome_ships_the_order(client, admin):
    assert put(client, "/config/workflows", with_a_task(), admin).status_code == 200
    dc = bearer(issue_token(f"dc:{DC}"))
    before = stock(client, SKU, admin)[DC]
    order, fo_id = checking(client, admin, dc)
    [task] = tasks_of(client, "qc", admin)
    assert (task["kind"], task["fulfilmentOrderId"], task["orderId"]) == ("workflow", fo_id, order["orderId"])
    assert task["outcomes"] == {"pass": "approve", "fail": "fail"} and task["due"]
    assert task["lines"] == [{"lineId": "1", "sku": SKU, "quantity": 2}]
    [notified] = history(client, order["orderId"], admin, "ChannelNotificationRequested")
    assert (notified["message"], notified["state"], notified["fulfilmentOrderId"]) == (
        "delayed_for_inspection",
        "quality_check",
        fo_id,
    )
    assert complete(client, task["taskId"], "maybe", admin).status_code == 422  # not one of its outcomes

    done = complete(client, task["taskId"], "pass", admin)
    assert done.status_code == 200, done.body
    assert (json.loads(done.body)["status"], json.loads(done.body)["outcome"]) == ("completed", "pass")
    after = read(client, order["orderId"], admin)
    assert (after["status"], after["fulfilmentOrders"][0]["status"]) == ("shipped", "shipped")
    assert stock(client, SKU, admin)[DC]["onHand"] == before["onHand"] - 2  # the goods left with the pass
    types = [h["type"] for h in after["history"]]
    assert types.count("TaskCreated") == 1 and types[-1] in ("FulfilmentOrderUpdated", "OrderStatusChanged")
    assert tasks_of(client, "qc", admin) == []  # nothing left to decide
    assert complete(client, task["taskId"], "fail", admin).status_code == 409  # decided once


def test_an_outcome_after_the_fulfilment_order_moved_on_changes_only_the_task(client, admin):
    assert put(client, "/config/workflows", with_a_task(), admin).status_code == 200
    dc = bearer(issue_token(f"dc:{DC}"))
    order, fo_id = checking(client, admin, dc)
    [task] = tasks_of(client, "qc", admin)
    # Someone moved it on directly (the workflow lets `fail` be sent by the DC too).
    assert step(client, fo_id, dc, "fail")["status"] == "picked"
    [emitted] = history(client, order["orderId"], admin, "WorkflowEventEmitted")
    assert (emitted["name"], emitted["state"], emitted["locationId"]) == ("QualityCheckFailed", "picked", DC)
    version = read(client, order["orderId"], admin)["version"]
    assert complete(client, task["taskId"], "pass", admin).status_code == 200
    after = read(client, order["orderId"], admin)
    assert (after["version"], after["fulfilmentOrders"][0]["status"]) == (version, "picked")
    assert report(client, fo_id, dc, "ship").status_code == 200  # checked again: a new task
    assert len(tasks_of(client, "qc", admin)) == 1
