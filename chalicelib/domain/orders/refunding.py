"""Refunding part of an order: the amount from the one refund function, the ledger brought up to date,
the refund paid out by its executor (at once, by the marketplace, or once the payment side answers)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.lookup import one_of
from chalicelib.domain.money import Money
from chalicelib.domain.orders.holds import TaskRequest
from chalicelib.domain.orders.ledger import Shipping
from chalicelib.domain.orders.refunds import (
    BY_CHANNEL,
    CREDITED,
    FAILED,
    MAX_ATTEMPTS,
    REQUESTED,
    SUCCEEDED,
    Breakdown,
    Executor,
    Refund,
    executor_for,
    refund_id,
)
from chalicelib.domain.orders.state import OrderState
from chalicelib.domain.returns.refund import ZERO, RefundQuote, RefundRules, RefundStep, refund_for

CUSTOMER_SERVICE = "customer-service"
REFUND_FAILED = "refund-failed"  # the kind of task a refund failing every attempt opens


class Refunding(OrderState):
    """The part of `Order` that refunds."""

    __slots__ = ()

    def quote_refund(self, step: RefundStep, rules: RefundRules) -> RefundQuote:
        """What refunding `step` would give back now (a Conflict if more than is left); changes nothing."""
        return refund_for(self.ledger(), step, rules)

    def _refund(
        self,
        step: RefundStep,
        rules: RefundRules,
        *,
        reason: str,
        actor: str,
        now: str,
        method: str | None = None,
        exchange: tuple[str, Decimal] | None = None,
    ) -> Refund | None:
        """Refund `step`: its units counted on their lines' ledgers and, when it gives anything back,
        a refund requested (`RefundRequested`) of the executor the order's terms and `method` choose.
        `exchange` (its id, its credit left): that much of the value is kept toward the exchange's new
        items (a `credited` refund, no money moving) and only the rest is paid out."""
        quote = self.quote_refund(step, rules)
        for part in quote.lines:
            line = self.line(part.line_id)
            line.refunded_quantity += part.quantity
            line.refunded += part.goods
        if self.shipping is not None and quote.shipping:
            s = self.shipping
            self.shipping = Shipping(s.amount, s.method, s.refunded + quote.shipping)
        kept = min(exchange[1], quote.total) if exchange else ZERO
        if exchange and kept > 0:
            credit = Refund(
                self._next_refund_id(),
                Money(kept, self.payment.amount.currency),
                CREDITED,
                f"{reason}: credited to exchange {exchange[0]}",
                Breakdown(kept, ZERO, ZERO),
                executor=Executor.EXCHANGE,
                reference=exchange[0],
            )
            self.refunds.append(credit)
            self._touch()
        if quote.total - kept <= 0:
            return None
        amount = Money(quote.total - kept, self.payment.amount.currency)
        executor = executor_for(method, channel=self.channel, terms=self.refund_terms)
        refund = Refund(
            self._next_refund_id(),
            amount,
            REQUESTED,
            reason,
            Breakdown(quote.goods - kept, quote.shipping, quote.fees),
            executor=executor,
        )
        self.refunds.append(refund)
        self._pay_out(refund, actor, now)
        return refund

    def _pay_out(self, refund: Refund, actor: str, now: str) -> None:
        """Ask the refund's executor for it: the marketplace pays its own, a store credit and the till at
        once, the payment side when it answers."""
        self._refund_requested(refund, actor, now)
        if refund.executor == Executor.CHANNEL:
            refund.status = BY_CHANNEL
        elif refund.executor == Executor.STORE_CREDIT:
            self._refund_paid(refund, _credit_id(refund), actor, now)
        elif refund.executor == Executor.TILL:
            self._refund_paid(refund, None, actor, now)
        self._touch()

    def refund_answered(
        self,
        refund_id: str,
        outcome: Literal["succeeded", "failed"],
        *,
        reference: str | None,
        reason: str | None,
        actor: str,
        now: str,
        new_task_id: Callable[[], str],
    ) -> Refund:
        """The payment side's answer on a refund it was asked to pay: paid (once), or failed: asked
        again until `MAX_ATTEMPTS`, then a task for customer service."""
        refund = self.refund(refund_id)
        if refund.executor != Executor.PAYMENT or refund.status != REQUESTED:
            raise Conflict(
                f"refund {refund_id} ({refund.executor}) is {refund.status}: it waits for no payment answer",
                refundId=refund_id,
                refundStatus=refund.status,
            )
        if outcome == SUCCEEDED:
            self._refund_paid(refund, reference, actor, now)
            return refund
        refund.failure = reason or "no reason given"
        if refund.attempts < MAX_ATTEMPTS:
            refund.attempts += 1
            self._refund_requested(refund, actor, now)
            return refund
        refund.status = FAILED
        self._touch()
        self.updated_at = now
        task = TaskRequest(
            new_task_id(),
            CUSTOMER_SERVICE,
            REFUND_FAILED,
            f"refund {refund_id} of {refund.amount.amount} {refund.amount.currency} ({refund.reason}) failed "
            f"{refund.attempts} times: {refund.failure}",
            refund_id,  # what the task decides about (a sourcing hold's names its rule)
            (),
            now,
        )
        self.new_tasks.append(task)
        self._task_created(task, actor, now)
        return refund

    def settle_failed_refund(self, refund_id: str, outcome: str, *, note: str | None, actor: str, now: str) -> None:
        """Customer service settled a refund the payment side kept failing (a `refund-failed` task):
        `paid_by_hand` another way (`note`: its reference), or as `store_credit` instead. One settled
        meanwhile is left as it is."""
        refund = self.refund(refund_id)
        if refund.status != FAILED:
            return
        if outcome == "store_credit":
            refund.executor = Executor.STORE_CREDIT
            self._refund_paid(refund, _credit_id(refund), actor, now)
        else:
            self._refund_paid(refund, note, actor, now)
        self._touch()

    def credited_to(self, exchange_id: str) -> Decimal:
        """What refunds have kept toward an exchange's new items so far."""
        kept = (r.amount.amount for r in self.refunds if r.executor == Executor.EXCHANGE and r.reference == exchange_id)
        return sum(kept, ZERO)

    def _next_refund_id(self) -> str:
        # Each refund is appended as soon as it is made, so the count numbers them without gaps.
        return refund_id(self.order_id, len(self.refunds) + 1)

    def refund(self, refund_id: str) -> Refund:
        return one_of(
            self.refunds,
            lambda r: r.refund_id == refund_id,
            lambda: NotFound(f"order {self.order_id} has no refund {refund_id}"),
        )

    def _refund_requested(self, refund: Refund, actor: str, now: str) -> None:
        b = refund.breakdown
        detail: dict[str, Any] = {
            "refundId": refund.refund_id,
            "amount": refund.amount.as_dict(),
            "reason": refund.reason,
            "channel": self.channel,
            "executor": refund.executor,
            "attempt": refund.attempts,
        }
        if b is not None:
            detail["breakdown"] = {"goods": str(b.goods), "shipping": str(b.shipping), "fees": str(b.fees)}
        self._record("RefundRequested", actor, now, **detail)
        self.updated_at = now

    def _refund_paid(self, refund: Refund, reference: str | None, actor: str, now: str) -> None:
        refund.status, refund.reference = SUCCEEDED, reference
        detail = {"refundId": refund.refund_id, "amount": refund.amount.as_dict(), "executor": refund.executor}
        if reference is not None:
            detail["reference"] = reference
        self._record("RefundSucceeded", actor, now, channel=self.channel, **detail)
        self.updated_at = now


def _credit_id(refund: Refund) -> str:
    """The store credit a refund becomes: named after it, so a retry names the same credit."""
    return f"credit_{refund.refund_id.removeprefix('ref_')}"
