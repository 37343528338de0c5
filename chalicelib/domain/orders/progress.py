"""What the locations report on an order's fulfilment orders, and how its lines follow."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.domain.fulfilment import workflow as wf
from chalicelib.domain.fulfilment.order import FulfilmentOrder, FulfilmentStatus
from chalicelib.domain.fulfilment.workflow import FulfilmentEvent
from chalicelib.domain.orders.lines import SOURCING, LineStatus, status_after_sourcing
from chalicelib.domain.orders.state import OrderState
from chalicelib.domain.stock import StockChange


class FulfilmentProgress(OrderState):
    """The part of `Order` that follows its fulfilment orders."""

    __slots__ = ()

    def report_fulfilment(
        self,
        fulfilment_order_id: str,
        event: FulfilmentEvent,
        *,
        actor: str,
        now: str,
        tracking: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> FulfilmentOrder:
        """A location reports progress on one of its fulfilment orders (not `reject`: see
        `reject_fulfilment`). The lines it serves follow; when the goods leave the source, its
        reservation becomes a take (`dispatch`)."""
        if event is FulfilmentEvent.REJECT:
            raise ValueError("a rejection re-sources the lines: use reject_fulfilment")
        fo = self.fulfilment_order(fulfilment_order_id)
        flow, before = wf.flow_of(fo.method, fo.location_id, fo.destination), fo.status
        to = self.fulfilment_transition(fo, event)
        already = len(self.stock_changes)
        if wf.leaves_source(flow, before, event):
            for ln in fo.lines:
                self.stock_changes.append(StockChange("dispatch", ln.sku, fo.location_id, ln.quantity))
        self._move(fo, to, now)
        if tracking is not None:
            fo.tracking = dict(tracking)
        self._fulfilment_updated(fo, before, actor, now, already, tracking=fo.tracking, reason=reason)
        self._refresh_lines({ln.line_id for ln in fo.lines})
        self._refresh_status(actor, now)
        return fo

    def reject_fulfilment(
        self, fulfilment_order_id: str, *, reason: str | None, actor: str, now: str
    ) -> dict[str, int]:
        """The location will not do this work: its reservations go back and its lines lose the
        allocation. Returns the units per line to source again elsewhere (`resource_rejected`)."""
        fo = self.fulfilment_order(fulfilment_order_id)
        before = fo.status
        to = self.fulfilment_transition(fo, FulfilmentEvent.REJECT)
        already = len(self.stock_changes)
        freed: dict[str, int] = {}
        for ln in fo.lines:
            self.stock_changes.append(StockChange("release", ln.sku, fo.location_id, ln.quantity))
            freed[ln.line_id] = freed.get(ln.line_id, 0) + ln.quantity
            line = self.line(ln.line_id)
            line.allocations = [a for a in line.allocations if a.fulfilment_order_id != fulfilment_order_id]
        self._move(fo, to, now)
        self._fulfilment_updated(fo, before, actor, now, already, reason=reason)
        return freed

    def fulfilment_transition(self, fo: FulfilmentOrder, event: FulfilmentEvent) -> FulfilmentStatus:
        """Where `event` takes `fo` under the default workflow; a 409 naming the allowed events if nowhere."""
        flow = wf.flow_of(fo.method, fo.location_id, fo.destination)
        to = wf.next_status(flow, fo.status, event) if fo.status in wf.LINE_STATUS else None
        if to is None:
            allowed = [e.value for e in wf.allowed(flow, fo.status)]
            raise Conflict(
                f"fulfilment order {fo.fulfilment_order_id} is {fo.status.value}: {event.value} is not allowed"
                f" (allowed: {', '.join(allowed) or 'none'})",
                fulfilmentOrderId=fo.fulfilment_order_id,
                currentStatus=fo.status.value,
                allowedEvents=allowed,
            )
        return to

    @staticmethod
    def _move(fo: FulfilmentOrder, to: FulfilmentStatus, now: str) -> None:
        fo.status = to
        fo.version += 1
        fo.updated_at = now
        fo.changed = True

    def _fulfilment_updated(
        self,
        fo: FulfilmentOrder,
        before: FulfilmentStatus,
        actor: str,
        now: str,
        stock_from: int,
        *,
        tracking: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        extra: dict[str, Any] = {}
        if tracking is not None:
            extra["tracking"] = tracking
        if reason is not None:
            extra["reason"] = reason
        self._record(
            "FulfilmentOrderUpdated",
            actor,
            now,
            fulfilmentOrderId=fo.fulfilment_order_id,
            locationId=fo.location_id,
            **{"from": before.value, "to": fo.status.value},
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
                wf.LINE_STATUS[fo.status]
                for a in line.allocations
                if (fo := self.fulfilment_order(a.fulfilment_order_id)).status in wf.LINE_STATUS
            ]
            if states:
                line.status = min(states, key=wf.PROGRESS.__getitem__)
