"""Stock of one SKU at one location: what is there, what is promised, what may still be sold."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.errors import Invalid


@dataclass(frozen=True, slots=True)
class StockChange:
    """What a change does to stock, written in the same transaction as the order."""

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
