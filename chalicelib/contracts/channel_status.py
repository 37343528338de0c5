"""A message on the channel-status queue (FIFO, one group per order): what to tell the platform that
sold an order. Written by the channel-updates consumer from the OMS's events, read by the connector."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.contracts.event_parts import MoneyDetail
from chalicelib.contracts.events import Tracking


class ShippedLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lineId: str  # the platform's own line id (the canonical order keeps it)
    quantity: int


class StatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    eventId: str  # the OMS event it comes from: its FIFO deduplication id
    channelId: str
    orderId: str
    externalId: str  # the platform's order id
    status: Literal["shipped", "cancelled", "refunded"]
    fulfilmentOrderId: str | None = None
    lines: list[ShippedLine] = []
    tracking: Tracking | None = None
    reason: str | None = None
    amount: MoneyDetail | None = None  # a refund's

    @property
    def group(self) -> str:
        """The FIFO message group: one per order, so its updates go out in the order they were queued."""
        return f"{self.channelId}.{self.orderId}"[:128]
