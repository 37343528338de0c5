"""An order's lines: what was sold, and how much of each line is allocated, backordered, held
or cancelled; and each line's ledger: what was paid for it and what became of its units since."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.delivery import Delivery, DeliveryMethod
from chalicelib.domain.money import Money
from chalicelib.domain.orders.ledger import Discount, cents


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
    discounts: tuple[Discount, ...] = ()
    tax_rate: Decimal | None = None  # VAT included in the price, in percent


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
    # The ledger. Absent on lines stored before it: no discounts, nothing returned; refunds are the
    # mapper's to work out.
    discounts: tuple[Discount, ...] = ()
    order_discount: Decimal = Decimal("0.00")  # its share of the order's discounts
    tax_rate: Decimal | None = None
    return_requested_quantity: int = 0
    returned_quantity: int = 0
    written_off_quantity: int = 0  # refunded on a claim, never coming back
    refunded_quantity: int = 0  # units refunded, in turn (the last takes the rounding remainder)
    refunded: Decimal = Decimal("0.00")  # for its goods, before fees

    @property
    def paid(self) -> Decimal:
        """What the customer paid for the whole line, after its own and its share of the order's discounts."""
        own = sum((d.amount.amount for d in self.discounts), Decimal(0))
        return cents(self.unit_price.amount * self.quantity) - cents(own) - self.order_discount

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.cancelled_quantity

    @property
    def allocated_quantity(self) -> int:
        return sum(a.quantity for a in self.allocations)

    @property
    def unsourced_quantity(self) -> int:
        """Open units neither allocated, backordered nor held: sourcing has yet to place them."""
        return self.open_quantity - self.allocated_quantity - self.backordered_quantity - self.held_quantity


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


def effective_delivery(line: NewLine, order_delivery: Delivery | None, store_id: str | None) -> Delivery:
    """How a new line is delivered: its own way, else the order's, else carried out at the till."""
    chosen = line.delivery or order_delivery
    if chosen is not None:
        return chosen
    # Sold at the till with no delivery named: the customer takes it along.
    assert store_id is not None  # check_new_lines guarantees it
    return Delivery(DeliveryMethod.CARRY_OUT, location_id=store_id)
