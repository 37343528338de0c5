"""Refunding part of an order: the amount from the one refund function, the ledger brought up to date."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.domain.money import Money
from chalicelib.domain.orders.ledger import Shipping
from chalicelib.domain.orders.refunds import Breakdown, Refund
from chalicelib.domain.orders.state import OrderState
from chalicelib.domain.returns.refund import RefundQuote, RefundRules, RefundStep, refund_for


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
        new_refund_id: Callable[[], str],
    ) -> Refund | None:
        """Refund `step`: its units counted on their lines' ledgers and, when it gives anything back,
        a refund requested (`RefundRequested`)."""
        quote = self.quote_refund(step, rules)
        for part in quote.lines:
            line = self.line(part.line_id)
            line.refunded_quantity += part.quantity
            line.refunded += part.goods
        if self.shipping is not None and quote.shipping:
            s = self.shipping
            self.shipping = Shipping(s.amount, s.method, s.refunded + quote.shipping)
        if quote.total <= 0:
            return None
        amount = Money(quote.total, self.payment.amount.currency)
        refund = Refund(
            new_refund_id(), amount, "requested", reason, Breakdown(quote.goods, quote.shipping, quote.fees)
        )
        self.refunds.append(refund)
        self._record(
            "RefundRequested",
            actor,
            now,
            refundId=refund.refund_id,
            amount=amount.as_dict(),
            reason=reason,
            breakdown={"goods": str(quote.goods), "shipping": str(quote.shipping), "fees": str(quote.fees)},
        )
        return refund
