"""What changes do to stock: the changes aggregates record, netted into one move per stock item."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StockChange:
    """What a change does to stock, written in the same transaction as the aggregate."""

    # "reserve" | "release" | "take" (carried out at the till) | "dispatch" (reserved goods leave:
    # reserved and onHand both down) | "restock" (goods that had left come back on hand)
    kind: str
    sku: str
    location_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class StockMove:
    """Everything one change does to one (SKU, location), as one write: a transaction may touch an
    item once, so a hold that ends at the till (release) as its units leave the shelf (take) is
    one move. Deltas of `reserved` and `onHand`, and what must be there before: free units for
    what is reserved (net of what is released), reserved units for what is released or dispatched."""

    sku: str
    location_id: str
    reserved: int
    on_hand: int
    needs_free: int
    needs_reserved: int

    @property
    def free(self) -> int:
        return self.on_hand - self.reserved


def net_moves(changes: Iterable[StockChange]) -> list[StockMove]:
    """The changes per (SKU, location), netted into one move each, in key order."""
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for c in changes:
        if c.kind not in _KINDS:
            raise ValueError(f"unknown stock change {c.kind!r}")
        per_kind = totals.setdefault((c.sku, c.location_id), dict.fromkeys(_KINDS, 0))
        per_kind[c.kind] += c.quantity
    return [
        StockMove(
            sku,
            location_id,
            reserved=q["reserve"] - q["release"] - q["dispatch"],
            on_hand=q["restock"] - q["take"] - q["dispatch"],
            needs_free=max(0, q["reserve"] - q["release"]),
            needs_reserved=max(0, q["release"] + q["dispatch"] - q["reserve"]),
        )
        for (sku, location_id), q in sorted(totals.items())
    ]


_KINDS = ("reserve", "release", "take", "dispatch", "restock")
