"""Held lines and their tasks on their own: the order's holds, the task's transitions, their events."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.adapters import tasks_repo
from chalicelib.adapters.orders_repo import event_items
from chalicelib.adapters.outbox import event_detail
from chalicelib.contracts.config import SourcingConfig, SourcingRule
from chalicelib.contracts.events import parse_detail
from chalicelib.domain.errors import Conflict, Invalid
from chalicelib.domain.network import Capability, Geo, Location, LocationType
from chalicelib.domain.orders.holds import TaskLine
from chalicelib.domain.orders.lines import LineCancellation, LineStatus
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.state import OrderStatus
from chalicelib.domain.sourcing.engine import source
from chalicelib.domain.sourcing.plan import Demand, Plan, Snapshot
from chalicelib.domain.tasks import Task, TaskStatus
from chalicelib.domain.workflows import TASK_STANDARD, Category, Definition, Entity, State, Transition
from chalicelib.service.config import sourcing_policy
from tests.sourcing_reference import HOME
from tests.unit.test_event_contracts import contract_types
from tests.unit.test_orders_domain import placed

DC = Location("dc", "DC", LocationType.DC, Geo(51.6, 5.1), frozenset({Capability.SHIP}))
DESK = sourcing_policy(
    SourcingConfig(rules=[SourcingRule(name="dc or desk", location_types=["dc"], on_no_match="hold", hold_team="desk")])
)
T0, T1 = "2026-11-25T10:00:00.000Z", "2026-11-25T12:00:00.000Z"


def demands(order: Order) -> list[Demand]:
    return [Demand(ln.line_id, ln.sku, ln.held_quantity or ln.quantity, ln.delivery.method, HOME) for ln in order.lines]


def sourced(stock: dict[str, dict[str, int]], *, paid: bool = False) -> Order:
    """TEE x2 and CAP x1 for home delivery, sourced under DESK with `stock` at the DC."""
    order = placed(paid=paid)
    plan = source(demands(order), Snapshot({"dc": DC}, stock), DESK, channel="webshop")
    ids = iter(["task_1", "task_2"])
    order.apply_plan(plan, new_fulfilment_order_id=lambda: "fo_1", new_task_id=lambda: next(ids), actor="c", now=T0)
    return order


def stored(order: Order) -> Order:
    """As loaded again: its changes written."""
    order.stored_version = order.version
    order.new_events.clear()
    order.stock_changes.clear()
    order.new_tasks.clear()
    order.new_work_at.clear()
    for fo in order.fulfilment_orders:
        fo.changed = False
    return order


def test_held_units_open_one_task_and_the_line_stays_open():
    order = sourced({"TEE": {"dc": 5}})
    tee, cap = order.lines
    assert (tee.status, cap.status, cap.held_quantity, cap.hold_task_id) == (
        LineStatus.ALLOCATED,
        LineStatus.OPEN,
        1,
        "task_1",
    )
    assert order.status is OrderStatus.IN_FULFILMENT
    [task] = order.new_tasks
    assert (task.team, task.kind, task.rule, task.lines) == (
        "desk",
        "sourcing-hold",
        "dc or desk",
        (TaskLine("2", "CAP", 1),),
    )
    assert contract_types(event_items(order)) == [
        "OrderCreated",
        "OrderSourced",
        "TaskCreated",
        "FulfilmentOrderDispatched",
    ]
    nothing = sourced({})
    assert nothing.status is OrderStatus.OPEN and {ln.status for ln in nothing.lines} == {LineStatus.OPEN}
    assert len(nothing.new_tasks) == 1 and len(nothing.new_tasks[0].lines) == 2  # one task per team


def test_a_plan_with_holds_needs_task_ids():
    order = placed()
    plan = source(demands(order), Snapshot({"dc": DC}, {}), DESK, channel="webshop")
    with pytest.raises(ValueError, match="new_task_id"):
        order.apply_plan(plan, new_fulfilment_order_id=lambda: "fo", actor="c", now=T0)


def test_cancelling_takes_held_units_first_and_releases_nothing():
    order = stored(sourced({"CAP": {"dc": 5}}))  # TEE x2 held
    order.cancel_lines([LineCancellation("1", 1)], reason="r", actor="cs", now=T1)
    tee = order.lines[0]
    assert (tee.held_quantity, tee.hold_task_id, tee.status, order.stock_changes) == (1, "task_1", LineStatus.OPEN, [])
    order.cancel_lines([LineCancellation("1", 1)], reason="r", actor="cs", now=T1)
    assert (tee.held_quantity, tee.hold_task_id, tee.status) == (0, None, LineStatus.CANCELLED)
    assert order.held_for("task_1") == []


def test_backorder_hold_backorders_what_is_still_held():
    order = stored(sourced({"TEE": {"dc": 5}}))
    order.backorder_hold("task_1", actor="ops", now=T1)
    cap = order.lines[1]
    assert (cap.status, cap.backordered_quantity, cap.held_quantity) == (LineStatus.BACKORDERED, 1, 0)
    assert order.lines[0].status is LineStatus.ALLOCATED
    assert [e.type for e in order.new_events] == ["OrderSourced"]  # no dispatch again, no status change
    assert order.new_events[0].detail["fulfilmentOrders"] == []


def test_resource_hold_serves_exactly_the_held_units_or_backorders_them_and_never_holds_again():
    order = stored(sourced({"TEE": {"dc": 5}}))
    held = [Demand("2", "CAP", 1, order.lines[1].delivery.method, HOME)]
    again = source(held, Snapshot({"dc": DC}, {"CAP": {"dc": 1}}), DESK, channel="webshop", hold=False)
    order.resource_hold("task_1", again, new_fulfilment_order_id=lambda: "fo_2", actor="ops", now=T1)
    cap = order.lines[1]
    assert (cap.status, cap.held_quantity, [a.fulfilment_order_id for a in cap.allocations]) == (
        LineStatus.ALLOCATED,
        0,
        ["fo_2"],
    )
    assert order.stock_changes[-1].kind == "reserve" and order.new_tasks == []
    assert [e.type for e in order.new_events] == ["OrderSourced", "FulfilmentOrderDispatched"]

    still = stored(sourced({"TEE": {"dc": 5}}))
    nothing = source(held, Snapshot({"dc": DC}, {}), DESK, channel="webshop", hold=False)
    assert nothing.holds == ()
    still.resource_hold("task_1", nothing, new_fulfilment_order_id=lambda: "fo_x", actor="ops", now=T1)
    assert (still.lines[1].status, still.lines[1].backordered_quantity) == (LineStatus.BACKORDERED, 1)
    with pytest.raises(ValueError, match="exactly the held units"):
        stored(sourced({"TEE": {"dc": 5}})).resource_hold(
            "task_1", Plan((), ()), new_fulfilment_order_id=lambda: "fo", actor="ops", now=T1
        )


def test_cancel_hold_refunds_when_paid():
    order = stored(sourced({"TEE": {"dc": 5}}, paid=True))
    order.cancel_hold("task_1", reason="gone", actor="ops", now=T1)
    assert order.lines[1].status is LineStatus.CANCELLED
    assert [(r.refund_id, str(r.amount.amount)) for r in order.refunds] == [("ref_1_1", "20.00")]


def test_a_task_is_completed_once_with_an_outcome_of_its_kind():
    request = sourced({}).new_tasks[0]
    task = Task.opened("ord_1", request)
    task.stored_version = task.version  # as stored
    with pytest.raises(Invalid, match="resource, backorder, cancel"):
        task.complete("ignore", actor="ops", now=T1)
    assert task.pending and task.new_events == []
    task.complete("backorder", actor="ops", now=T1, note="next season")
    assert (task.status, task.outcome, task.completed_by, task.version) == (TaskStatus.COMPLETED, "backorder", "ops", 2)
    with pytest.raises(Conflict, match="completed already"):
        task.complete("cancel", actor="ops", now=T1)
    [item] = tasks_repo.event_items(task)
    detail = parse_detail("TaskCompleted", event_detail(item))
    assert detail.model_dump() | {"note": "next season"} == detail.model_dump()
    roundtrip = tasks_repo.task_from_item(tasks_repo.task_to_item(task))
    assert (roundtrip.status, roundtrip.lines, roundtrip.stored_version) == (TaskStatus.COMPLETED, task.lines, 2)


def test_an_overdue_task_escalates_once_and_its_event_fits_the_contract():
    request = replace(sourced({}).new_tasks[0], escalate_to="leads")
    task = Task.opened("ord_1", request)
    task.stored_version = task.version
    task.claim("cs/tok_a", now=T1)
    assert task.due == "2026-11-26T10:00:00.000Z"  # HOLD_SLA after T0
    assert not task.is_overdue(T1) and task.is_overdue(task.due)
    assert task.escalate(actor="escalation", now=task.due) is True
    assert (task.team, task.escalated_from, task.status, task.claimed_by) == ("leads", "desk", TaskStatus.OPEN, None)
    assert not task.is_overdue("2026-12-31T00:00:00.000Z")
    with pytest.raises(Conflict, match="not overdue"):
        task.escalate(actor="escalation", now="2026-12-31T00:00:00.000Z")
    [item] = tasks_repo.event_items(task)
    parse_detail("TaskEscalated", event_detail(item))
    stored = tasks_repo.task_to_item(task)
    assert "GSI3PK" not in stored  # out of the due index: never read for escalation again
    assert tasks_repo.task_from_item(stored).escalated_from == "desk"


def test_under_its_own_workflow_a_task_waits_and_escalates_unclaimed_where_it_is():
    waiting = Definition(
        "task-waiting",
        Entity.TASK,
        (*TASK_STANDARD.states, State("waiting", Category.IN_PROGRESS)),
        (
            *TASK_STANDARD.transitions,
            Transition(("claimed",), "wait", "waiting"),
            Transition(("waiting",), "complete", "completed"),
        ),
    )
    task = Task.opened("ord_1", replace(sourced({}).new_tasks[0], escalate_to="leads"), waiting, 3)
    assert (task.workflow, task.workflow_version, task.status) == ("task-waiting", 3, "open")
    with pytest.raises(Conflict, match="open: wait is not allowed") as refused:
        task.send("wait", "cs/tok_a", now=T1, definition=waiting)
    assert refused.value.extra["allowedEvents"] == ["claim", "complete"]
    with pytest.raises(AssertionError, match="follows task-waiting, not task-standard"):
        task.claim("cs/tok_a", now=T1)  # the built-in is not its workflow: a bug caught, not followed
    task.claim("cs/tok_a", now=T1, definition=waiting)
    task.send("wait", "cs/tok_a", now=T1, definition=waiting)
    assert (task.status, task.category, task.entry, task.pending) == ("waiting", Category.IN_PROGRESS, 2, True)
    assert task.escalate(actor="escalation", now=task.due or "", definition=waiting) is True
    assert (task.status, task.claimed_by, task.team) == ("waiting", None, "leads")  # no unclaim from waiting
    task.complete("backorder", actor="ops", now=T1, definition=waiting)
    assert (task.status, task.category, task.pending) == ("completed", Category.DONE, False)
