"""The fulfilment order: the work of one location for one destination, and where it stands."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.domain.delivery import DeliveryMethod


class FulfilmentStatus(StrEnum):
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


# Until it ships, a fulfilment order's lines may still be cancelled and its stock released.
BEFORE_SHIPPING = frozenset(
    {FulfilmentStatus.RELEASED, FulfilmentStatus.ACCEPTED, FulfilmentStatus.PICKED, FulfilmentStatus.PACKED}
)


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
    status: FulfilmentStatus
    lines: list[FulfilmentLine]
    created_at: str
    updated_at: str
    rule: str = ""
    version: int = 1
    tracking: dict[str, str] | None = None  # the carrier's, once shipped
    changed: bool = False  # to be written with the order's next save

    def line(self, line_id: str) -> FulfilmentLine | None:
        return next((ln for ln in self.lines if ln.line_id == line_id), None)
