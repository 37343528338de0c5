"""Returns: what a return asked for would be, under the live return policy; a return, its events."""

from __future__ import annotations

from typing import Annotated, Literal, Protocol, TypeVar

from pydantic import Field, StringConstraints, model_validator

from chalicelib.contracts.api.base import Delivery, Id, Model, Money, Quantity, Text
from chalicelib.contracts.api.orders import PendingTimer, Tracking


class ReturnLineIn(Model):
    line_id: Id
    quantity: Quantity
    reason: Id = Field(description="a reason code of the `returns` section, e.g. changed_mind or defective")


class ReturnTo(Model):
    location_id: Id


class _HandedBack(Protocol):
    return_to: ReturnTo | None
    received_at: ReturnTo | None


_Handed = TypeVar("_Handed", bound=_HandedBack)


def _returned_one_place(asked: _Handed) -> _Handed:
    """A return (and an exchange's) names where its goods come back: one place, later or now."""
    if (asked.return_to is None) == (asked.received_at is None):
        raise ValueError("name returnTo (to be received later) or receivedAt (handed in now), one of them")
    return asked


class QuoteReturn(Model):
    """`POST /returns/quote`: what returning these lines there would refund now. Writes nothing."""

    order_id: Id
    lines: Annotated[list[ReturnLineIn], Field(min_length=1, max_length=100)]
    return_to: ReturnTo
    refund_method: Literal["original", "store_credit", "till"] = "original"


class LineRefundOut(Model):
    items: Money = Field(description="what its units were paid")
    fees: Money = Field(description="restocking, taken off")


class ReturnQuoteLine(Model):
    line_id: str
    sku: str
    quantity: int
    reason: str
    merchant_fault: bool
    returnable: bool
    not_returnable: str | None = Field(None, description="why not, when it is not")
    refund: LineRefundOut | None = Field(None, description="when it is returnable")


class RefundParts(Model):
    """items + shipping - fees = total, to the cent."""

    items: Money
    shipping: Money
    fees: Money = Field(description="restocking and return shipping; waived on the merchant's fault")
    total: Money


class ReturnQuoteOut(Model):
    order_id: str
    order_version: int
    returnable: bool = Field(description="every line asked for may come back")
    lines: list[ReturnQuoteLine]
    quote: RefundParts
    refund_method: str
    refund_timing: str = Field(description="when the refund is made: on_request, on_receipt or on_inspection")
    policy_version: int = Field(description="the `returns` section's version that answered (0: built-in)")


Disposition = Literal["restock", "damaged", "refurbish", "missing"]


class NewReturnLine(ReturnLineIn):
    disposition: Disposition = Field(
        "restock", description="handed in at a counter (`receivedAt`): what becomes of the units"
    )


class CreateReturn(Model):
    """`POST /orders/{orderId}/returns`: the live policy approves or declines it. `returnTo`: where the
    customer will bring or send it; `receivedAt` instead: handed in at that store's counter now."""

    lines: Annotated[list[NewReturnLine], Field(min_length=1, max_length=100)]
    return_to: ReturnTo | None = None
    received_at: ReturnTo | None = None
    refund_method: Literal["original", "store_credit", "till"] = "original"
    tracking: Tracking | None = Field(None, description="the label the customer already has (a marketplace's)")

    _one_place = model_validator(mode="after")(_returned_one_place)


class ReceivedLine(Model):
    line_id: Id
    quantity: Quantity
    disposition: Disposition = Field("restock", description="restock adds the units to the receiving location's stock")


class ReturnEventIn(Model):
    """`POST /returns/{returnId}/events`. `receive`: units handed in at `locationId` (a store or DC
    token: its own; else the return's destination), each line with its disposition (none named: every
    unit still expected, restocked); any location the policy allows, not only `returnTo`. `ship`: on
    its way (`tracking`). `inspect`: checked (the refund, when the policy refunds on inspection).
    `approve`, `decline`, `cancel`: as the return's workflow allows (409 naming what it allows)."""

    type: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    location_id: Id | None = None
    tracking: Tracking | None = None
    lines: Annotated[list[ReceivedLine], Field(max_length=100)] | None = None
    reason: Text | None = None


