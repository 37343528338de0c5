"""What a return does to its order: the units expected back on the lines' ledgers, the stock the
received units add where they were received, the refund when the policy says, and the events.

The order records the return's events, so the order's history (one Query) tells the whole story,
and each names the order's channel, as the channel's other order events do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from chalicelib.domain.orders.lines import LineStatus
from chalicelib.domain.orders.refunding import Refunding
from chalicelib.domain.orders.refunds import Refund
from chalicelib.domain.returns.refund import ZERO, RefundRules, RefundStep, StepKind
from chalicelib.domain.returns.return_ import GIVEN_UP, Disposition, Receipt, Return
from chalicelib.domain.stock import StockChange
from chalicelib.domain.workflows import Accepted


class Returning(Refunding):
    """The part of `Order` that takes units back."""

    __slots__ = ()

    def return_authorized(self, ret: Return, *, actor: str, now: str, total: Mapping[str, str]) -> None:
        """Approved: its units are expected back (return-requested on their lines)."""
        for item in ret.lines:
            self.line(item.line_id).return_requested_quantity += item.quantity
        ret.authorized = True
        self._record(
            "ReturnAuthorized",
            actor,
            now,
            **self._about(ret),
            returnTo=ret.return_to,
            lines=[{"lineId": i.line_id, "sku": i.sku, "quantity": i.quantity, "reason": i.reason} for i in ret.lines],
            quote=dict(total),  # the approved lines' refund, as quoted
            refundTiming=ret.refund_timing,
        )
        self.updated_at = now

    def return_received(self, ret: Return, receipts: Sequence[Receipt], *, actor: str, now: str) -> None:
        """Units handed in at the return's location: returned on their lines (no longer expected, when
        they were), and the resellable ones on hand there, whichever store or DC it is."""
        location = ret.location_id
        already = len(self.stock_changes)
        for r in receipts:
            line = self.line(r.line_id)
            line.return_requested_quantity -= r.quantity  # authorized first, even at a counter
            line.returned_quantity += r.quantity
            if line.returned_quantity >= line.open_quantity:
                line.status = LineStatus.RETURNED
            if r.disposition is Disposition.RESTOCK:
                self.stock_changes.append(StockChange("restock", r.sku, location, r.quantity))
        self._record(
            "ReturnReceived",
            actor,
            now,
            **self._about(ret),
            locationId=location,
            lines=[
                {"lineId": r.line_id, "sku": r.sku, "quantity": r.quantity, "disposition": r.disposition.value}
                for r in receipts
            ],
            stock=[
                {"sku": c.sku, "locationId": c.location_id, "quantity": c.quantity}
                for c in self.stock_changes[already:]
            ],
        )
        self._refresh_status(actor, now)

    def return_moved(self, ret: Return, result: Accepted, *, actor: str, now: str, reason: str | None = None) -> None:
        """Any other move of the return's workflow; ended without its goods (cancelled, declined,
        expired), the units still expected are expected no more."""
        if ret.category in GIVEN_UP and ret.authorized:
            for item in ret.lines:
                self.line(item.line_id).return_requested_quantity -= item.outstanding
        detail: dict[str, Any] = {"from": result.before.state, "to": result.state, "event": result.event}
        detail["category"] = result.category.value
        if reason:
            detail["reason"] = reason
        self._record("ReturnUpdated", actor, now, **self._about(ret), **detail)
        self.updated_at = now

    def refund_return(
        self,
        ret: Return,
        units: Mapping[str, int],
        rules: RefundRules,
        *,
        actor: str,
        now: str,
        new_refund_id: Callable[[], str],
    ) -> Refund | None:
        """Refund `units` of the return through the one refund function; its return shipping fee is
        charged once, with its first refund."""
        if not units:
            return None
        if any(item.refunded for item in ret.lines):
            rules = replace(rules, return_shipping_fee=ZERO)
        step = RefundStep(StepKind.RETURN, tuple(units.items()), merchant_fault=ret.merchant_fault(list(units)))
        refund = self._refund(
            step,
            rules,
            reason=f"return {ret.return_id}",
            actor=actor,
            now=now,
            new_refund_id=new_refund_id,
            method=ret.refund_method,
        )
        ret.refunded(units, refund.refund_id if refund else None)
        return refund

    def _about(self, ret: Return) -> dict[str, Any]:
        return {"returnId": ret.return_id, "channel": self.channel, "status": ret.status}
