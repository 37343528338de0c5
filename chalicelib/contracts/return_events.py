"""Published event contracts of returns, exchanges and claims: each is its order's (the order
records it), and names the channel that sold it. Samples in tests/events/."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.contracts.event_parts import MoneyDetail, OrderEvent, StockRef, WorkflowMove


class ReturnEvent(OrderEvent):
    """A return of the order (`version` is the order's: the order records its returns' events);
    `channel` names the channel that sold it, to be told. `status`: the return's state after it."""

    returnId: str
    channel: str
    status: str


class ReturnLineRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lineId: str
    sku: str
    quantity: int
    reason: str


class ReturnAuthorized(ReturnEvent):
    """Approved by the live policy: its units are expected back at `returnTo`; `quote` is what they
    refund under it; the refund is made `refundTiming`."""

    returnTo: str
    lines: list[ReturnLineRef]
    quote: MoneyDetail
    refundTiming: str


class ReceivedLineRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lineId: str
    sku: str
    quantity: int
    disposition: Literal["restock", "damaged", "refurbish", "missing"]


class ReturnReceived(ReturnEvent):
    """Units handed in at `locationId`; `stock` is what the restocked ones added there."""

    locationId: str
    lines: list[ReceivedLineRef]
    stock: list[StockRef]


class ReturnUpdated(WorkflowMove, ReturnEvent):
    """Any other move of the return's workflow (`from` -> `to` on `event`): declined (with the
    policy's `reason`), in transit, inspected, completed, cancelled, expired."""


class ExchangeEvent(OrderEvent):
    """An exchange of the order's units (`version` is the original order's, which records it);
    `channel` names the channel that sold it."""

    exchangeId: str
    channel: str
    status: str


class ExchangeCreated(ExchangeEvent):
    """A return (`returnId`) and a replacement order (`replacementOrderId`) in one transaction;
    `priceDifference` positive is the customer's to pay, negative is refunded when the return's
    refund falls due. `receivedAt`: exchanged at that store's counter."""

    returnId: str
    replacementOrderId: str
    mode: Literal["advance", "on_receipt"]
    priceDifference: MoneyDetail
    receivedAt: str | None = None


class ExchangeCharged(ExchangeEvent):
    """An advance exchange whose return did not come back in time: `amount` (the returned units'
    value, which paid for the replacement) is the payment side's to charge."""

    replacementOrderId: str
    amount: MoneyDetail


class ExchangeCancelled(ExchangeEvent):
    """An exchange whose return was given up (`returnStatus`: cancelled, expired) before its replacement
    went: the replacement order (`replacementOrderId`) is cancelled, refunding only a difference the
    customer paid; what units received were worth is refunded on the original order."""

    replacementOrderId: str
    returnStatus: str


class ClaimLineRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lineId: str
    sku: str
    quantity: int
    kind: Literal["damaged", "missing", "wrong_item"]


class ClaimCreated(OrderEvent):
    """Units damaged, missing or wrong, written off with no goods coming back: refunded (`refundId`, when
    anything was left to refund) or replaced at no charge (`replacementOrderId`)."""

    claimId: str
    channel: str
    resolution: Literal["refund", "replace"]
    lines: list[ClaimLineRef]
    refundId: str | None = None
    replacementOrderId: str | None = None
