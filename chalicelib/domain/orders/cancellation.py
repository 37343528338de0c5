"""Cancelling units of an order before they ship: their stock goes back, and a refund when paid."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from chalicelib.domain.errors import Conflict, Invalid, error_at
from chalicelib.domain.fulfilment.order import FulfilmentStatus
from chalicelib.domain.orders.lines import (
    CANCELLABLE,
    SOURCING,
    LineCancellation,
    LineStatus,
    OrderLine,
    status_after_sourcing,
)
from chalicelib.domain.orders.refunding import Refunding
from chalicelib.domain.returns.refund import CANCELLATION_RULES, RefundStep, StepKind
from chalicelib.domain.stock import StockChange
from chalicelib.domain.workflows import BEFORE_SHIPPING, Category


class Cancellation(Refunding):
    """The part of `Order` that cancels lines."""

    __slots__ = ()

    def cancel_lines(
        self,
        cancellations: Iterable[LineCancellation],
        *,
        reason: str,
        actor: str,
        now: str,
        exchange: tuple[str, Decimal] | None = None,
    ) -> None:
        """Cancel quantities of lines that have not shipped; all or nothing. An exchange's replacement
        names its `exchange` (its id, the value that was never money): that much of its refund is kept
        as credited, only the rest paid back."""
        wanted: dict[str, int] = {}
        for c in cancellations:
            wanted[c.line_id] = wanted.get(c.line_id, 0) + c.quantity
        if not wanted:
            raise Invalid("nothing to cancel", errors=[{"loc": ["lines"], "msg": "at least one line"}])
        for line_id, quantity in wanted.items():
            line = self.line(line_id)
            # Held units never left the building, whatever became of the rest of the line.
            if line.status not in CANCELLABLE and quantity > line.held_quantity:
                raise Conflict(
                    f"line {line_id} is {line.status.value} and can no longer be cancelled",
                    lineId=line_id,
                    lineStatus=line.status.value,
                )
            if quantity > line.open_quantity:
                raise Invalid(
                    f"line {line_id} has {line.open_quantity} left to cancel, not {quantity}",
                    errors=[error_at(["lines", line_id, "quantity"], f"at most {line.open_quantity}")],
                )
        already = len(self.stock_changes)
        for line_id, quantity in wanted.items():
            self._unallocate(self.line(line_id), quantity, now)
        self._cancelled(
            wanted,
            reason=reason,
            actor=actor,
            now=now,
            stock_from=already,
            exchange=exchange,
        )

    def _cancelled(
        self,
        wanted: dict[str, int],
        *,
        reason: str,
        actor: str,
        now: str,
        stock_from: int,
        exchange: tuple[str, Decimal] | None = None,
    ) -> None:
        """Units taken off their lines (and their stock moved from `stock_from` on) are cancelled:
        announced, and refunded when paid."""
        for line_id, quantity in wanted.items():
            line = self.line(line_id)
            line.cancelled_quantity += quantity
            if line.open_quantity == 0:
                line.status = LineStatus.CANCELLED
            elif line.status in SOURCING:
                line.status = status_after_sourcing(line)
        already = stock_from
        self._record(
            "OrderLinesCancelled",
            actor,
            now,
            reason=reason,
            lines=[{"lineId": k, "quantity": v} for k, v in wanted.items()],
            stock=[
                {"sku": c.sku, "locationId": c.location_id, "quantity": c.quantity}
                for c in self.stock_changes[already:]
            ],
        )
        if self.payment.status == "paid":  # an authorisation is only captured for what is left
            self._refund(
                RefundStep(StepKind.CANCELLATION, tuple(wanted.items())),
                CANCELLATION_RULES,
                reason=f"cancellation: {reason}",
                actor=actor,
                now=now,
                exchange=exchange,
            )
        self._refresh_status(actor, now)

    def _unallocate(self, line: OrderLine, quantity: int, now: str) -> None:
        """Take `quantity` off a line: units not yet sourced first, then held ones (the hold shrinks;
        its task stays as it is), then backordered ones, then the newest allocations, whose stock
        goes back and whose fulfilment orders shrink (or are cancelled when emptied)."""
        left = quantity - min(quantity, line.unsourced_quantity)
        from_hold = min(left, line.held_quantity)
        line.held_quantity -= from_hold
        if line.held_quantity == 0:
            line.hold_task_id = None
        left -= from_hold
        from_backorder = min(left, line.backordered_quantity)
        line.backordered_quantity -= from_backorder
        left -= from_backorder
        for allocation in reversed(list(line.allocations)):
            if left == 0:
                break
            fo = self.fulfilment_order(allocation.fulfilment_order_id)
            if fo.category not in BEFORE_SHIPPING:
                continue
            take = min(left, allocation.quantity)
            allocation.quantity -= take
            left -= take
            fo_line = fo.line(line.line_id)
            assert fo_line is not None
            fo_line.quantity -= take
            fo.lines = [ln for ln in fo.lines if ln.quantity > 0]
            if not fo.lines:
                # The order's decision, whatever the workflow: its timers stop with it.
                fo.status, fo.category, fo.timers = FulfilmentStatus.CANCELLED, Category.CANCELLED, []
                fo.entry += 1
            fo.version += 1
            fo.updated_at = now
            fo.changed = True
            self.stock_changes.append(StockChange("release", line.sku, fo.location_id, take))
        line.allocations = [a for a in line.allocations if a.quantity > 0]
        if left:
            raise Conflict(f"line {line.line_id} has only shipped units left to cancel", lineId=line.line_id)
