"""Returns: what a return asked for would be, under the live return policy."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from chalicelib.contracts.api.base import Id, Model, Money, Quantity


class ReturnLineIn(Model):
    line_id: Id
    quantity: Quantity
    reason: Id = Field(description="a reason code of the `returns` section, e.g. changed_mind or defective")


class ReturnTo(Model):
    location_id: Id


class QuoteReturn(Model):
    """`POST /returns/quote`: what returning these lines there would refund now. Writes nothing."""

    order_id: Id
    lines: Annotated[list[ReturnLineIn], Field(min_length=1, max_length=100)]
    return_to: ReturnTo
    refund_method: Literal["original", "store_credit"] = "original"


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
