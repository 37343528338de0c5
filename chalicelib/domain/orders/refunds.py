"""Refunds the order has asked for, with what each gave back for what."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.money import Money


@dataclass(frozen=True, slots=True)
class Breakdown:
    goods: Decimal
    shipping: Decimal
    fees: Decimal  # taken off: restocking, return shipping


@dataclass(slots=True)
class Refund:
    refund_id: str
    amount: Money
    status: str  # "requested" | "succeeded" | "failed"
    reason: str
    breakdown: Breakdown | None = None  # absent on refunds from before the ledger
