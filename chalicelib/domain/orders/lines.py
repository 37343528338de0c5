"""An order's lines: what was sold, and how much of each line is allocated, backordered, held
or cancelled."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.domain.delivery import Delivery, DeliveryMethod
from chalicelib.domain.money import Money


class LineStatus(StrEnum):
    OPEN = "open"
    ALLOCATED = "allocated"
    BACKORDERED = "backordered"
    PICKED = "picked"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    DELIVERED = "delivered"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    RETURNED = "returned"


# Lines in these states have not left the building: they may still be cancelled.
CANCELLABLE = frozenset({LineStatus.OPEN, LineStatus.ALLOCATED, LineStatus.BACKORDERED, LineStatus.PICKED})
# Lines whose status sourcing decides (more sourcing may change it; later states are fulfilment's).
SOURCING = frozenset({LineStatus.OPEN, LineStatus.ALLOCATED, LineStatus.BACKORDERED})


@dataclass(frozen=True, slots=True)
class NewLine:
    line_id: str
    sku: str
    quantity: int
    unit_price: Money
    delivery: Delivery | None = None
    ship_from: str | None = None


@dataclass(slots=True)
class OrderLine:
    line_id: str
    sku: str
    quantity: int
    unit_price: Money
    delivery: Delivery
    ship_from: str | None = None
    status: LineStatus = LineStatus.OPEN
    cancelled_quantity: int = 0
    backordered_quantity: int = 0
    allocations: list[LineAllocation] = field(default_factory=list)
    held_quantity: int = 0  # waiting for the decision of task `hold_task_id`
    hold_task_id: str | None = None

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.cancelled_quantity

    @property
    def allocated_quantity(self) -> int:
        return sum(a.quantity for a in self.allocations)


@dataclass(slots=True)
class LineAllocation:
    """Part of a line that a fulfilment order serves."""

    fulfilment_order_id: str
    location_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class LineCancellation:
    line_id: str
    quantity: int


def status_after_sourcing(line: OrderLine) -> LineStatus:
    if line.allocated_quantity > 0:
        # Carried out at the till: in the customer's hands already.
        return LineStatus.COLLECTED if line.delivery.method is DeliveryMethod.CARRY_OUT else LineStatus.ALLOCATED
    if line.held_quantity > 0:
        return LineStatus.OPEN  # a team decides about it: not backordered (yet), not under way
    if line.backordered_quantity > 0:
        return LineStatus.BACKORDERED
    return line.status
