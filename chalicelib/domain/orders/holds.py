"""Units held for a team's decision: the tasks an order's change asks for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SOURCING_HOLD = "sourcing-hold"  # the kind of task a held line opens


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
