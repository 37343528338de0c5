"""Units held for a team's decision: the tasks an order's change asks for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SOURCING_HOLD = "sourcing-hold"  # the kind of task a held line opens
WORKFLOW = "workflow"  # the kind a workflow's `open_task` opens, on an order or a fulfilment order
ORDER_HOLD = "order"  # what held lines wait for while the order's own workflow holds it (no task)


@dataclass(frozen=True, slots=True)
class TaskLine:
    line_id: str
    sku: str
    quantity: int

    def as_dict(self) -> dict[str, Any]:
        return {"lineId": self.line_id, "sku": self.sku, "quantity": self.quantity}


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """A task this change opens for a team, written in the same transaction as the order."""

    task_id: str
    team: str
    kind: str
    reason: str
    rule: str
    lines: tuple[TaskLine, ...]
    created_at: str
    step: WorkflowStep | None = None  # a workflow task's: where its outcome goes
    escalate_to: str | None = None  # the team it moves to when overdue

    def as_dict(self) -> dict[str, Any]:
        """What its TaskCreated event says of it."""
        said: dict[str, Any] = {
            "taskId": self.task_id,
            "team": self.team,
            "kind": self.kind,
            "lines": [ln.as_dict() for ln in self.lines],
            "reason": self.reason,
        }
        if self.step is not None:
            said["outcomes"] = dict(self.step.outcomes)
            if self.step.fulfilment_order_id is not None:
                said["fulfilmentOrderId"] = self.step.fulfilment_order_id
            if self.step.due is not None:
                said["due"] = self.step.due
        return said


@dataclass(frozen=True, slots=True)
class WorkflowStep:
    """What a workflow task's outcome does: sends `outcomes[outcome]` to the fulfilment order (none:
    to the order itself), if it is still at (`state`, `entry`) by then (else the outcome is recorded
    and goes nowhere)."""

    fulfilment_order_id: str | None
    outcomes: dict[str, str]
    state: str
    entry: int
    due: str | None = None  # when the team should have decided
