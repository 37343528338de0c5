"""The fulfilment order: the work of one location for one destination, and where it stands."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chalicelib.domain.delivery import DeliveryMethod
from chalicelib.domain.workflows import Category, Position, Timer


class FulfilmentStatus(StrEnum):
    """The states of the built-in workflows. A business's own workflow may name others: what the
    OMS does with a fulfilment order follows its state's `Category`, never these names."""

    RELEASED = "released"  # waiting for the location to accept it
    ACCEPTED = "accepted"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    COLLECTED = "collected"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


@dataclass(slots=True)
class FulfilmentLine:
    line_id: str
    sku: str
    quantity: int


@dataclass(slots=True)
class FulfilmentOrder:
    """The work of one location for one destination: pick these lines and send them there."""

    fulfilment_order_id: str
    location_id: str
    method: DeliveryMethod
    destination: dict[str, Any]
    status: str  # the state of its workflow
    lines: list[FulfilmentLine]
    created_at: str
    updated_at: str
    category: Category = Category.OPEN  # what the state means to stock, lines and the order
    workflow: str = ""  # the definition it follows, pinned when it was created
    workflow_version: int = 0  # ... as of this version of the `workflows` section (0: built-in)
    entry: int = 0  # states entered so far: what its timers are stamped with
    timers: list[Timer] = field(default_factory=list)  # pending, each stamped with (state, entry)
    rule: str = ""
    version: int = 1
    tracking: dict[str, str] | None = None  # the carrier's, once shipped
    stock_taken: bool = False  # its goods left the source's stock (take_stock): no reservation left
    changed: bool = False  # to be written with the order's next save

    @property
    def position(self) -> Position:
        return Position(self.status, self.entry)

    @property
    def goods_at(self) -> str:
        """Where its goods are once they have left the source: a click & collect's at the store that
        waits for the customer; any other's are taken to be back at the source when given back."""
        if self.method is DeliveryMethod.CLICK_AND_COLLECT:
            return str(self.destination.get("locationId") or self.location_id)
        return self.location_id

    def line(self, line_id: str) -> FulfilmentLine | None:
        return next((ln for ln in self.lines if ln.line_id == line_id), None)
