"""Stock of one SKU at one location: what is there, what is promised, what may still be sold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.errors import Invalid


@dataclass(frozen=True, slots=True)
class StockChange:
    """What a change does to stock, written in the same transaction as the aggregate."""

    # "reserve" | "release" | "take" (carried out at the till) | "dispatch" (reserved goods leave:
    # reserved and onHand both down)
    kind: str
    sku: str
    location_id: str
    quantity: int


@dataclass(slots=True)
class StockLevel:
    location_id: str
    sku: str
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0
    version: int = 0

    @property
    def available(self) -> int:
        """What may still be promised; never below zero, whatever the counts say."""
        return max(0, self.on_hand - self.reserved - self.safety_stock)

    def count(self, on_hand: int, safety_stock: int | None = None) -> None:
        """An absolute count (a stocktake, a warehouse's feed)."""
        if on_hand < 0:
            raise Invalid("onHand cannot be negative", errors=[{"loc": ["onHand"], "msg": "must be >= 0"}])
        self.on_hand = on_hand
        if safety_stock is not None:
            if safety_stock < 0:
                raise Invalid(
                    "safetyStock cannot be negative", errors=[{"loc": ["safetyStock"], "msg": "must be >= 0"}]
                )
            self.safety_stock = safety_stock
        self.version += 1

    def move(self, delta: int) -> None:
        """A movement (sold at the till, received, written off): onHand changes by `delta`, not below 0."""
        self.on_hand = max(0, self.on_hand + delta)
        self.version += 1


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
            on_hand=-q["take"] - q["dispatch"],
            needs_free=max(0, q["reserve"] - q["release"]),
            needs_reserved=max(0, q["release"] + q["dispatch"] - q["reserve"]),
        )
        for (sku, location_id), q in sorted(totals.items())
    ]


_KINDS = ("reserve", "release", "take", "dispatch")
