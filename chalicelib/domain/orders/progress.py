"""What the locations report on an order's fulfilment orders, and how its lines follow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.domain.fulfilment.order import FulfilmentOrder
from chalicelib.domain.fulfilment.workflow import ORDER_DRIVEN, PROGRESS, line_status
from chalicelib.domain.orders.holds import TaskLine
from chalicelib.domain.orders.lines import SOURCING, LineStatus, status_after_sourcing
from chalicelib.domain.orders.state import OrderState
from chalicelib.domain.stock import StockChange
from chalicelib.domain.workflows import (
    Accepted,
    Definition,
    GiveBackStock,
    Refused,
    SourceAgain,
    TakeStock,
    step,
)


def _at(now: str) -> datetime:
    return datetime.fromisoformat(now)


@dataclass(frozen=True, slots=True)
class FulfilmentReport:
    """What a location (or a timer, or a team's task) says of a fulfilment order: the event, and what
    it brings for the workflow's guards and the event recorded (the carrier's tracking, a reason)."""

    event: str
    tracking: dict[str, str] | None = None
    reason: str | None = None


class FulfilmentProgress(OrderState):
    """The part of `Order` that follows its fulfilment orders."""

    __slots__ = ()

    def fulfilment_step(
        self,
        fo: FulfilmentOrder,
        definition: Definition,
        report: FulfilmentReport,
        *,
        now: str,
    ) -> Accepted:
        """Where the reported event takes `fo` under the definition it is pinned to (nothing changes
        yet); a 409 naming the events allowed now, or the fields the event needs, if nowhere."""
        event = report.event
        result = step(definition, fo.position, event, self.fulfilment_context(fo, report), _at(now))
        if isinstance(result, Refused):
            allowed = [e for e in result.allowed if e not in ORDER_DRIVEN]  # what a location may send
            why = (
                f"{event} needs {', '.join(result.missing)}"
                if result.missing
                else f"{event} is not allowed (allowed: {', '.join(allowed) or 'none'})"
            )
            raise Conflict(
                f"fulfilment order {fo.fulfilment_order_id} is {fo.status}: {why}",
                fulfilmentOrderId=fo.fulfilment_order_id,
                currentStatus=fo.status,
                allowedEvents=allowed,
                missing=list(result.missing),
            )
        return result

    def fulfilment_context(self, fo: FulfilmentOrder, report: FulfilmentReport | None = None) -> dict[str, Any]:
        """What a workflow's guards and required fields may read: the order, the fulfilment order and
        what the reported event brings (nothing, when none is)."""
        return {
            "order": self.order_facts(),
            "fulfilmentOrder": {
                "locationId": fo.location_id,
                "method": fo.method.value,
                "units": sum(ln.quantity for ln in fo.lines),
            },
            "tracking": report.tracking if report else None,
            "reason": report.reason if report else None,
        }

    def drop_timer(self, fulfilment_order_id: str, name: str, *, now: str) -> None:
        """Forget a timer that fired (or came late) without moving its fulfilment order."""
        fo = self.fulfilment_order(fulfilment_order_id)
        fo.timers = [t for t in fo.timers if t.name != name]
        fo.version += 1
        fo.updated_at = now
        fo.changed = True
        self._touch()

    def report_fulfilment(
        self,
        fulfilment_order_id: str,
        report: FulfilmentReport,
        definition: Definition,
        *,
        actor: str,
        now: str,
        new_task_id: Callable[[], str] | None = None,
    ) -> dict[str, int]:
        """A location (or a timer, or a team's task) reports progress on a fulfilment order: it moves
        as its workflow says, and its actions run. Taking stock turns its reservations into takes
        (`dispatch`); giving it back releases them and takes the units off it; a task for a team is
        opened (`new_task_id`). Returns the units per line given back, for the caller to source
        again or backorder (`apply_plan` with `freed`); the lines and the order's status follow here when
        none were."""
        fo = self.fulfilment_order(fulfilment_order_id)
        result = self.fulfilment_step(fo, definition, report, now=now)
        before, already = fo.status, len(self.stock_changes)
        freed: dict[str, int] = {}
        if any(isinstance(e, TakeStock) for e in result.effects):
            for ln in fo.lines:
                self.stock_changes.append(StockChange("dispatch", ln.sku, fo.location_id, ln.quantity))
            fo.stock_taken = True
        # Sourcing the units again elsewhere starts with giving them back here: the reservation, or
        # the goods themselves where they are once they have left.
        elif any(isinstance(e, (GiveBackStock, SourceAgain)) for e in result.effects):
            for ln in fo.lines:
                if fo.stock_taken:
                    self.stock_changes.append(StockChange("restock", ln.sku, fo.goods_at, ln.quantity))
                else:
                    self.stock_changes.append(StockChange("release", ln.sku, fo.location_id, ln.quantity))
                freed[ln.line_id] = freed.get(ln.line_id, 0) + ln.quantity
                line = self.line(ln.line_id)
                line.allocations = [a for a in line.allocations if a.fulfilment_order_id != fulfilment_order_id]
        fo.status, fo.category, fo.entry = result.state, result.category, result.position.entry
        fo.timers = [t for t in fo.timers if t.name not in result.cancel] + list(result.timers)
        fo.version += 1
        fo.updated_at = now
        fo.changed = True
        if report.tracking is not None:
            fo.tracking = dict(report.tracking)
        self._fulfilment_updated(fo, before, actor, now, already, reason=report.reason)
        self._workflow_actions(
            result,
            definition,
            {"fulfilmentOrderId": fo.fulfilment_order_id, "locationId": fo.location_id, "state": fo.status},
            tuple(TaskLine(ln.line_id, ln.sku, ln.quantity) for ln in fo.lines),
            actor=actor,
            now=now,
            new_task_id=new_task_id,
        )
        if not freed:
            self._refresh_lines({ln.line_id for ln in fo.lines})
            self._refresh_status(actor, now)
        return freed

    def _fulfilment_updated(
        self,
        fo: FulfilmentOrder,
        before: str,
        actor: str,
        now: str,
        stock_from: int,
        *,
        reason: str | None,
    ) -> None:
        extra: dict[str, Any] = {}
        if fo.tracking is not None:
            extra["tracking"] = fo.tracking
        if reason is not None:
            extra["reason"] = reason
        self._record(
            "FulfilmentOrderUpdated",
            actor,
            now,
            fulfilmentOrderId=fo.fulfilment_order_id,
            locationId=fo.location_id,
            **{"from": before, "to": fo.status},
            stock=[
                {"sku": c.sku, "locationId": c.location_id, "quantity": c.quantity}
                for c in self.stock_changes[stock_from:]
            ],
            **extra,
        )

    def _refresh_lines(self, line_ids: set[str]) -> None:
        """Each line shows the least advanced state of its units: what is not allocated decides
        while there is any (sourcing's status), else the least advanced fulfilment order serving it."""
        for line in self.lines:
            if line.line_id not in line_ids or line.status in (LineStatus.CANCELLED, LineStatus.RETURNED):
                continue
            if line.open_quantity > line.allocated_quantity:
                if line.status in SOURCING or line.allocated_quantity == 0:
                    line.status = status_after_sourcing(line)
                else:
                    line.status = LineStatus.ALLOCATED
                continue
            states = [
                status
                for a in line.allocations
                if (status := line_status(self.fulfilment_order(a.fulfilment_order_id))) is not None
            ]
            if states:
                line.status = min(states, key=PROGRESS.__getitem__)
