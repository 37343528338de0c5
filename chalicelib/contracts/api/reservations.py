"""Reservations: reserve online, buy in the store."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from chalicelib.contracts.api.base import Customer, Id, Model, Money, Payment, Quantity, Text

# ---- reservations ------------------------------------------------------------------------------


class ReservationLine(Model):
    sku: Id
    quantity: Quantity


class CreateReservation(Model):
    """`POST /reservations`: hold a store's stock for a customer who buys it there."""

    location_id: Id = Field(description="an active store with the `reserve` capability")
    lines: Annotated[list[ReservationLine], Field(min_length=1, max_length=50)]
    customer: Customer
    expires_at: AwareDatetime | None = Field(None, description="default 48 hours from now; at most 14 days ahead")


class SaleLine(Model):
    sku: Id
    quantity: Quantity | None = Field(None, description="default: every unit reserved; fewer go back to the shelf")
    unit_price: Money


class ReservationEventIn(Model):
    """`POST /reservations/{reservationId}/events`: `complete` at the till (with payment and a
    unit price per reserved SKU: it becomes a carry-out order) or `cancel`."""

    type: Literal["complete", "cancel"]
    payment: Payment | None = None
    lines: Annotated[list[SaleLine], Field(min_length=1, max_length=50)] | None = None
    reason: Text | None = None


class ReservationOut(Model):
    reservation_id: str
    status: Literal["active", "completed", "cancelled", "expired"]
    location_id: str
    lines: list[ReservationLine]
    customer: Customer
    expires_at: str
    version: int
    created_at: str
    updated_at: str
    order_id: str | None = Field(None, description="the carry-out order a completed reservation became")


class ReservationPage(Model):
    items: list[ReservationOut]
    next_cursor: str | None = None
