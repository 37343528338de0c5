"""The parts every published event contract is made of (`events.py` has the contracts)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EventDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    eventId: str
    version: int
    occurredAt: str
    actor: str


class OrderEvent(EventDetail):
    orderId: str


class WorkflowMove(BaseModel):
    """A workflow's move (`from` -> `to`, on `event`) and the `category` of the state it reached, with
    the `reason` given for it, if any. Listed first among a contract's bases, its fields come after theirs."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)
    from_: str = Field(alias="from")
    to: str
    event: str
    category: str
    reason: str | None = None


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