class ReturnLineOut(Model):
    line_id: str
    sku: str
    quantity: int
    reason: str
    merchant_fault: bool
    received_quantity: int
    refunded_quantity: int
    dispositions: dict[str, int] = Field(description="received units per disposition")


class ReturnExchange(Model):
    exchange_id: str
    credit: str = Field(description="up to this much of its value goes to the exchange's new items, not back as money")


class ReturnOut(Model):
    return_id: str
    order_id: str
    channel: str
    status: str = Field(description="the state of its workflow (built-in: requested, approved, ... completed)")
    category: str
    workflow: str
    workflow_version: int
    timers: list[PendingTimer] = []
    return_to: ReturnTo
    received_at: ReturnTo | None = None
    lines: list[ReturnLineOut]
    authorized: bool = Field(description="approved: its units were expected back on the order's ledger")
    reasons: list[str] | None = Field(None, description="why the policy declined it")
    refund_method: str
    refund_timing: str = Field(description="pinned when it was asked for: on_request, on_receipt or on_inspection")
    refund_ids: list[str] = Field(description="the order's refunds it made")
    tracking: dict[str, str] | None = None
    exchange: ReturnExchange | None = Field(None, description="the exchange this return is part of")
    created_by: str
    version: int
    created_at: str
    updated_at: str
    allowed_events: list[str] | None = None


class ReturnCreated(ReturnOut):
    quote: RefundParts = Field(description="what the approved lines refund under the policy when asked")
    policy_version: int


class ReturnPage(Model):
    items: list[ReturnOut]
    next_cursor: str | None = None


class NewItemIn(Model):
    sku: Id
    quantity: Quantity
    unit_price: Money | None = Field(
        None, description="the new item's price; left out: what a unit of a returned line of the same SKU was paid"
    )


class CreateExchange(Model):
    """`POST /orders/{orderId}/exchanges`: a return (approved by the live policy like any return) and a
    linked replacement order, in one transaction. `returnTo`: where the goods go back; `receivedAt`
    instead: handed in at that store's counter now, and the new items carried out there at once."""

    return_lines: Annotated[list[NewReturnLine], Field(min_length=1, max_length=100)]
    return_to: ReturnTo | None = None
    received_at: ReturnTo | None = None
    new_lines: Annotated[list[NewItemIn], Field(min_length=1, max_length=100)]
    delivery: Delivery | None = Field(None, description="of the replacement; left out: the original order's")
    ship_from: Id | None = Field(None, description="the location that sends the replacement (e.g. another store)")
    mode: Literal["advance", "on_receipt"] | None = Field(
        None, description="when the replacement is released; left out: the `returns` section's exchangeMode"
    )

    _one_place = model_validator(mode="after")(_returned_one_place)


class ExchangeEventIn(Model):
    """`POST /exchanges/{exchangeId}/events`. `paid`: the customer paid the price difference; the
    replacement is released when its mode allows (advance: now; on_receipt: once the return is in)."""

    type: Literal["paid"]


class ClaimLineIn(Model):
    line_id: Id
    quantity: Quantity
    kind: Literal["damaged", "missing", "wrong_item"]


class CreateClaim(Model):
    """`POST /orders/{orderId}/claims`: units the customer got damaged, never got or got wrong; nothing
    comes back. Only units sent to the customer and still theirs (not returned, expected back or claimed
    before) may be claimed (409 saying why). `refund`: refunded now through the one refund function (a
    marketplace refunds its own customer); `replace`: a linked order sends the same SKUs at no charge."""

    lines: Annotated[list[ClaimLineIn], Field(min_length=1, max_length=100)]
    resolution: Literal["refund", "replace"]
    delivery: Delivery | None = Field(None, description="replace: of the replacement; left out: the order's")
