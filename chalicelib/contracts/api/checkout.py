"""Before checkout: which fulfilment options a cart has."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.contracts.api.base import Id, Model, Quantity
from chalicelib.contracts.api.network import GeoPoint

# ---- before checkout ---------------------------------------------------------------------------


class CartLine(Model):
    sku: Id
    quantity: Quantity


class GeoCustomer(Model):
    geo: GeoPoint


class PostalCustomer(Model):
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class FulfilmentOptionsRequest(Model):
    """`POST /fulfilment-options`. Without `customer`, the CloudFront viewer headers locate the caller."""

    channel: Id
    # At most 100 SKUs: the cart's availability is one BatchGetItem.
    lines: Annotated[list[CartLine], Field(min_length=1, max_length=100)]
    customer: GeoCustomer | PostalCustomer | None = None


class NearbyLocation(Model):
    location_id: str
    name: str
    distance_km: float


class HomeDeliveryOption(Model):
    method: Literal["home_delivery"]
    available: bool


class ClickAndCollectOption(Model):
    method: Literal["click_and_collect"]
    stores: list[NearbyLocation] = Field(description="nearest first, by the live clickAndCollect rules")


class PickupPointOption(Model):
    method: Literal["pickup_point"]
    points: list[NearbyLocation] = Field(description="nearest first; empty when home delivery is not available")


class FulfilmentOptionsOut(Model):
    options: list[
        Annotated[HomeDeliveryOption | ClickAndCollectOption | PickupPointOption, Field(discriminator="method")]
    ]
    located_by: Literal["geo", "postalCode", "viewer"] = Field(
        description="how the customer was placed: their position, their postal code's area, or CloudFront's"
    )
