"""Tokens, locations, stock and channels."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, Secret, StrictInt, StringConstraints, model_validator

from chalicelib.contracts.api.base import Address, Currency, Id, Model, Text
from chalicelib.domain.ids import PRINTABLE_PATTERN


class CreateToken(Model):
    """`POST /tokens`."""

    role: Annotated[str, StringConstraints(pattern=r"^(admin|ops|cs|(channel|store|dc):[A-Za-z0-9._-]{1,64})$")]
    description: Text | None = None
    # The bounds must match auth.DEFAULT_DAYS and auth.MAX_DAYS (a test checks).
    expires_in_days: Annotated[StrictInt, Field(ge=1, le=365)] = 90


class GeoPoint(Model):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


LocationTypeName = Literal["dc", "external_dc", "store", "pickup_point"]
# Plain HTTP only to this machine: the local stack's and the tests' partners; nothing listens there in Lambda.
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _outbound_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.hostname or parts.username or parts.password:
        raise ValueError("must be an absolute URL with a host and no user or password")
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        raise ValueError("must be https (plain http only to 127.0.0.1 or localhost)")
    return url


SigningSecret = Secret[Annotated[str, StringConstraints(min_length=16, max_length=4096)]]


class PartnerIn(Model):
    """Where a drop-ship partner takes its fulfilment orders: signed JSON POSTs (see the README)."""

    url: Annotated[
        str,
        StringConstraints(max_length=2048, pattern=PRINTABLE_PATTERN),
        AfterValidator(_outbound_url),
        Field(
            description="https only (plain http to 127.0.0.1 or localhost); each fulfilment order is POSTed here",
            json_schema_extra={"format": "uri"},
        ),
    ]
    # The key its POSTs are signed with: kept in Secrets Manager, never returned. Left out or null:
    # the stored one is kept (a partner needs one: 422 when none is stored yet).
    secret: SigningSecret | None = Field(default=None, json_schema_extra={"writeOnly": True})


class PartnerOut(Model):
    url: str


CapabilityName = Literal["ship", "collect", "carry_out", "return", "reserve"]


class PutLocation(Model):
    """`PUT /locations/{locationId}`."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=PRINTABLE_PATTERN)]
    type: LocationTypeName
    geo: GeoPoint
    address: Address | None = None
    size_class: Literal["S", "M", "L"] | None = None
    capabilities: Annotated[list[CapabilityName], Field(max_length=5)] = []
    active: bool = True
    daily_capacity: Annotated[StrictInt, Field(ge=0, le=1_000_000)] | None = None
    groups: Annotated[list[Id], Field(max_length=20)] = []
    priority: Annotated[StrictInt, Field(ge=-1000, le=1000)] = 0
    partner: PartnerIn | None = None  # external_dc only


class PutStock(Model):
    """`PUT /inventory/{locationId}/{sku}`: an absolute count."""

    on_hand: Annotated[StrictInt, Field(ge=0, le=10_000_000)]
    safety_stock: Annotated[StrictInt, Field(ge=0, le=10_000_000)] | None = None


class StockFeedLine(Model):
    sku: Id
    quantity: Annotated[StrictInt, Field(ge=-10_000_000, le=10_000_000)]


class StockFeed(Model):
    """A message on the stock-feed queue: a warehouse's or till's counts (absolute) or movements (delta).

    `feedId` makes a redelivered or resent feed apply once."""

    feed_id: Id
    location_id: Id
    mode: Literal["absolute", "delta"]
    lines: Annotated[list[StockFeedLine], Field(min_length=1, max_length=500)]


# The keys each platform's API credentials need (API.md "Channels"); other types take none yet.
CREDENTIAL_KEYS: dict[str, tuple[str, ...]] = {
    "shopify": ("shopDomain", "accessToken"),
    "woocommerce": ("consumerKey", "consumerSecret"),
    "bol": ("clientId", "clientSecret"),
    "amazon": ("clientId", "clientSecret", "refreshToken", "marketplaceId"),
    "zalando": ("clientId", "clientSecret", "merchantId"),
    "magento": ("accessToken",),  # an Integration's access token (the shop's address is the apiBaseUrl)
}
# Keys a type also takes, beyond the contract's. Amazon's seller id names the listings (stock out) and
# tells two channels of one marketplace's notifications apart; without it the contract's four suffice.
# bol's retailer id tells whose a push notification is, where there is more than one bol channel.
OPTIONAL_CREDENTIAL_KEYS: dict[str, tuple[str, ...]] = {"amazon": ("sellerId",), "bol": ("retailerId",)}
CredentialValue = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=PRINTABLE_PATTERN)]
Credentials = Secret[
    Annotated[dict[Annotated[str, StringConstraints(max_length=64)], CredentialValue], Field(max_length=10)]
]


def _above_zero(value: str) -> str:
    if not Decimal(value):
        raise ValueError("must be above 0")
    return value


