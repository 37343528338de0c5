"""What a new order must be before it is taken in, and what its lines were paid."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from chalicelib.domain.delivery import Delivery
from chalicelib.domain.errors import Invalid, error_at
from chalicelib.domain.orders.ledger import Discount, PricedLine, Shipping, intake_errors, price_lines
from chalicelib.domain.orders.lines import NewLine
from chalicelib.domain.orders.state import Payment


def priced_lines(lines: Sequence[NewLine], discounts: Sequence[Discount]) -> list[PricedLine]:
    """Each new line's money, the order's `discounts` spread over them."""
    return price_lines(*_values(lines, discounts))


def _values(lines: Sequence[NewLine], discounts: Sequence[Discount]) -> tuple[list[Decimal], list[Decimal], Decimal]:
    """What `price_lines` takes: the lines' values, their own discounts, the order's discounts."""
    return (
        [ln.unit_price.amount * ln.quantity for ln in lines],
        [sum((d.amount.amount for d in ln.discounts), Decimal(0)) for ln in lines],
        sum((d.amount.amount for d in discounts), Decimal(0)),
    )


def check_new_lines(
    lines: Sequence[NewLine],
    payment: Payment,
    *,
    store_id: str | None,
    delivery: Delivery | None,
    discounts: Sequence[Discount],
    shipping: Shipping | None,
) -> None:
    errors: list[dict[str, Any]] = []
    if not lines:
        errors.append({"loc": ["lines"], "msg": "an order needs at least one line"})
    seen: set[str] = set()
    currency = payment.amount.currency
    for i, line in enumerate(lines):
        if line.line_id in seen:
            errors.append(error_at(["lines", i, "lineId"], f"duplicate lineId {line.line_id!r}"))
        seen.add(line.line_id)
        if line.quantity <= 0:
            errors.append(error_at(["lines", i, "quantity"], "must be a positive whole number"))
        if line.unit_price.amount < 0:
            errors.append(error_at(["lines", i, "unitPrice", "amount"], "must not be negative"))
        if line.unit_price.currency != currency:
            errors.append(
                error_at(
                    ["lines", i, "unitPrice", "currency"],
                    f"{line.unit_price.currency} differs from the payment's {currency}: one currency per order",
                )
            )
        if line.delivery is None and delivery is None and store_id is None:
            errors.append(error_at(["lines", i, "delivery"], "no delivery for this line, nor for the order"))
    if payment.amount.amount < 0:
        errors.append(error_at(["payment", "amount", "amount"], "must not be negative"))
    if not errors:  # one currency, so the lines add up
        priced = [(ln.unit_price.amount * ln.quantity, ln.discounts) for ln in lines]
        errors = intake_errors(priced, discounts, shipping, currency)
    if not errors:
        total = sum((p.paid for p in priced_lines(lines, discounts)), Decimal(0))
        total += shipping.amount.amount if shipping else 0
        if payment.amount.amount < total:
            errors.append(
                error_at(
                    ["payment", "amount", "amount"],
                    f"{payment.amount.amount} {currency} does not cover the order's total of {total} {currency}",
                )
            )
    if errors:
        raise Invalid("the order is not valid", errors=errors)
