"""Tasks: work a team of people decides about, opened by the OMS when its rules cannot.

Two kinds: `workflow`, opened by a workflow's `open_task` action on a fulfilment order (a quality
check, an approval), whose outcome sends the workflow's event for it to the fulfilment order; and
`sourcing-hold`: a sourcing rule with `onNoMatch: hold` held units no location could serve, and the
rule's team decides what becomes of them. A task is `open` until
someone completes it with an outcome; then it is `completed`, for good (completing twice is a
conflict). The outcome is carried out on the order in the same transaction (see
`chalicelib.service.tasks`):

- `resource`: source the held units again under the live rules; what still finds no location is
  backordered (never held again: no loop of tasks);
- `backorder`: backorder them;
- `cancel`: cancel them, with a refund when the order is paid.

Pure: no I/O; times are passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import Conflict, Invalid
from chalicelib.domain.orders.holds import SOURCING_HOLD, TaskLine, TaskRequest, WorkflowStep


class TaskStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"


# The outcomes each kind of task may be completed with.
OUTCOMES: dict[str, tuple[str, ...]] = {SOURCING_HOLD: ("resource", "backorder", "cancel")}


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
    status: TaskStatus = TaskStatus.OPEN
    outcome: str | None = None
    note: str | None = None
    completed_by: str | None = None
    completed_at: str | None = None
    step: WorkflowStep | None = None

    @property
    def identity(self) -> str:
        return self.task_id

    @property
    def outcomes(self) -> tuple[str, ...]:
        """What the task may be completed with."""
        return tuple(self.step.outcomes) if self.step else OUTCOMES.get(self.kind, ())

    @classmethod
    def opened(cls, order_id: str, request: TaskRequest) -> Task:
        """The task an order's change asked for (its TaskCreated event is the order's)."""
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
            version=1,  # new, and stored as version 1 with the order that opened it
        )

    @property
    def open(self) -> bool:
        return self.status is TaskStatus.OPEN

    def complete(self, outcome: str, *, actor: str, now: str, note: str | None = None) -> None:
        """Decided: `outcome` is one of the kind's OUTCOMES. Only an open task can be completed."""
        if not self.open:
            raise Conflict(
                f"task {self.task_id} is {self.status.value} already (outcome {self.outcome})",
                taskId=self.task_id,
                taskStatus=self.status.value,
                outcome=self.outcome,
            )
        allowed = self.outcomes
        if outcome not in allowed:
            raise Invalid(
                f"a {self.kind} task is completed with one of {', '.join(allowed)}, not {outcome!r}",
                errors=[{"loc": ["body", "outcome"], "msg": f"one of {', '.join(allowed)}"}],
            )
        self.status = TaskStatus.COMPLETED
        self.outcome, self.note = outcome, note
        self.completed_by, self.completed_at, self.updated_at = actor, now, now
        detail: dict[str, Any] = {"team": self.team, "kind": self.kind, "outcome": outcome}
        if note is not None:
            detail["note"] = note
        self._record("TaskCompleted", actor, now, **detail)


def task_lines(lines: Sequence[dict[str, Any]]) -> list[TaskLine]:
    return [TaskLine(ln["lineId"], ln["sku"], ln["quantity"]) for ln in lines]
