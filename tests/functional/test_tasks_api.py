"""Held for a team: a sourcing rule that holds what nothing fits, the team's task list, and the
outcomes of completing a task (source again, backorder, cancel), carried out on the order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters.dynamo import Table
from chalicelib.contracts.api import TaskOut, TaskPage
from chalicelib.service.network import refresh_summaries
from tests.conftest import bearer, issue_token, order_body, post, unique

pytestmark = pytest.mark.usefixtures("demo")

DESK = "sourcing-desk"
HOLDING = {
    "rules": [
        {
            "name": "Home delivery from the DC, else the sourcing desk decides",
            "when": {"methods": ["home_delivery"]},
            "locationTypes": ["dc"],
            "onNoMatch": "hold",
            "holdTeam": DESK,
        },
        {"name": "Collect from the DC", "when": {"methods": ["click_and_collect"]}, "locationTypes": ["dc"]},
    ]
}


def body(answer: Any) -> Any:
    return json.loads(answer.body)


def held_order(client: Any, admin: dict[str, str]) -> tuple[dict[str, Any], str]:
    """An order whose line 2 is a SKU nobody stocks: held for the desk. Returns it and that SKU."""
    sku = unique("LAMP")
    lines = order_body()["lines"]
    lines[1] = {**lines[1], "sku": sku}
    created = post(client, "/orders", order_body(lines=lines), admin)
    assert created.status_code == 201, created.body
    return body(created), sku


def task_of(order: dict[str, Any]) -> str:
    task_id: str = order["lines"][1]["holdTaskId"]
    return task_id


def complete(client: Any, task_id: str, outcome: str, headers: dict[str, str], **extra: Any) -> Any:
    return post(client, f"/tasks/{task_id}/events", {"type": "complete", "outcome": outcome, **extra}, headers)


@pytest.fixture
def holding(client: Any, admin: dict[str, str]) -> None:
    saved = client.http.put("/config/sourcing", body=json.dumps(HOLDING), headers=admin)
    assert saved.status_code == 200, saved.body


@pytest.mark.usefixtures("holding")
def test_a_held_line_opens_a_task_and_resource_allocates_it_once_stocked(client, admin):
    order, sku = held_order(client, admin)
    tee, lamp = order["lines"]
    assert (tee["status"], lamp["status"]) == ("allocated", "open")
    assert (lamp["heldQuantity"], lamp["backorderedQuantity"]) == (1, 0)
    assert order["status"] == "in_fulfilment"  # the tee is under way; the lamp waits for the desk
    assert [fo["locationId"] for fo in order["fulfilmentOrders"]] == ["dc-tilburg"]
    created = next(h for h in order["history"] if h["type"] == "TaskCreated")
    task_id = task_of(order)
    assert created["detail"] == {
        "taskId": task_id,
        "team": DESK,
        "kind": "sourcing-hold",
        "lines": [{"lineId": "2", "sku": sku, "quantity": 1}],
        "reason": f"no location can serve it under the sourcing rules: held for {DESK}",
    }

    page = body(client.http.get(f"/tasks?team={DESK}", headers=admin))
    TaskPage.model_validate(page)
    [task] = [t for t in page["items"] if t["taskId"] == task_id]
    assert (task["status"], task["orderId"], task["version"]) == ("open", order["orderId"], 1)
    assert task["lines"] == [{"lineId": "2", "sku": sku, "quantity": 1}]
    assert body(client.http.get(f"/tasks/{task_id}", headers=admin)) == task
    assert client.http.get("/tasks/task_nope", headers=admin).status_code == 404

    # The DC receives the lamp; the desk sources the held unit again.
    counted = client.http.put(f"/inventory/dc-tilburg/{sku}", body=json.dumps({"onHand": 3}), headers=admin)
    assert counted.status_code in (200, 201), counted.body
    refresh_summaries(Table(), {(sku, "dc-tilburg")})
    assert complete(client, task_id, "resource", {**admin, "If-Match": "7"}).status_code == 412
    done = complete(client, task_id, "resource", {**admin, "If-Match": "1"}, note="arrived")
    assert done.status_code == 200, done.body
    finished = TaskOut.model_validate(body(done))
    assert (finished.status, finished.outcome, finished.note, finished.version) == (
        "completed",
        "resource",
        "arrived",
        2,
    )

    after = body(client.http.get(f"/orders/{order['orderId']}", headers=admin))
    lamp = after["lines"][1]
    assert (lamp["status"], lamp["heldQuantity"], lamp.get("holdTaskId")) == ("allocated", 0, None)
    assert [a["locationId"] for a in lamp["allocations"]] == ["dc-tilburg"]
    assert after["status"] == "in_fulfilment" and after["version"] == order["version"] + 1
    new_fo = [fo for fo in after["fulfilmentOrders"] if fo["lines"][0]["lineId"] == "2"]
    assert [(fo["locationId"], fo["lines"]) for fo in new_fo] == [
        ("dc-tilburg", [{"lineId": "2", "sku": sku, "quantity": 1}])
    ]
    dispatched = [
        h["detail"]["fulfilmentOrderId"] for h in after["history"] if h["type"] == "FulfilmentOrderDispatched"
    ]
    assert len(dispatched) == 2  # the new fulfilment order only; the first one is not dispatched again
    stock = {r["locationId"]: r for r in body(client.http.get(f"/inventory/{sku}", headers=admin))["items"]}
    assert stock["dc-tilburg"]["reserved"] == 1

    twice = complete(client, task_id, "backorder", admin)
    assert twice.status_code == 409, twice.body
    assert body(twice)["taskStatus"] == "completed"
    assert task_id not in [t["taskId"] for t in body(client.http.get(f"/tasks?team={DESK}", headers=admin))["items"]]
    completed = body(client.http.get(f"/tasks?team={DESK}&status=completed", headers=admin))["items"]
    assert task_id in [t["taskId"] for t in completed]


@pytest.mark.usefixtures("holding")
def test_cancel_cancels_the_held_units_with_a_refund(client, admin):
    order, _ = held_order(client, admin)
    done = complete(client, task_of(order), "cancel", admin, note="supplier discontinued it")
    assert done.status_code == 200, done.body
    after = body(client.http.get(f"/orders/{order['orderId']}", headers=admin))
    lamp = after["lines"][1]
    assert (lamp["status"], lamp["cancelledQuantity"], lamp["heldQuantity"]) == ("cancelled", 1, 0)
    assert after["lines"][0]["status"] == "allocated" and after["status"] == "in_fulfilment"
    [refund] = after["refunds"]
    assert refund["amount"] == {"amount": "20.00", "currency": "EUR"} and refund["status"] == "requested"
    assert [h["type"] for h in after["history"]][-2:] == ["OrderLinesCancelled", "RefundRequested"]


@pytest.mark.usefixtures("holding")
def test_backorder_and_a_resource_that_still_finds_nothing_both_backorder(client, admin):
    for outcome in ("backorder", "resource"):
        order, _ = held_order(client, admin)
        done = complete(client, task_of(order), outcome, admin)
        assert done.status_code == 200, done.body
        after = body(client.http.get(f"/orders/{order['orderId']}", headers=admin))
        lamp = after["lines"][1]
        assert (lamp["status"], lamp["backorderedQuantity"], lamp["heldQuantity"]) == ("backordered", 1, 0), outcome
        assert len(after["fulfilmentOrders"]) == 1
        # Never held twice: no new task for the order.
        assert [h["type"] for h in after["history"]].count("TaskCreated") == 1


@pytest.mark.usefixtures("holding")
def test_held_units_cancelled_first_and_an_all_held_order_is_open(client, admin):
    sku = unique("LAMP")
    line = {"lineId": "1", "sku": sku, "quantity": 2, "unitPrice": {"amount": "10.00", "currency": "EUR"}}
    order = body(post(client, "/orders", order_body(lines=[line]), admin))
    assert (order["status"], order["lines"][0]["status"], order["lines"][0]["heldQuantity"]) == ("open", "open", 2)
    cancel = {"lines": [{"lineId": "1", "quantity": 1}], "reason": "one is enough"}
    after = body(post(client, f"/orders/{order['orderId']}/cancellations", cancel, admin))
    assert (after["lines"][0]["heldQuantity"], after["lines"][0]["status"], after["status"]) == (1, "open", "open")
    done = complete(client, order["lines"][0]["holdTaskId"], "backorder", admin)
    assert done.status_code == 200, done.body
    final = body(client.http.get(f"/orders/{order['orderId']}", headers=admin))
    assert (final["lines"][0]["backorderedQuantity"], final["status"]) == (1, "backordered")


def test_tasks_are_for_back_office_roles_and_need_a_team(client, admin):
    store = bearer(issue_token("store:store-ams-kalverstraat"))
    assert client.http.get(f"/tasks?team={DESK}", headers=store).status_code == 403
    assert complete(client, "task_x", "cancel", store).status_code == 403
    assert client.http.get("/tasks", headers=admin).status_code == 422
    assert client.http.get(f"/tasks?team={DESK}&status=done", headers=admin).status_code == 422
    cs = bearer(issue_token("cs"))
    assert body(client.http.get(f"/tasks?team={DESK}", headers=cs)) == {"items": [], "nextCursor": None}
    assert complete(client, "task_x", "may be!", admin).status_code == 422  # not an outcome's name
    assert complete(client, "task_x", "maybe", admin).status_code == 404  # its outcomes are the task's


def test_a_hold_rule_without_a_team_is_refused(client, admin):
    bad = {"rules": [{"name": "r", "locationTypes": ["dc"], "onNoMatch": "hold"}]}
    answer = client.http.put("/config/sourcing", body=json.dumps(bad), headers=admin)
    assert answer.status_code == 422
    assert "holdTeam" in answer.body.decode()


@pytest.mark.usefixtures("holding")
def test_an_order_changed_while_a_task_completes_is_read_again(client, admin, monkeypatch):
    from chalicelib.adapters.orders_repo import OrdersRepository

    order, _ = held_order(client, admin)
    real_get = OrdersRepository.get
    raced: list[int] = []

    def load_then_race(self: OrdersRepository, order_id: str) -> Any:
        loaded = real_get(self, order_id)
        if not raced:  # someone cancels a tee between our read and our write
            raced.append(0)
            cancel = {"lines": [{"lineId": "1", "quantity": 1}], "reason": "race"}
            raced[0] = post(client, f"/orders/{order_id}/cancellations", cancel, admin).status_code
        return loaded

    monkeypatch.setattr(OrdersRepository, "get", load_then_race)
    done = complete(client, task_of(order), "backorder", admin)
    assert done.status_code == 200, done.body
    assert raced == [200]
    after = body(client.http.get(f"/orders/{order['orderId']}", headers=admin))
    assert after["lines"][0]["cancelledQuantity"] == 1  # the racing change is kept
    assert (after["lines"][1]["status"], after["lines"][1]["backorderedQuantity"]) == ("backordered", 1)
