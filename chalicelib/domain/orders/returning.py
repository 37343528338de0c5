"""What a return does to its order: the units expected back on the lines' ledgers, the stock the
received units add where they were received, the refund when the policy says, and the events.

The order records the return's events, so the order's history (one Query) tells the whole story,
and each names the order's channel, as the channel's other order events do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.domain.money import Money
from chalicelib.domain.orders.lines import LineStatus
from chalicelib.domain.orders.refunding import Refunding
from chalicelib.domain.orders.refunds import REQUESTED, Breakdown, Executor, Refund, executor_for
from chalicelib.domain.returns.claim import Claim, Resolution
from chalicelib.domain.returns.exchange import Exchange
from chalicelib.domain.returns.refund import ZERO, RefundRules, RefundStep, StepKind
from chalicelib.domain.returns.return_ import Disposition, Receipt, Return
from chalicelib.domain.stock import StockChange
from chalicelib.domain.workflows import GIVEN_UP, Accepted


class Returning(Refunding):
    """The part of `Order` that takes units back."""

    __slots__ = ()

    def note_record(self, kind: str, record_id: str, status: str) -> None:
        """One of its returns, exchanges or claims (`kind`) is new or has a new status."""
        if self.records.get(kind, {}).get(record_id) != status:
            self.records.setdefault(kind, {})[record_id] = status
            self._touch()

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
        exchange: tuple[str, Decimal] | None = None,
    ) -> Refund | None:
        """Refund `units` of the return through the one refund function; its return shipping fee is
        charged once, with its first refund. The return of an `exchange` (its id, its credit left)
        pays out only what its value exceeds the credit by."""
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
            method=ret.refund_method,
            exchange=exchange,
        )
        ret.refunded(units, refund.refund_id if refund else None)
        return refund

    def exchange_created(self, exchange: Exchange, *, received_at: str | None, actor: str, now: str) -> None:
        """Units of this order exchanged: its return and replacement order were written with it."""
        self._record(
            "ExchangeCreated",
            actor,
            now,
            **self._about_exchange(exchange),
            returnId=exchange.return_id,
            mode=exchange.mode.value,
            priceDifference=Money(exchange.price_difference, exchange.currency).as_dict(),
            **({"receivedAt": received_at} if received_at else {}),
        )
        self.updated_at = now

    def exchange_charged(self, exchange: Exchange, amount: Decimal, *, actor: str, now: str) -> None:
        """An advance exchange's return did not come back in time: its value is the payment side's to charge."""
        self._record(
            "ExchangeCharged",
            actor,
            now,
            **self._about_exchange(exchange),
            amount=Money(amount, exchange.currency).as_dict(),
        )
        self.updated_at = now

    def exchange_cancelled(self, exchange: Exchange, ret: Return, *, actor: str, now: str) -> None:
        """The exchange's return was given up before its replacement went (the replacement order is
        cancelled with it): what units received so far kept toward the new items is paid out after all."""
        for credit in self.refunds:
            if credit.executor == Executor.EXCHANGE and credit.reference == exchange.exchange_id:
                credit.executor = executor_for(ret.refund_method, channel=self.channel, terms=self.refund_terms)
                credit.status, credit.reference = REQUESTED, None
                credit.reason = f"return {ret.return_id}: exchange {exchange.exchange_id} cancelled"
                self._pay_out(credit, actor, now)
        self._record(
            "ExchangeCancelled",
            actor,
            now,
            **self._about_exchange(exchange),
            returnStatus=ret.status,
        )
        self.updated_at = now

    def exchange_charge_returned(
        self,
        exchange: Exchange,
        amount: Decimal,
        ret: Return,
        *,
        actor: str,
        now: str,
    ) -> None:
        """The exchange's return came back after its value was charged: the charge is given back."""
        refund = Refund(
            self._next_refund_id(),
            Money(amount, exchange.currency),
            REQUESTED,
            f"return {ret.return_id}: exchange {exchange.exchange_id}'s charge given back",
            Breakdown(amount, ZERO, ZERO),
            executor=executor_for(ret.refund_method, channel=self.channel, terms=self.refund_terms),
        )
        self.refunds.append(refund)
        self._pay_out(refund, actor, now)

    def claim(self, claim: Claim, rules: RefundRules, *, actor: str, now: str) -> None:
        """Units the customer got damaged, never got or got wrong: only units sent to them and still
        theirs (a 409 saying why otherwise); written off, and refunded when the claim asks for it
        (no fees: the merchant's fault, nothing comes back)."""
        asked: dict[str, int] = {}
        for ln in claim.lines:
            asked[ln.line_id] = asked.get(ln.line_id, 0) + ln.quantity
        for line_id, quantity in asked.items():
            left = self.with_customer(self.line(line_id))
            if quantity > left:
                raise Conflict(
                    f"{left} units of line {line_id} can be claimed (sent to the customer, not returned, expected "
                    f"back or claimed before), not {quantity}",
                    lineId=line_id,
                    claimable=left,
                )
        for line_id, quantity in asked.items():
            self.line(line_id).written_off_quantity += quantity
        if claim.resolution is Resolution.REFUND:
            step = RefundStep(StepKind.CLAIM, tuple(asked.items()), merchant_fault=True)
            refund = self._refund(step, rules, reason=f"claim {claim.claim_id}", actor=actor, now=now)
            claim.refund_id = refund.refund_id if refund else None
        self._record(
            "ClaimCreated",
            actor,
            now,
            claimId=claim.claim_id,
            channel=self.channel,
            resolution=claim.resolution.value,
            lines=[
                {"lineId": ln.line_id, "sku": ln.sku, "quantity": ln.quantity, "kind": ln.kind.value}
                for ln in claim.lines
            ],
            **({"refundId": claim.refund_id} if claim.refund_id else {}),
            **({"replacementOrderId": claim.replacement_order_id} if claim.replacement_order_id else {}),
        )
        self.updated_at = now

    def _about_exchange(self, exchange: Exchange) -> dict[str, Any]:
        """What every exchange event names: the exchange, its channel and status, its replacement order."""
        return {
            "exchangeId": exchange.exchange_id,
            "channel": self.channel,
            "status": exchange.status.value,
            "replacementOrderId": exchange.replacement_order_id,
        }

    def _about(self, ret: Return) -> dict[str, Any]:
        return {"returnId": ret.return_id, "channel": self.channel, "status": ret.status}
