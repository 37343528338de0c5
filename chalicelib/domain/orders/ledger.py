"""Money at intake: what was paid for each line once its own and the order's discounts are off.

Prices include VAT. An order-level discount is spread over the lines in proportion to their value
after their own discounts, exact to the cent (largest remainder: the cents rounding leaves over go
to the lines that lost most to it, the first such line on a tie), so the lines' paid amounts add
up to what the customer paid for the goods and every unit knows its share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from chalicelib.domain.errors import error_at
from chalicelib.domain.money import Money

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """To the cent, half up (the API's rounding everywhere money is divided)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Discount:
    amount: Money
    code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"amount": self.amount.as_dict(), **({"code": self.code} if self.code else {})}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Discount:
        return cls(Money.from_dict(raw["amount"]), raw.get("code"))


@dataclass(frozen=True, slots=True)
class Shipping:
    """What the customer paid for delivery, and how much of it was refunded since."""

    amount: Money
    method: str | None = None
    refunded: Decimal = Decimal("0.00")


def spread(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`total` (whole cents) in parts proportional to `weights`, each whole cents, adding up to it
    exactly. All weights zero: nothing to weigh by, so the total must be zero too."""
    whole = sum(weights, Decimal(0))
    if whole == 0:
        if total:
            raise ValueError("cannot spread an amount over lines worth nothing")
        return [Decimal("0.00")] * len(weights)
    exact = [total * w / whole for w in weights]
    parts = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    left = int((total - sum(parts, Decimal(0))) / CENT)
    by_loss = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_loss[:left]:
        parts[i] += CENT
    return parts


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A new line's money: its value at list price, its own discounts, its share of the order's."""

    value: Decimal  # unit price x quantity, to the cent
    line_discount: Decimal
    order_discount: Decimal

    @property
    def paid(self) -> Decimal:
        return self.value - self.line_discount - self.order_discount


def price_lines(
    values: Sequence[Decimal], line_discounts: Sequence[Decimal], order_discount: Decimal
) -> list[PricedLine]:
    """Each line's paid amount, the order's discount spread by the lines' value after their own."""
    own = [cents(d) for d in line_discounts]
    after_own = [cents(v) - d for v, d in zip(values, own, strict=True)]
    shares = spread(cents(order_discount), after_own)
    return [PricedLine(cents(v), d, share) for v, d, share in zip(values, own, shares, strict=True)]


def unit_amounts(paid: Decimal, quantity: int) -> tuple[Decimal, Decimal]:
    """(each unit but the last, the last): paid / quantity half up, the last taking what remains
    (29.00 for 3: 9.67, 9.67, 9.66). Where rounding up would leave the last unit less than nothing
    (a few cents over many units) each is rounded down instead."""
    each = cents(paid / quantity)
    if each * (quantity - 1) > paid:
        each = (paid / quantity).quantize(CENT, rounding=ROUND_DOWN)
    return each, paid - each * (quantity - 1)


def units_worth(paid: Decimal, quantity: int, first: int, count: int) -> Decimal:
    """What units `first` .. `first + count - 1` (counted from 0) of a line were paid."""
    each, last = unit_amounts(paid, quantity)
    includes_last = first + count == quantity
    return each * (count - 1 if includes_last else count) + (last if includes_last else 0)


def intake_errors(
    lines: Sequence[tuple[Decimal, Sequence[Discount]]],
    order_discounts: Sequence[Discount],
    shipping: Shipping | None,
    currency: str,
) -> list[dict[str, Any]]:
    """What is wrong with a new order's discounts and shipping: one currency, nothing negative, no
    discount above what it discounts. `lines` are (value, discounts) in the order's lines' order."""
    errors: list[dict[str, Any]] = []

    def check(loc: list[str | int], money: Money) -> Decimal:  # loc: where the Money is
        if money.currency != currency:
            errors.append(error_at([*loc, "amount", "currency"], f"{money.currency}, not {currency}"))
        if money.amount < 0:
            errors.append(error_at([*loc, "amount", "amount"], "must not be negative"))
        return money.amount

    after_own = Decimal(0)
    for i, (value, discounts) in enumerate(lines):
        own = sum((check(["lines", i, "discounts", j], d.amount) for j, d in enumerate(discounts)), Decimal(0))
        if own > cents(value):
            errors.append(error_at(["lines", i, "discounts"], f"{own} is more than the line's {cents(value)}"))
        after_own += cents(value) - own
    whole = sum((check(["discounts", j], d.amount) for j, d in enumerate(order_discounts)), Decimal(0))
    if whole > after_own:
        errors.append(error_at(["discounts"], f"{whole} is more than the lines' {after_own} after their own discounts"))
    if shipping is not None:
        check(["shipping"], shipping.amount)
    return errors
