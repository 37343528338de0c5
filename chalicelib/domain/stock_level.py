"""Stock of one SKU at one location: what is there, what is promised, what may still be sold.

Counted and moved as an aggregate (a stocktake, a warehouse's feed); reservations and dispatches
change it inside their own transactions as `StockMove`s instead, so that two orders racing for the
last unit meet in one condition rather than in a read-modify-write.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import Invalid


@dataclass(slots=True)
class StockLevel(Aggregate):
    location_id: str
    sku: str
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0

    @property
    def identity(self) -> str:
        return f"{self.sku}@{self.location_id}"

    @property
    def available(self) -> int:
        """What may still be promised; never below zero, whatever the counts say."""
        return max(0, self.on_hand - self.reserved - self.safety_stock)

    def count(self, on_hand: int, safety_stock: int | None = None, *, actor: str, at: str, reason: str) -> None:
        """An absolute count (a stocktake, a warehouse's feed)."""
        if on_hand < 0:
            raise Invalid("onHand cannot be negative", errors=[{"loc": ["onHand"], "msg": "must be >= 0"}])
        if safety_stock is not None and safety_stock < 0:
            raise Invalid("safetyStock cannot be negative", errors=[{"loc": ["safetyStock"], "msg": "must be >= 0"}])
        self.on_hand = on_hand
        if safety_stock is not None:
            self.safety_stock = safety_stock
        self._changed(actor, at, reason)

    def move(self, delta: int, *, actor: str, at: str, reason: str) -> None:
        """A movement (sold at the till, received, written off): onHand changes by `delta`, not below 0."""
        self.on_hand = max(0, self.on_hand + delta)
        self._changed(actor, at, reason)

    def _changed(self, actor: str, at: str, reason: str) -> None:
        self._record(
            "InventoryChanged",
            actor,
            at,
            onHand=self.on_hand,
            reserved=self.reserved,
            safetyStock=self.safety_stock,
            available=self.available,
            reason=reason,
        )


@dataclass(slots=True)
class FeedLine(Aggregate):
    """A warehouse feed's line for one SKU, applied once: a redelivered feed finds it and skips."""

    feed_id: str
    sku: str

    @classmethod
    def applied(cls, feed_id: str, sku: str) -> FeedLine:
        return cls(feed_id, sku, version=1)  # stored once, never changed

    @property
    def identity(self) -> str:
        return f"{self.feed_id}/{self.sku}"