class PollRate(Model):
    """The usage plan the poller keeps for a channel account's calls: tokens a second (a decimal
    string, as Amazon's plans read: "0.0056") and how many calls may go at once."""

    per_second: Annotated[
        str,
        StringConstraints(pattern=r"^\d{1,3}(\.\d{1,6})?$"),
        AfterValidator(_above_zero),
        Field(examples=["0.0056"]),
    ]
    burst: Annotated[StrictInt, Field(ge=1, le=1000)]


class PutChannel(Model):
    """`PUT /channels/{channelId}`."""

    type: Literal["webshop", "app", "store", "cs", "shopify", "woocommerce", "bol", "amazon", "zalando", "magento"]
    name: Text | None = None
    active: bool = True
    # The webhook signing secret or API credentials (JSON) the marketplace gave: kept in Secrets
    # Manager, never returned (ChannelOut.hasSecret says whether there is one). Left out: unchanged;
    # null: removed.
    secret: SigningSecret | None = Field(default=None, json_schema_extra={"writeOnly": True})
    # The platform's API credentials (keys by type: CREDENTIAL_KEYS), for pushing status back: kept in
    # Secrets Manager apart from the secret, never returned (hasCredentials). Left out: unchanged; null: removed.
    credentials: Credentials | None = Field(default=None, json_schema_extra={"writeOnly": True})
    api_base_url: Annotated[str, AfterValidator(_outbound_url)] | None = Field(
        None, description="the platform's API address; left out: the platform's production address"
    )
    currency: Currency | None = Field(None, description="the orders' currency, for platforms whose orders carry none")
    auth_url: Annotated[str, AfterValidator(_outbound_url)] | None = Field(
        None, description="the platform's OAuth2 token address (bol); left out: the platform's own"
    )
    location_map: dict[Annotated[str, StringConstraints(min_length=1, max_length=128)], Id] = Field(
        {}, max_length=500, description="the platform's location ids (a Shopify pick-up location) -> ours"
    )
    listings: dict[Id, Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=PRINTABLE_PATTERN)]] = (
        Field(
            {},
            max_length=2000,
            description="our SKU -> the platform's listing of it (bol's offer id), for stock out; when set, only "
            "these SKUs' stock is pushed",
        )
    )
    poll_every_seconds: Annotated[StrictInt, Field(ge=60, le=86_400)] | None = Field(
        None, description="a polled marketplace's least seconds between two polls; left out: every scheduled poll"
    )
    poll_rate: PollRate | None = Field(
        None, description="the poller's calls' usage plan for this account; left out: the platform's default"
    )

    @model_validator(mode="after")
    def _credentials_fit_the_type(self) -> PutChannel:
        if self.credentials is None:
            return self
        wanted = CREDENTIAL_KEYS.get(self.type)
        if wanted is None:
            raise ValueError(f"channels of type {self.type} take no credentials")
        given = self.credentials.get_secret_value()
        optional = OPTIONAL_CREDENTIAL_KEYS.get(self.type, ())
        missing = [k for k in wanted if k not in given]
        unknown = [k for k in given if k not in wanted + optional]
        if missing or unknown:  # names keys only, never a value
            also = f" (optionally {', '.join(optional)})" if optional else ""
            raise ValueError(
                f"{self.type} credentials are {', '.join(wanted)}{also}; missing {missing}, unknown {unknown}"
            )
        return self


class TokenInfo(Model):
    """A token as `GET /tokens` shows it: never the token or its hash."""

    token_id: str
    role: str
    scope: str | None = None
    description: str | None = None
    created_at: datetime
    created_by: str | None = None
    expires_at: datetime


class TokenOut(TokenInfo):
    """The new token, shown this once."""

    token: str


class TokenPage(Model):
    items: list[TokenInfo]
    next_cursor: str | None = None


class LocationOut(Model):
    location_id: str
    name: str
    type: str
    geo: GeoPoint
    address: dict[str, Any] = {}
    size_class: str | None = None
    capabilities: list[str]
    active: bool
    daily_capacity: int | None = None
    groups: list[str] = []
    priority: int = 0
    partner: PartnerOut | None = None
    version: int


class LocationPage(Model):
    items: list[LocationOut]
    next_cursor: str | None = None


class StockOut(Model):
    location_id: str
    sku: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int
    version: int


class StockPage(Model):
    sku: str
    items: list[StockOut]
    next_cursor: str | None = None


class ChannelOut(Model):
    channel_id: str
    type: str
    name: str | None = None
    active: bool
    native: bool
    has_secret: bool
    has_credentials: bool = False
    api_base_url: str | None = None
    currency: str | None = None
    auth_url: str | None = None
    location_map: dict[str, str] = {}
    listings: dict[str, str] = {}
    poll_every_seconds: int | None = None
    poll_rate: PollRate | None = None
    version: int


class WebhookAnswer(Model):
    """`POST /webhooks/{channelId}`: accepted (kept and queued, or a repeat of what was), a ping
    answered, or a signed delivery of a topic the OMS does not take."""

    status: Literal["accepted", "ping", "ignored"]


class ChannelPage(Model):
    items: list[ChannelOut]
    next_cursor: str | None = None
