"""Tasks follow a `task` workflow, as the other entities do: a business adds a state (waiting for the
customer) to one channel's tasks with configuration only; a task is pinned to the definition that
bound it when it was opened, events its workflow does not take are refused naming those it does,
and a task stored before tasks followed workflows is read as the built-in `task-standard`."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Table
from chalicelib.contracts.api import TaskOut
from tests.conftest import put
from tests.functional.test_task_claims_and_escalation import event, queue, task
from tests.functional.test_tasks_api import DESK, HOLDING, body, complete, held_order, task_of
from tests.functional.test_workflow_config import default_body

pytestmark = pytest.mark.usefixtures("demo")

DESK_WAITING: dict[str, Any] = {
    "id": "task-desk-waiting",
    "entity": "task",
    "states": [
        {"name": "open", "category": "open", "initial": True},
        {"name": "claimed", "category": "in_progress"},
        {"name": "waiting", "category": "in_progress"},
        {"name": "completed", "category": "done", "final": True},
    ],
    "transitions": [
        {"from": ["open"], "on": "claim", "to": "claimed"},
        {"from": ["claimed"], "on": "unclaim", "to": "open"},
        {"from": ["open", "claimed"], "on": "wait_for_customer", "to": "waiting"},
        {"from": ["waiting"], "on": "resume", "to": "open"},
        {"from": ["open", "claimed", "waiting"], "on": "complete", "to": "completed"},
    ],
}


def with_task_workflow(definition: dict[str, Any]) -> dict[str, Any]:
    """The default section, with `definition` governing the webshop's tasks."""
    section = default_body()
    section["definitions"].append(definition)
    binding = {"entity": "task", "match": {"channel": "webshop"}, "workflow": definition["id"]}
    section["bindings"].insert(0, binding)
    return section


@pytest.fixture
def holding(client: Any, admin: dict[str, str]) -> None:
    assert put(client, "/config/sourcing", HOLDING, admin).status_code == 200


def held_task(client: Any, admin: dict[str, str]) -> tuple[str, str]:
    """A sourcing-hold task for the desk: its order's id and its own."""
    order, _ = held_order(client, admin)
    return order["orderId"], task_of(order)


@pytest.mark.usefixtures("holding")
def test_a_channels_tasks_wait_for_the_customer_under_their_own_workflow(client, admin):
    _, before = held_task(client, admin)
    saved = put(client, "/config/workflows", with_task_workflow(DESK_WAITING), admin)
    assert saved.status_code == 200, saved.body
    order_id, after = held_task(client, admin)

    old, new = task(client, before, admin), task(client, after, admin)
    assert (old["workflow"], old["workflowVersion"]) == ("task-standard", 0)  # pinned when it was opened
    assert (new["workflow"], new["workflowVersion"]) == ("task-desk-waiting", 1)
    assert (new["status"], new["category"], new["entry"]) == ("open", "open", 0)
    assert new["allowedEvents"] == ["claim", "wait_for_customer", "complete"]

    refused = event(client, before, admin, "wait_for_customer")  # not in task-standard
    assert refused.status_code == 409, refused.body
    assert body(refused)["allowedEvents"] == ["claim", "complete"]

    waiting = event(client, after, admin, "wait_for_customer", note="asked for a colour")
    assert waiting.status_code == 200, waiting.body
    shown = TaskOut.model_validate(body(waiting))
    assert (shown.status, shown.category, shown.allowed_events) == ("waiting", "in_progress", ["resume", "complete"])
    assert after in queue(client, DESK, "waiting", admin) and after not in queue(client, DESK, "open", admin)
    assert event(client, after, admin, "claim").status_code == 409  # waiting: no claim in this workflow

    done = complete(client, after, "backorder", admin)
    assert done.status_code == 200, done.body
    assert (body(done)["status"], body(done)["outcome"], body(done)["allowedEvents"]) == ("completed", "backorder", [])
    lamp = body(client.http.get(f"/orders/{order_id}", headers=admin))["lines"][1]
    assert (lamp["status"], lamp["backorderedQuantity"], lamp["heldQuantity"]) == ("backordered", 1, 0)
    assert after in queue(client, DESK, "completed", admin)
    unknown = client.http.get(f"/tasks?team={DESK}&status=lost", headers=admin)
    assert unknown.status_code == 422, unknown.body


def test_a_task_workflow_without_a_way_to_complete_is_refused(client, admin):
    never = copy.deepcopy(DESK_WAITING)
    never["transitions"] = [t for t in never["transitions"] if t["on"] != "complete"]
    never["transitions"].append({"from": ["waiting"], "on": "complete", "to": "completed"})
    answer = put(client, "/config/workflows", with_task_workflow(never), admin)
    assert answer.status_code == 422, answer.body
    reason = body(answer)["errors"][0]["msg"]
    assert "a task's workflow needs a 'complete' transition from 'open' to a done state" in reason, reason


@pytest.mark.usefixtures("holding")
def test_a_task_stored_before_task_workflows_still_completes(client, admin):
    order_id, task_id = held_task(client, admin)
    table = Table()
    item = table.get(keys.TASKS.key(task_id), consistent=True)
    assert item is not None and item["workflow"] == "task-standard"
    for field in ("workflow", "workflowVersion", "category", "entry"):
        del item[field]
    table.put(item)

    shown = task(client, task_id, admin)
    assert (shown["workflow"], shown["workflowVersion"], shown["category"]) == ("task-standard", 0, "open")
    done = complete(client, task_id, "cancel", admin)
    assert done.status_code == 200, done.body
    assert (body(done)["status"], body(done)["category"]) == ("completed", "done")
    lamp = body(client.http.get(f"/orders/{order_id}", headers=admin))["lines"][1]
    assert lamp["status"] == "cancelled"
