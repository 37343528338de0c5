"""Shared types of the HTTP contract: ids, money, addresses, deliveries, customers, problems."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints
from pydantic.alias_generators import to_camel

from chalicelib.domain.ids import ID_PATTERN, PRINTABLE_PATTERN

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=500, pattern=PRINTABLE_PATTERN)]
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
