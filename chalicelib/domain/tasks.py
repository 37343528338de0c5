"""Tasks: work a team of people decides about, opened by the OMS when its rules cannot.

Two kinds: `workflow`, opened by a workflow's `open_task` action on a fulfilment order (a quality
check, an approval), whose outcome sends the workflow's event for it to the fulfilment order; and
`sourcing-hold`: a sourcing rule with `onNoMatch: hold` held units no location could serve, and the
rule's team decides what becomes of them.

A task follows the `task` workflow it was pinned to when it was opened (built in: `task-standard`):
`open` until someone of the team claims it (`claimed`: theirs to decide, until they release it) or
completes it with an outcome; then it is `completed`, for good (completing twice is a conflict). A
business's own definition may add states between (waiting for the customer, say) moved by its own
events. Who may send an event is the task's rule, whatever the definition: someone else's claim
stops everyone but an admin releasing it. Categories decide, never state names: a task is pending
until its category is done, rejected or cancelled, and `complete` always ends in done (the check
says so). The outcome is carried out on the order in the same transaction (see
`chalicelib.service.tasks`):

- `resource`: source the held units again under the live rules; what still finds no location is
  backordered (never held again: no loop of tasks);
- `backorder`: backorder them;
- `cancel`: cancel them, with a refund when the order is paid.

A task still undecided at its `due` time (a workflow task's `sla`; a sourcing hold's HOLD_SLA) is
overdue, once: it moves to its `escalate_to` team's queue, unclaimed (released by `unclaim` where its
workflow allows it: open again), `TaskEscalated`; or, with nowhere to go, stays where it is, marked
`overdue_at`.

Pure: no I/O; times are passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import Conflict, Invalid
from chalicelib.domain.orders.holds import SOURCING_HOLD, TaskLine, TaskRequest, WorkflowStep
from chalicelib.domain.orders.refunding import REFUND_FAILED
from chalicelib.domain.timestamps import iso
from chalicelib.domain.workflows import Category, Definition, Position, Refused, allowed_events, start, step
from chalicelib.domain.workflows.checks import COMPLETE
from chalicelib.domain.workflows.defaults import TASK_STANDARD
from chalicelib.domain.workflows.definition import TERMINAL


class TaskStatus(StrEnum):
    """The built-in task workflow's states (a business's own may have others)."""

    OPEN = "open"
    CLAIMED = "claimed"
    COMPLETED = "completed"


CLAIM, UNCLAIM = "claim", "unclaim"  # the events claiming and releasing send to the workflow


# Held units wait for the desk with their order's customer waiting too: a day, then it is overdue.
HOLD_SLA = timedelta(hours=24)


# The outcomes each kind of task may be completed with.
OUTCOMES: dict[str, tuple[str, ...]] = {
    SOURCING_HOLD: ("resource", "backorder", "cancel"),
    REFUND_FAILED: ("paid_by_hand", "store_credit"),
}


@dataclass(slots=True)
class Task(Aggregate):
    task_id: str
    team: str
    kind: str
    order_id: str
    lines: list[TaskLine]
    reason: str
    rule: str
    created_at: str
    updated_at: str
    status: str = TaskStatus.OPEN.value  # its state in its workflow
    outcome: str | None = None
    note: str | None = None
    completed_by: str | None = None
    completed_at: str | None = None
    step: WorkflowStep | None = None
    due: str | None = None  # undecided by then: overdue
    escalate_to: str | None = None  # the team an overdue task moves to
    claimed_by: str | None = None
    claimed_at: str | None = None
    overdue_at: str | None = None  # set once: a task is escalated (or only marked) one time
    escalated_from: str | None = None
    workflow: str = TASK_STANDARD.id
    workflow_version: int = 0
    category: Category = Category.OPEN
    entry: int = 0

    @property
    def identity(self) -> str:
        return self.task_id

    @property
    def outcomes(self) -> tuple[str, ...]:
        """What the task may be completed with."""
        return tuple(self.step.outcomes) if self.step else OUTCOMES.get(self.kind, ())

    @classmethod
    def opened(
        cls, order_id: str, request: TaskRequest, definition: Definition = TASK_STANDARD, version: int = 0
    ) -> Task:
        """The task an order's change asked for (its TaskCreated event is the order's), in the initial
        state of the task workflow `definition` of `version` that bound it."""
        begun = start(definition, datetime.fromisoformat(request.created_at))
        return cls(
            task_id=request.task_id,
            team=request.team,
            kind=request.kind,
            order_id=order_id,
            lines=list(request.lines),
            reason=request.reason,
            rule=request.rule,
            created_at=request.created_at,
            updated_at=request.created_at,
            step=request.step,
            due=request.step.due if request.step else iso(datetime.fromisoformat(request.created_at) + HOLD_SLA),
            escalate_to=request.escalate_to,
            version=1,  # new, and stored as version 1 with the order that opened it
            status=begun.state,
            category=begun.category,
            workflow=definition.id,
            workflow_version=version,
        )

    @property
    def pending(self) -> bool:
        """Still to be decided: its state's category is not an end (done, rejected, cancelled)."""
        return self.category not in TERMINAL

    @property
    def position(self) -> Position:
        return Position(self.status, self.entry)

    def context(self, **event: Any) -> dict[str, Any]:
        """What the workflow's guards may read."""
        facts = {"team": self.team, "kind": self.kind, "claimedBy": self.claimed_by}
        return {"task": facts, "event": {k: v for k, v in event.items() if v is not None}}

    def allowed_events(self, definition: Definition) -> list[str]:
        """The events its workflow takes now (who may send them is the task's rule)."""
        return allowed_events(self._pinned(definition), self.status, self.context())

    def claim(self, person: str, *, now: str, definition: Definition = TASK_STANDARD) -> None:
        """`person` takes it: theirs to decide until they release it. Claiming one's own is nothing."""
        self._refuse(person)
        if self.claimed_by == person:
            return
        self._move(definition, CLAIM, now)
        self.claimed_by, self.claimed_at = person, now

    def unclaim(self, person: str, *, now: str, override: bool = False, definition: Definition = TASK_STANDARD) -> None:
        """Back to the team's open queue: by its claimer, or by someone allowed to `override` (an
        admin, when the claimer is away). Releasing an unclaimed task is nothing."""
        self._refuse(self.claimed_by if override else person)
        if self.claimed_by is None:
            return
        self._move(definition, UNCLAIM, now)
        self.claimed_by, self.claimed_at = None, None

    def send(self, event: str, person: str, *, now: str, definition: Definition, note: str | None = None) -> None:
        """One of the workflow's own events (waiting for the customer, say), by `person`: anyone of
        the team while it is unclaimed, its claimer once claimed."""
        self._refuse(person)
        self._move(definition, event, now, note=note)

    def complete(
        self,
        outcome: str,
        *,
        actor: str,
        now: str,
        note: str | None = None,
        person: str | None = None,
        definition: Definition = TASK_STANDARD,
    ) -> None:
        """Decided: `outcome` is one of the kind's OUTCOMES. An open task may be completed by anyone of
        the team; a claimed one only by its claimer (`person`), who may be deciding otherwise."""
        self._refuse(person)
        allowed = self.outcomes
        if outcome not in allowed:
            raise Invalid(
                f"a {self.kind} task is completed with one of {', '.join(allowed)}, not {outcome!r}",
                errors=[{"loc": ["body", "outcome"], "msg": f"one of {', '.join(allowed)}"}],
            )
        self._move(definition, COMPLETE, now, outcome=outcome, note=note)
        self.outcome, self.note = outcome, note
        self.completed_by, self.completed_at, self.updated_at = actor, now, now
        detail: dict[str, Any] = {"team": self.team, "kind": self.kind, "outcome": outcome}
        if note is not None:
            detail["note"] = note
        self._record("TaskCompleted", actor, now, **detail)

    def is_overdue(self, now: str) -> bool:
        """Undecided past its due time and not yet escalated (timestamps sort as text)."""
        return self.pending and self.overdue_at is None and self.due is not None and self.due <= now

    def escalate(self, *, actor: str, now: str, definition: Definition = TASK_STANDARD) -> bool:
        """Overdue: to the `escalate_to` team's queue, unclaimed (True), else only marked overdue where
        it is (False). Once: an escalated task is never escalated again."""
        if not self.is_overdue(now):
            raise Conflict(f"task {self.task_id} is not overdue", taskId=self.task_id, due=self.due)
        self.overdue_at, self.updated_at = now, now
        if self.escalate_to is None or self.escalate_to == self.team:
            self._touch()
            return False
        if self.claimed_by is not None and UNCLAIM in self.allowed_events(definition):
            self._move(definition, UNCLAIM, now)  # claimed: open again, for the new team
        self.escalated_from, self.team = self.team, self.escalate_to
        self.claimed_by, self.claimed_at = None, None
        self._record(
            "TaskEscalated", actor, now, team=self.team, fromTeam=self.escalated_from, kind=self.kind, due=self.due
        )
        return True

    def refusal(self, person: str | None) -> Conflict | None:
        """What stops `person` deciding this task now: decided already, or claimed by someone else."""
        if not self.pending:
            return Conflict(
                f"task {self.task_id} is {self.status} already (outcome {self.outcome})",
                taskId=self.task_id,
                taskStatus=self.status,
                outcome=self.outcome,
            )
        if self.claimed_by not in (None, person):
            return Conflict(
                f"task {self.task_id} is claimed by {self.claimed_by} (since {self.claimed_at})",
                taskId=self.task_id,
                claimedBy=self.claimed_by,
                claimedAt=self.claimed_at,
            )
        return None

    def _refuse(self, person: str | None) -> None:
        if (refused := self.refusal(person)) is not None:
            raise refused

    def _pinned(self, definition: Definition) -> Definition:
        assert definition.id == self.workflow, f"task {self.task_id} follows {self.workflow}, not {definition.id}"
        return definition

    def _move(self, definition: Definition, event: str, now: str, **event_facts: Any) -> None:
        """`event` under the pinned workflow; a 409 naming the events allowed now when it may not."""
        context = self.context(**event_facts)
        result = step(self._pinned(definition), self.position, event, context, datetime.fromisoformat(now))
        if isinstance(result, Refused):
            needs = f" without {', '.join(result.missing)}" if result.missing else ""
            raise Conflict(
                f"task {self.task_id} is {self.status}: {event} is not allowed{needs}",
                taskId=self.task_id,
                taskStatus=self.status,
                allowedEvents=list(result.allowed),
            )
        self.status, self.entry, self.category = result.state, result.position.entry, result.category
        self.updated_at = now
        self._touch()


def task_lines(lines: Sequence[dict[str, Any]]) -> list[TaskLine]:
    return [TaskLine(ln["lineId"], ln["sku"], ln["quantity"]) for ln in lines]
