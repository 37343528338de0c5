"""A claim: units the customer got damaged, never got, or got wrong. Nothing comes back: the units
are written off on the order's ledger and either refunded (through the one refund function) or
replaced by a linked order at no charge. What it does to the order is the order's part
(`orders/returning.py`); both are written in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.aggregate import RecordedByItsOrder


class ClaimKind(StrEnum):
    DAMAGED = "damaged"
    MISSING = "missing"
    WRONG_ITEM = "wrong_item"


class Resolution(StrEnum):
    REFUND = "refund"
    REPLACE = "replace"


@dataclass(frozen=True, slots=True)
class ClaimLine:
    line_id: str
    sku: str
    quantity: int
    kind: ClaimKind


@dataclass(slots=True)
class Claim(RecordedByItsOrder):
    claim_id: str
    order_id: str
    channel: str
    lines: tuple[ClaimLine, ...]
    resolution: Resolution
    created_at: str
    created_by: str
    refund_id: str | None = None  # refund: the order's refund it made (none when nothing was left to pay)
    replacement_order_id: str | None = None  # replace: the order that sends the units again

    @property
    def identity(self) -> str:
        return self.claim_id
