"""The parts every published event contract is made of (`events.py` has the contracts)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EventDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    eventId: str
    version: int
    occurredAt: str
    actor: str


class OrderEvent(EventDetail):
    orderId: str


class LineRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lineId: str
    sku: str | None = None
    quantity: int


class MoneyDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: str
    currency: str


class StockRef(BaseModel):
    """Units of one SKU at one location that an order reserved, took or gave back."""

    model_config = ConfigDict(extra="forbid")
    sku: str
    locationId: str
    quantity: int
