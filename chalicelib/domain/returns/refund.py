"""What a refund gives back: one pure function over an order's money ledger, for cancellations,
returns and claims alike.

Each unit refunds what was paid for it: a line's units are refunded in turn, the last one taking
the rounding remainder (`ledger.unit_amounts`), so whatever the order of partial refunds, a line
refunded whole gives back exactly what was paid for it. Shipping comes back once, as the rules
say. Fees only ever reduce a return's refund, are waived on the merchant's fault, and are capped
per unit at the least any unit of the line refunds, so a refund is never below zero and the fees
of a step depend on that step alone: the same steps in any order give the same total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.errors import Conflict, Invalid, error_at
from chalicelib.domain.lookup import one_of
from chalicelib.domain.orders.ledger import unit_amounts, units_worth

ZERO = Decimal("0.00")


class StepKind(StrEnum):
    CANCELLATION = "cancellation"  # never left: no fees
    RETURN = "return"  # came back: fees unless the merchant was at fault
    CLAIM = "claim"  # damaged, missing, wrong: nothing comes back, no fees


class ShippingRefund(StrEnum):
    NEVER = "never"
    MERCHANT_FAULT = "merchant_fault"  # with the first refund whose reason is the merchant's fault
    ALL_RETURNED = "all_returned"  # with the refund after which the customer keeps nothing


@dataclass(frozen=True, slots=True)
class RefundRules:
    shipping: ShippingRefund = ShippingRefund.ALL_RETURNED
    restocking_fee: Decimal = ZERO  # per unit returned
    return_shipping_fee: Decimal = ZERO  # per return


# A cancellation knows no return policy: nothing came back, so no fees; the shipping comes back
# when nothing of the order is left to ship.
CANCELLATION_RULES = RefundRules()


@dataclass(frozen=True, slots=True)
class LineMoney:
    line_id: str
    quantity: int
    paid: Decimal
    refunded_quantity: int = 0
    refunded: Decimal = ZERO

    @property
    def least_unit(self) -> Decimal:
        """The least any one unit of this line refunds, whichever turn it comes in."""
        return min(unit_amounts(self.paid, self.quantity))


@dataclass(frozen=True, slots=True)
class Ledger:
    """An order's money as refunds see it."""

    lines: tuple[LineMoney, ...]
    shipping: Decimal = ZERO
    shipping_refunded: Decimal = ZERO
    refunded: Decimal = ZERO  # every refund so far, net of fees

    @property
    def paid(self) -> Decimal:
        return sum((ln.paid for ln in self.lines), self.shipping)

    def line(self, line_id: str) -> LineMoney:
        return one_of(
            self.lines,
            lambda line: line.line_id == line_id,
            lambda: Invalid(f"no line {line_id!r}", errors=[error_at(["lines", line_id], "no such line")]),
        )

    def after(self, quote: RefundQuote) -> Ledger:
        """The ledger once `quote` is refunded."""
        done = {r.line_id: r for r in quote.lines}
        return Ledger(
            tuple(
                replace(ln, refunded_quantity=ln.refunded_quantity + r.quantity, refunded=ln.refunded + r.goods)
                if (r := done.get(ln.line_id))
                else ln
                for ln in self.lines
            ),
            self.shipping,
            self.shipping_refunded + quote.shipping,
            self.refunded + quote.total,
        )


@dataclass(frozen=True, slots=True)
class RefundStep:
    kind: StepKind
    lines: tuple[tuple[str, int], ...]  # (lineId, units)
    merchant_fault: bool = False


@dataclass(frozen=True, slots=True)
class LineRefund:
    line_id: str
    quantity: int
    goods: Decimal
    fees: Decimal  # restocking


@dataclass(frozen=True, slots=True)
class RefundQuote:
    lines: tuple[LineRefund, ...]
    goods: Decimal
    shipping: Decimal
    fees: Decimal  # restocking and return shipping

    @property
    def total(self) -> Decimal:
        return self.goods + self.shipping - self.fees


def refund_for(ledger: Ledger, step: RefundStep, rules: RefundRules) -> RefundQuote:
    """What refunding `step` gives back now; a Conflict when a line has fewer units left to refund
    than asked, or the total would pass what was paid less what was refunded before."""
    wanted = _merged(step.lines)
    charged = step.kind is StepKind.RETURN and not step.merchant_fault
    refunds: list[LineRefund] = []
    for line_id, quantity in wanted.items():
        line = ledger.line(line_id)
        left = line.quantity - line.refunded_quantity
        if quantity > left:
            raise Conflict(f"line {line_id} has {left} units left to refund, not {quantity}", lineId=line_id)
        goods = units_worth(line.paid, line.quantity, line.refunded_quantity, quantity)
        restocking = quantity * min(rules.restocking_fee, line.least_unit) if charged else ZERO
        refunds.append(LineRefund(line_id, quantity, goods, restocking))
    restocking = sum((r.fees for r in refunds), ZERO)
    # Capped by the least the units could refund, whatever their turn: never more than they give.
    room = sum((r.quantity * ledger.line(r.line_id).least_unit for r in refunds), ZERO) - restocking
    fees = restocking + (min(rules.return_shipping_fee, room) if charged else ZERO)
    quote = RefundQuote(
        tuple(refunds),
        sum((r.goods for r in refunds), ZERO),
        _shipping(ledger, wanted, step, rules),
        fees,
    )
    left_to_refund = ledger.paid - ledger.refunded
    if quote.total > left_to_refund:
        raise Conflict(
            f"a refund of {quote.total} is more than the {left_to_refund} paid and not yet refunded",
            refund=str(quote.total),
            refundable=str(left_to_refund),
        )
    return quote


def _shipping(ledger: Ledger, wanted: dict[str, int], step: RefundStep, rules: RefundRules) -> Decimal:
    left = ledger.shipping - ledger.shipping_refunded
    if rules.shipping is ShippingRefund.MERCHANT_FAULT:
        return left if step.merchant_fault else ZERO
    if rules.shipping is ShippingRefund.ALL_RETURNED:
        nothing_kept = all(ln.refunded_quantity + wanted.get(ln.line_id, 0) == ln.quantity for ln in ledger.lines)
        return left if nothing_kept else ZERO
    return ZERO


def _merged(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for line_id, quantity in lines:
        merged[line_id] = merged.get(line_id, 0) + quantity
    return merged
