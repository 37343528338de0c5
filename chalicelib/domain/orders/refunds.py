"""Refunds, and what cancelling units gives back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.money import Money
from chalicelib.domain.orders.lines import OrderLine


@dataclass(slots=True)
class Refund:
    refund_id: str
    amount: Money
    status: str  # "requested" | "succeeded" | "failed"
    reason: str


def cancellation_refund(cancelled: Iterable[tuple[OrderLine, int]], currency: str) -> Money:
    """What cancelling these quantities of lines gives back: each unit at its line's price."""
    refund = Money.zero(currency)
    for line, quantity in cancelled:
        refund = refund + line.unit_price.times(quantity)
    return refund
