"""Task use cases: a team's list, one task, claiming and releasing one, completing one with its
outcome, and escalating the overdue.

A claim is a conditional write on the task's version: of two claims at once, one wins and the other
is a 409 naming the winner. Claiming is optional: an open task may be completed by anyone of the
team, a claimed one only by its claimer (the point of claiming is that two people do not decide the
same task two ways); an admin may release anyone's claim (a claimer away must not lock the task).

Completing a `workflow` task sends the event its outcome names to its fulfilment order (the
same use case as a location's event), in one transaction with the task. Completing a
`sourcing-hold` task carries its outcome out on the order in the same transaction
as the task's own change, both on their versions: the order is loaded, the outcome applied by the
domain (source again, backorder, cancel), and the order (with its reservations, when sourced
again) and the task written together. A second completion fails on the task's status: 409.

Every event runs under the task workflow the task was pinned to when it was opened (`workflows.
task_pin`): claim and unclaim keep their person rules and send the definition's `claim` and
`unclaim`; `complete` sends `complete`; any other event is the definition's own (waiting for the
customer, say); one it does not take now is a 409 naming `allowedEvents`.

Overdue tasks are found in a sparse index by due time (one Query per shard, as reservations' expiry)
by the one-minute `workflow-timers` schedule; each escalates once, in its own conditional write, so
a task completed meanwhile is left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.adapters.tasks_repo import TasksRepository, task_from_item, task_to_item, task_view
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Conflict, Invalid, VersionMismatch, expect_version
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.progress import FulfilmentReport
from chalicelib.domain.orders.refunding import REFUND_FAILED
from chalicelib.domain.tasks import CLAIM, UNCLAIM, Task, TaskStatus
from chalicelib.domain.workflows import Definition, Entity, Position, is_current
from chalicelib.domain.workflows.checks import COMPLETE
from chalicelib.observability import count, logger
from chalicelib.service import fulfilment, listing, orders, refunds, sourcing, workflows
from chalicelib.service.unit_of_work import attempts

if TYPE_CHECKING:
    from chalicelib.contracts import api
    from chalicelib.service.unit_of_work import Dependencies, UnitOfWork

ATTEMPTS = 3
TEAM_WORKERS = ("admin", "ops", "cs")
ESCALATION_ACTOR = "escalation"


def list_tasks(
    deps: Dependencies, principal: Principal, *, team: str | None, status: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A team's tasks in one status (default open; any state a task workflow has), oldest first:
    one Query."""
    principal.require(*TEAM_WORKERS)
    team = listing.required(team, "team")
    states = workflows.state_names(deps, Entity.TASK)
    status = listing.known_status(status or TaskStatus.OPEN.value, states, msg="a state of a task workflow")
    items, next_cursor = TasksRepository(deps.table).of_team(team, status, limit=limit, cursor=cursor)
    return listing.page(items, next_cursor, lambda item: answer(deps, task_from_item(item)))


def get_task(deps: Dependencies, task_id: str, principal: Principal) -> dict[str, Any]:
    principal.require(*TEAM_WORKERS)
    return answer(deps, deps.uow().tasks.get(task_id))


def answer(deps: Dependencies, task: Task) -> dict[str, Any]:
    """The task as the API shows it, with the events its workflow takes now."""
    return {**task_view(task_to_item(task)), "allowedEvents": task.allowed_events(_pinned(deps, task))}


def _pinned(deps: Dependencies, task: Task) -> Definition:
    return deps.workflow(task.workflow, task.workflow_version)


