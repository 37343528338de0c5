"""The order's own workflow: what becomes of an order before its goods are handed to locations.

None is bound by default: an order then goes straight to sourcing. A business binds an `order`
workflow by channel or delivery method; a new order starts in its initial state and is sent
`placed` at once, so guards over the order (its total, channel, payment status) choose its way.

The category of the order's state is what the rest follows:
- `open`: held. Nothing is sourced, reserved or handed to a location; every unit waits on its line
  under the hold `ORDER_HOLD` (cancelling takes held units first, as for a team's hold).
- `cancelled` or `rejected`: what is still held is cancelled, refunded when paid.
- any other: released. What was held is sourced under the rules live then (the caller's part, as
  sourcing needs stock and the network) and from then on fulfilled as any order.

A transition may open a task for a team (a fraud review, a manager's approval): its outcome is sent
to the order as the event it maps to. Holding happens before dispatch only: an order whose state
comes back to `open` later holds nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.domain.orders.cancellation import Cancellation
from chalicelib.domain.orders.holds import ORDER_HOLD, TaskLine
from chalicelib.domain.orders.lines import LineCancellation, status_after_sourcing
from chalicelib.domain.workflows import Accepted, Category, Definition, Refused, start, step

PLACED = "placed"  # what the OMS sends a new order's workflow as it takes the order in
_ENDS = frozenset({Category.CANCELLED, Category.REJECTED})


class Review(Cancellation):
    """The part of `Order` that follows its own workflow."""

    __slots__ = ()

    def begin_workflow(
        self,
        definition: Definition,
        version: int,
        *,
        actor: str,
        now: str,
        new_task_id: Callable[[], str],
    ) -> None:
        """A new order starts `definition` (as of `version` of the section) and is sent `placed`;
        where that leaves it held, every unit is held, nothing to source."""
        begun = start(definition, datetime.fromisoformat(now))
        self.workflow, self.workflow_version = definition.id, version
        self.workflow_state, self.workflow_category, self.workflow_entry = begun.state, begun.category, 0
        self._set_timers(begun)
        placed = step(definition, self.workflow_position, PLACED, self.workflow_context(), datetime.fromisoformat(now))
        if isinstance(placed, Accepted):
            self._enter(placed, definition, actor=actor, now=now, new_task_id=new_task_id, reason=None)
        if self.held:
            self.hold_everything(ORDER_HOLD, actor=actor, now=now)
        elif self.workflow_category in _ENDS:
            self._cancel_held(actor, now, every=True)

    def workflow_context(self, reason: str | None = None) -> dict[str, Any]:
        return {"order": self.order_facts(), "reason": reason}

    def order_event(
        self,
        definition: Definition,
        event: str,
        *,
        actor: str,
        now: str,
        reason: str | None = None,
        new_task_id: Callable[[], str],
    ) -> bool:
        """`event` moves the order under its workflow (a 409 naming the events allowed now, if it
        cannot). Returns whether this released a held order: its held units are then the caller's
        to source (`resource_hold` of `ORDER_HOLD`)."""
        result = step(
            definition, self.workflow_position, event, self.workflow_context(reason), datetime.fromisoformat(now)
        )
        if isinstance(result, Refused):
            why = f"{event} needs {', '.join(result.missing)}" if result.missing else f"{event} is not allowed"
            allowed = ", ".join(result.allowed) or "none"
            raise Conflict(
                f"order {self.order_id} is {self.workflow_state}: {why} (allowed: {allowed})",
                orderId=self.order_id,
                currentState=self.workflow_state,
                allowedEvents=list(result.allowed),
                missing=list(result.missing),
            )
        was_held = self.held
        self._enter(result, definition, actor=actor, now=now, new_task_id=new_task_id, reason=reason)
        if self.workflow_category in _ENDS:
            self._cancel_held(actor, now, reason=f"{event} ({definition.id})")
            return False
        if was_held and not self.held and self.held_for(ORDER_HOLD):
            return True
        self._refresh_status(actor, now)
        return False

    def hold_everything(self, hold: str, *, actor: str, now: str) -> None:
        """A new order none of which goes to a location until `hold` is released (`resource_hold`)."""
        for line in self.lines:
            line.held_quantity, line.hold_task_id = line.quantity, hold
            line.status = status_after_sourcing(line)
        self._refresh_status(actor, now, announce=False)

    def held_for(self, task_id: str) -> list[TaskLine]:
        """What is still held for task `task_id` (cancellations may have taken some or all of it)."""
        return [
            TaskLine(ln.line_id, ln.sku, ln.held_quantity)
            for ln in self.lines
            if ln.hold_task_id == task_id and ln.held_quantity > 0
        ]

    def _enter(
        self,
        result: Accepted,
        definition: Definition,
        *,
        actor: str,
        now: str,
        new_task_id: Callable[[], str],
        reason: str | None,
    ) -> None:
        before = self.workflow_state
        self.workflow_state, self.workflow_category = result.state, result.category
        self.workflow_entry = result.position.entry
        self._set_timers(result)
        detail: dict[str, Any] = {"event": result.event, "category": result.category.value}
        if reason is not None:
            detail["reason"] = reason
        self._record(
            "OrderWorkflowUpdated", actor, now, workflow=definition.id, **{"from": before, "to": result.state}, **detail
        )
        lines = tuple(TaskLine(ln.line_id, ln.sku, ln.open_quantity) for ln in self.lines if ln.open_quantity)
        self._workflow_actions(
            result,
            definition,
            {"state": result.state},
            lines,
            actor=actor,
            now=now,
            new_task_id=new_task_id,
        )
        self._touch()

    def _set_timers(self, result: Accepted) -> None:
        """The order's timers as the step left them: those it cancels gone, those it sets added."""
        timers = [t for t in self.workflow_timers if t.name not in result.cancel] + list(result.timers)
        if timers != self.workflow_timers:
            self.workflow_timers, self.timers_changed = timers, True

    def drop_order_timer(self, name: str, *, now: str) -> None:
        """Forget a timer of the order's own that fired (or came late) without moving the order."""
        self.workflow_timers = [t for t in self.workflow_timers if t.name != name]
        self.timers_changed = True
        self.updated_at = now
        self._touch()

    def _cancel_held(self, actor: str, now: str, *, every: bool = False, reason: str = "") -> None:
        """The workflow ended the order: what it held (at intake: everything) is cancelled."""
        cancelled = []
        for ln in self.lines:
            quantity = ln.open_quantity if every else ln.held_quantity if ln.hold_task_id == ORDER_HOLD else 0
            if quantity:
                cancelled.append(LineCancellation(ln.line_id, quantity))
        if cancelled:
            why = reason or f"{self.workflow_state} ({self.workflow})"
            self.cancel_lines(cancelled, reason=why, actor=actor, now=now)
        else:
            self._refresh_status(actor, now)
