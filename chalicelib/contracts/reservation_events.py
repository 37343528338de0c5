"""Published event contracts of store reservations (part of `events.EVENT_MODELS`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from chalicelib.contracts.event_parts import EventDetail


class ReservationLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str
    quantity: int


class ReservationEvent(EventDetail):
    """A reservation of a store's stock changed; `lines` are what it holds (or held) at `locationId`."""

    reservationId: str
    locationId: str
    lines: list[ReservationLine]


class ReservationCreated(ReservationEvent):
    customerId: str
    expiresAt: str


class ReservationCompleted(ReservationEvent):
    """Bought at the till: the hold became the carry-out order `orderId`."""

    orderId: str


class ReservationCancelled(ReservationEvent):
    reason: str | None = None


class ReservationExpired(ReservationEvent):
    expiresAt: str
