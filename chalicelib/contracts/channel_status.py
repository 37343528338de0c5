"""A message on the channel-status queue (FIFO, one group per order): what to tell the platform that
sold an order. Written by the channel-updates consumer from the OMS's events, read by the connector."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.contracts.event_parts import MoneyDetail
from chalicelib.contracts.events import Tracking


class StatusLine(BaseModel):
    """Units of one of the order's lines this update is about: shipped, cancelled or returned."""

    model_config = ConfigDict(extra="forbid")
    lineId: str  # the platform's own line id (the canonical order keeps it)
    quantity: int
    # Cancelled and returned lines: what the OMS did to the line before this update's event (its units,
    # and how many events), so a retry, or what the platform did itself, moves no more than asked.
    unitsBefore: int = 0
    eventsBefore: int = 0


class StatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    eventId: str  # the OMS event it comes from: its FIFO deduplication id
    channelId: str
    orderId: str
    externalId: str  # the platform's order id
    # notice: a workflow's `notify_channel` (`reason`: its message, else the state it reached).
    status: Literal["shipped", "cancelled", "returned", "refunded", "notice"]
    fulfilmentOrderId: str | None = None
    # shipped: its units; cancelled: only these units (none: the whole order); returned: the units received.
    lines: list[StatusLine] = []
    tracking: Tracking | None = None
    reason: str | None = None
    amount: MoneyDetail | None = None  # a refund's
    refundId: str | None = None
    executor: Literal["payment", "till", "channel", "store_credit"] | None = None  # who pays the refund

    @property
    def group(self) -> str:
        """The FIFO message group: one per order, so its updates go out in the order they were queued."""
        return f"{self.channelId}.{self.orderId}"[:128]
