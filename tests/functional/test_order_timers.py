"""Timers on the order's own workflow: a review that nobody decides within its SLA ends the order
(cancelled, refunded) through the same timers every workflow has; a timer whose order moved on is
dropped unheard."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ManualClock, put
from tests.functional.test_fulfilment_events import read
from tests.functional.test_order_holds import event, review_above, units
from tests.functional.test_workflow_tasks import complete, tasks_of
from tests.functional.test_workflow_timers import fire

pytestmark = pytest.mark.usefixtures("demo")
DAYS_2 = 2 * 24 * 3600


def review_within_two_days() -> dict[str, Any]:
    """The review of orders above 100.00 as test_order_holds has it, refused when undecided in 2 days."""
    section = review_above(100)
    review = section["definitions"][-1]
    next(s for s in review["states"] if s["name"] == "awaiting_review")["sla"] = "P2D"
    review["transitions"].append({"from": ["awaiting_review"], "on": "sla_breached", "to": "refused"})
    return section


def test_a_review_nobody_decides_in_time_ends_the_order_and_refunds_it(client, admin, clock: ManualClock):
    assert put(client, "/config/workflows", review_within_two_days(), admin).status_code == 200
    held = place_held(client, admin)
    fire(clock, DAYS_2 - 60)  # still within its SLA
    assert read(client, held["orderId"], admin)["version"] == held["version"]

    fire(clock, 120)
    ended = read(client, held["orderId"], admin)
    assert (ended["workflowState"], ended["status"], ended["allowedEvents"]) == ("refused", "cancelled", [])
    assert [(r["amount"]["amount"], r["status"]) for r in ended["refunds"]] == [("150.00", "requested")]
    moved = [h for h in ended["history"] if h["type"] == "OrderWorkflowUpdated"][-1]
    assert (moved["actor"], moved["detail"]["event"]) == ("timer:sla:awaiting_review", "sla_breached")
    fire(clock, 60)  # fired once
    assert read(client, held["orderId"], admin)["version"] == ended["version"]


def test_a_review_decided_in_time_leaves_its_timer_unheard(client, admin, clock: ManualClock):
    assert put(client, "/config/workflows", review_within_two_days(), admin).status_code == 200
    held = place_held(client, admin)
    [task] = tasks_of(client, "fraud", admin)
    assert complete(client, task["taskId"], "approve", admin).status_code == 200
    released = read(client, held["orderId"], admin)
    assert (released["workflowState"], released["status"]) == ("released", "in_fulfilment")
    fire(clock, DAYS_2 + 60)
    later = read(client, held["orderId"], admin)
    assert (later["workflowState"], later["status"], later["refunds"]) == ("released", "in_fulfilment", [])
    assert event(client, held["orderId"], "refuse", admin).status_code == 409


def place_held(client: Any, admin: dict[str, str]) -> dict[str, Any]:
    from tests.functional.test_fulfilment_events import place

    held = place(client, admin, units(15))
    assert (held["workflowState"], held["status"]) == ("awaiting_review", "on_hold")
    return held