def handle_event(
    deps: Dependencies, task_id: str, cmd: api.TaskEventIn, principal: Principal, *, if_match: int | None
) -> dict[str, Any]:
    principal.require(*TEAM_WORKERS)
    if (cmd.type == "complete") != (cmd.outcome is not None):
        msg = "complete needs an outcome" if cmd.type == "complete" else f"{cmd.type} takes no outcome"
        raise Invalid(msg, errors=[{"loc": ["body", "outcome"], "msg": msg}])
    uow = deps.uow()
    task = uow.tasks.get(task_id)
    expect_version(f"task {task_id}", task.version, if_match)
    stamp = deps.now()
    definition = _pinned(deps, task)
    if cmd.type != COMPLETE:
        if cmd.type == CLAIM:
            task.claim(principal.person, now=stamp, definition=definition)
        elif cmd.type == UNCLAIM:
            task.unclaim(principal.person, now=stamp, override=principal.kind == "admin", definition=definition)
        else:
            task.send(cmd.type, principal.person, now=stamp, note=cmd.note, definition=definition)
        uow.commit()  # nothing to write when it was so already
        return answer(deps, task)
    assert cmd.outcome is not None
    # First: twice, or someone else's claim, is a 409.
    task.complete(
        cmd.outcome, actor=principal.actor, now=stamp, note=cmd.note, person=principal.person, definition=definition
    )
    # The task's condition fails only as a conflict (completed meanwhile); a version mismatch is the
    # order's, changed since it was read (a cancellation, say): read it again and carry the outcome
    # out on that.
    attempts(
        deps.uow,
        lambda uow: _carry_out(deps, uow, task, principal.actor, stamp),
        retry_on=(VersionMismatch,),
        tries=ATTEMPTS,
    )
    count("TasksCompleted", kind=task.kind, outcome=cmd.outcome)
    logger.info("task completed", extra={"taskId": task.task_id, "orderId": task.order_id, "outcome": cmd.outcome})
    return answer(deps, task)


def escalate_due(deps: Dependencies) -> int:
    """Every undecided task past its due time escalates (or is marked overdue), once each."""
    stamp = deps.now()
    overdue = 0
    for item in list(TasksRepository(deps.table).overdue(stamp)):
        task = task_from_item(item)  # from the index: the write's condition has the last word
        if not task.is_overdue(stamp):
            continue
        moved = task.escalate(actor=ESCALATION_ACTOR, now=stamp, definition=_pinned(deps, task))
        uow = deps.uow()
        uow.track(task)
        try:
            uow.commit()
        except (Conflict, VersionMismatch) as exc:
            # Completed, claimed or released since the index was read: the next run sees the truth.
            logger.info("task not escalated", extra={"taskId": task.task_id, "reason": str(exc)})
            continue
        overdue += 1
        count("TasksOverdue", escalated="yes" if moved else "no")
        logger.warning(
            "task overdue",
            extra={"taskId": task.task_id, "team": task.team, "from": task.escalated_from, "due": task.due},
        )
    return overdue


def _carry_out(deps: Dependencies, uow: UnitOfWork, task: Task, actor: str, stamp: str) -> None:
    """The outcome on the order, committed with the task in one transaction."""
    order = uow.orders.get(task.order_id)
    if task.step is not None:
        _send(deps, uow, order, task, actor)
        return
    if task.outcome == "resource":
        sourcing.resource_hold(deps, order, task.task_id, actor=actor, also=[task])
        return
    if task.kind == REFUND_FAILED:  # `rule` names the refund
        order.settle_failed_refund(task.rule, task.outcome or "", note=task.note, actor=actor, now=stamp)
    elif task.outcome == "backorder":
        order.backorder_hold(task.task_id, actor=actor, now=stamp)
    else:
        reason = f"held lines cancelled by task {task.task_id}" + (f": {task.note}" if task.note else "")
        refunds.tell_terms(deps, order)
        order.cancel_hold(task.task_id, reason=reason, actor=actor, now=stamp)
    # Units all cancelled meanwhile: nothing changes on the order, the task is completed alone.
    uow.track(task)
    uow.commit()


def _send(deps: Dependencies, uow: UnitOfWork, order: Order, task: Task, actor: str) -> None:
    """A workflow task's outcome: its event to the fulfilment order (or the order itself), if that is
    still where it was when the task was opened; else the task is completed alone (too late)."""
    step = task.step
    assert step is not None, "a workflow task has its step"
    subject = step.fulfilment_order_id or order.order_id
    at = order.fulfilment_order(step.fulfilment_order_id).position if step.fulfilment_order_id else None
    if not is_current(Position(step.state, step.entry), at or order.workflow_position):
        logger.info("task outcome too late", extra={"taskId": task.task_id, "subject": subject})
        uow.track(task)
        uow.commit()
        return
    event = step.outcomes[task.outcome or ""]
    if step.fulfilment_order_id is None:
        orders.run_event(deps, uow, order, event, actor=actor, reason=task.note, also=[task])
    else:
        report = FulfilmentReport(event, reason=task.note)
        fulfilment.run_event(deps, uow, order, subject, report, actor=actor, also=[task])
