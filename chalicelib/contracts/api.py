"""The HTTP contract (../shared/API.md) as pydantic models.

Handlers parse requests with these and answer with them; `/openapi.json` is generated from them.
Unknown fields are refused; money is a decimal string, never a float.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, StringConstraints
from pydantic.alias_generators import to_camel

Id = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@/#+-]+$")]
Text = Annotated[str, StringConstraints(max_length=500)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
DecimalString = Annotated[str, StringConstraints(pattern=r"^-?\d{1,12}(\.\d{1,4})?$"), Field(examples=["19.95"])]
Quantity = Annotated[StrictInt, Field(gt=0, le=100_000)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class Money(Model):
    amount: DecimalString
    currency: Currency

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount)


class Address(Model):
    name: Text | None = None
    company: Text | None = None
    line1: Text
    line2: Text | None = None
    house_number: Text | None = None
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    city: Text
    region: Text | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class HomeDelivery(Model):
    method: Literal["home_delivery"]
    address: Address


class LocationDelivery(Model):
    method: Literal["click_and_collect", "pickup_point", "carry_out"]
    location_id: Id


Delivery = Annotated[HomeDelivery | LocationDelivery, Field(discriminator="method")]


class Customer(Model):
    id: Id
    email: Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    name: Text | None = None
    phone: Annotated[str, StringConstraints(max_length=32)] | None = None


class Payment(Model):
    status: Literal["authorized", "paid"]
    amount: Money


class OrderLineIn(Model):
    line_id: Id
    sku: Id
    quantity: Quantity
    unit_price: Money
    delivery: Delivery | None = None
    ship_from: Id | None = None


class CreateOrder(Model):
    """`POST /orders`."""

    channel: Id
    external_id: Id
    customer: Customer
    placed_at: AwareDatetime
    store_id: Id | None = None
    payment: Payment
    delivery: Delivery | None = None
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=500)]


class LineQuantity(Model):
    line_id: Id
    quantity: Quantity


class CancelLines(Model):
    """`POST /orders/{orderId}/cancellations`."""

    lines: Annotated[list[LineQuantity], Field(min_length=1, max_length=500)]
    reason: Text


class CreateToken(Model):
    """`POST /tokens`."""

    role: Annotated[str, StringConstraints(pattern=r"^(admin|ops|cs|(channel|store|dc):[A-Za-z0-9._-]{1,64})$")]
    description: Text | None = None


# ---- responses -------------------------------------------------------------------------------


class OrderLineOut(Model):
    line_id: str
    sku: str
    quantity: int
    cancelled_quantity: int
    unit_price: Money
    status: str
    delivery: dict[str, Any]
    ship_from: str | None = None


class FulfilmentOrderLine(Model):
    line_id: str
    sku: str
    quantity: int


class FulfilmentOrderOut(Model):
    fulfilment_order_id: str
    order_id: str
    location_id: str
    method: str
    destination: dict[str, Any]
    status: str
    version: int
    lines: list[FulfilmentOrderLine]


class RefundOut(Model):
    refund_id: str
    amount: Money
    status: str
    reason: str


class HistoryEntry(Model):
    at: str
    type: str
    actor: str
    detail: dict[str, Any]


class OrderOut(Model):
    order_id: str
    channel: str
    external_id: str
    customer: Customer
    placed_at: str
    store_id: str | None = None
    payment: Payment
    delivery: dict[str, Any] | None = None
    status: str
    version: int
    total: Money
    created_at: str
    updated_at: str
    lines: list[OrderLineOut]
    fulfilment_orders: list[FulfilmentOrderOut] = []
    returns: list[dict[str, Any]] = []
    refunds: list[RefundOut] = []
    history: list[HistoryEntry] = []


class OrderSummary(Model):
    order_id: str
    channel: str
    external_id: str
    customer_id: str
    placed_at: str
    status: str
    version: int
    total: Money
    store_id: str | None = None
    refunds: list[RefundOut] = []


class OrderPage(Model):
    items: list[OrderSummary]
    next_cursor: str | None = None


class TokenOut(Model):
    token: str
    role: str


class Health(Model):
    status: Literal["ok"]
    version: str
    time: datetime


class ProblemError(Model):
    loc: list[str | int]
    msg: str


class Problem(Model):
    """RFC 9457 problem details, as every error is answered."""

    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=True)

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ProblemError] = []
