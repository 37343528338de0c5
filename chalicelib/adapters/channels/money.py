"""The platforms' money on the canonical order: line and order discounts, shipping, tax, and a total
that equals what the platform charged to the cent.

The contract's prices include VAT. Where a platform adds tax on top (US shops, WooCommerce's line
subtotals), the line's tax goes into its unit price; when that does not make whole cents per unit,
the unit price is rounded up to the cent and the excess taken off again as a line discount, so the
line costs exactly what the platform charged (and refunds per unit stay exact).

Whatever the platform's parts still leave unexplained is reconciled: charged less than its parts add
up to (an inconsistent payload, a negative fee), the difference becomes an order discount coded
`platform-adjustment`; charged more (a tip, duties, a fee: things the canonical order has no place
for), the payment holds the platform's total and the difference is logged and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from chalicelib.adapters.channels.base import Off, PlatformFigures, Unmappable
from chalicelib.domain.orders.ledger import CENT, cents, spread
from chalicelib.observability import count, logger

ADJUSTMENT = "platform-adjustment"
ROUNDING = "tax-rounding"
_PLACES = Decimal("0.0001")  # the contract's amounts have at most 4 decimals
_RATE = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    line_id: str
    sku: str
    quantity: int
    unit_price: Decimal  # as the platform lists it (with or without tax: see `tax`)
    tax: Decimal = Decimal(0)  # tax the price excludes, on the whole line
    discounts: tuple[Off, ...] = ()
    tax_rate: str | None = None
    value: Decimal | None = None  # the line before tax and discounts, where the platform gives it

    @property
    def before_tax(self) -> Decimal:
        return self.unit_price * self.quantity if self.value is None else self.value


def amount_text(value: Decimal, field: str) -> str:
    """As the contract writes amounts: plain digits as the platform sent them, at most 4 decimals."""
    if value != value.quantize(_PLACES):
        raise Unmappable(f"{field} has more than 4 decimals")
    return format(value, "f")


def rate_text(percent: Decimal) -> str | None:
    """A VAT rate in percent as the contract takes it ("21", "5.5"); None when it is not one."""
    if percent <= 0 or percent >= 100 or percent != percent.quantize(_RATE):
        return None
    return format(percent.normalize(), "f")


def order_money(channel_id: str, lines: Sequence[Line], figures: PlatformFigures) -> dict[str, Any]:
    """The money fields of `CreateOrder`: lines, discounts, shipping and the payment's amount."""
    currency = figures.currency
    lines = _with_spread_tax(lines, figures.tax_to_spread)
    bodies, paid = [], Decimal(0)
    for line in lines:
        unit, discounts = _gross(line)
        paid += cents(unit * line.quantity) - sum((cents(d.amount) for d in discounts), Decimal(0))
        bodies.append(_line_body(line, unit, discounts, currency))
    order_discounts = [d for d in figures.discounts if d.amount > 0]
    charged = paid - sum((d.amount for d in order_discounts), Decimal(0)) + figures.shipping
    if charged > figures.total:
        order_discounts.append(Off(charged - figures.total, ADJUSTMENT))
    if charged != figures.total:
        where = {"channelId": channel_id, "difference": str(figures.total - charged)}
        logger.warning("the platform's total differs from its parts: reconciled", extra=where)
        count("ChannelOrderAdjustments", channel=channel_id, kind="less" if charged > figures.total else "more")
    body: dict[str, Any] = {
        "lines": bodies,
        "discounts": [_discount(d, currency, "an order discount") for d in order_discounts],
        "payment_amount": {"amount": amount_text(figures.total, "the order's total"), "currency": currency},
    }
    if figures.shipping or figures.shipping_method:
        body["shipping"] = {
            "amount": {"amount": amount_text(figures.shipping, "the shipping"), "currency": currency},
            **({"method": figures.shipping_method} if figures.shipping_method else {}),
        }
    return body


def _gross(line: Line) -> tuple[Decimal, list[Off]]:
    """The unit price with the line's tax in it, and the line's discounts (plus any rounding excess)."""
    discounts = list(line.discounts)
    if not line.tax and line.value is None:
        return line.unit_price, discounts
    gross = line.before_tax + line.tax
    unit = gross / line.quantity
    if unit == unit.quantize(_PLACES) and cents(unit * line.quantity) == gross:
        return unit, discounts
    unit = unit.quantize(CENT, rounding=ROUND_CEILING)
    return unit, [*discounts, Off(unit * line.quantity - gross, ROUNDING)]


def _with_spread_tax(lines: Sequence[Line], tax: Decimal) -> Sequence[Line]:
    """Tax the platform put on no line, spread over the lines by their value after discounts."""
    if tax <= 0:
        return lines
    if tax != cents(tax):
        raise Unmappable("the order's tax is not in whole cents")
    weights = [ln.before_tax - sum((d.amount for d in ln.discounts), Decimal(0)) for ln in lines]
    try:
        shares = spread(tax, [max(w, Decimal(0)) for w in weights])
    except ValueError:
        raise Unmappable("the order's tax falls on lines worth nothing") from None
    return [
        Line(ln.line_id, ln.sku, ln.quantity, ln.unit_price, ln.tax + share, ln.discounts, ln.tax_rate, ln.value)
        for ln, share in zip(lines, shares, strict=True)
    ]


def _line_body(line: Line, unit: Decimal, discounts: list[Off], currency: str) -> dict[str, Any]:
    where = f"line {line.line_id}"
    return {
        "lineId": line.line_id,
        "sku": line.sku,
        "quantity": line.quantity,
        "unitPrice": {"amount": amount_text(unit, f"{where}'s price"), "currency": currency},
        "discounts": [_discount(d, currency, f"{where}'s discount") for d in discounts if d.amount > 0],
        **({"taxRate": line.tax_rate} if line.tax_rate else {}),
    }


def _discount(off: Off, currency: str, field: str) -> dict[str, Any]:
    return {
        "amount": {"amount": amount_text(off.amount, field), "currency": currency},
        **({"code": off.code[:64]} if off.code else {}),
    }
