"""The fulfilment network: DCs, drop-ship partners, stores and pick-up points, and where they are."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import Invalid


class LocationType(StrEnum):
    DC = "dc"
    EXTERNAL_DC = "external_dc"
    STORE = "store"
    PICKUP_POINT = "pickup_point"


class Capability(StrEnum):
    SHIP = "ship"
    COLLECT = "collect"
    CARRY_OUT = "carry_out"
    RETURN = "return"
    RESERVE = "reserve"


@dataclass(frozen=True, slots=True)
class Geo:
    lat: float
    lon: float

    def distance_km(self, other: Geo) -> float:
        """Great-circle distance (haversine): close enough for choosing a nearby location."""
        r = 6371.0088
        p1, p2 = math.radians(self.lat), math.radians(other.lat)
        dp, dl = p2 - p1, math.radians(other.lon - self.lon)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * r * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class Partner:
    """Where a drop-ship partner (an external DC) takes its fulfilment orders: signed POSTs to `url`,
    the key in Secrets Manager (chalicelib/adapters/secrets.py), never here."""

    url: str


@dataclass(frozen=True, slots=True)
class Location:
    location_id: str
    name: str
    type: LocationType
    geo: Geo
    capabilities: frozenset[Capability]
    active: bool = True
    size_class: str | None = None
    daily_capacity: int | None = None  # fulfilment orders a day; stores are not warehouses
    groups: frozenset[str] = frozenset()
    priority: int = 0  # higher first when all else is equal
    address: dict[str, Any] = field(default_factory=dict)
    partner: Partner | None = None  # external DCs only; without one, the partner reads its work queue

    def __post_init__(self) -> None:
        if self.partner is not None and self.type is not LocationType.EXTERNAL_DC:
            raise Invalid(
                f"location {self.location_id} is a {self.type.value}: only an external_dc has a partner",
                errors=[{"loc": ["body", "partner"], "msg": "only for type external_dc"}],
            )

    @property
    def key(self) -> str:
        return self.location_id

    def can(self, capability: Capability) -> bool:
        return self.active and capability in self.capabilities


@dataclass(frozen=True, slots=True)
class Rate:
    """A platform's usage plan for some calls: tokens refilled a second, and how many a bucket holds
    (a burst of calls)."""

    per_second: Decimal
    burst: int

    @classmethod
    def per_minute(cls, calls: int) -> Rate:
        """`calls` a minute, a minute's worth at once."""
        return cls(Decimal(calls) / 60, calls)


@dataclass(frozen=True, slots=True)
class Channel:
    """A sales channel registered by an admin (the native ones need no registration)."""

    channel_id: str
    type: str
    name: str | None = None
    active: bool = True
    has_secret: bool = False  # whether Secrets Manager holds its signing secret; never the value
    has_credentials: bool = False  # whether it holds the platform's API credentials
    api_base_url: str | None = None  # the platform's API (fetching orders, pushing status); None: its default
    currency: str | None = None  # for platforms whose orders carry none
    auth_url: str | None = None  # the platform's OAuth2 token endpoint (bol); None: its default
    # The platform's location ids (a Shopify pick-up location, a marketplace's warehouse) -> ours.
    location_map: Mapping[str, str] = field(default_factory=dict)
    # Our SKU -> the platform's listing of it, where the platform is told stock by listing (bol's offer
    # id). A channel with listings is told the stock of those SKUs only.
    listings: Mapping[str, str] = field(default_factory=dict)
    poll_every_seconds: int | None = None  # a polled channel's least time between two runs; None: every run
    poll_rate: Rate | None = None  # its poll calls' usage plan; None: its platform's default

    @property
    def key(self) -> str:
        return self.channel_id


V = TypeVar("V", Location, Channel)


@dataclass(slots=True)
class Registered(Aggregate, Generic[V]):
    """A location or a channel as registered: replaced whole by each PUT, versioned, announced."""

    value: V

    @property
    def identity(self) -> str:
        return self.value.key

    def replace(self, value: V, *, actor: str, at: str) -> None:
        if value.key != self.value.key:
            raise ValueError(f"{value.key} cannot replace {self.value.key}")
        self.value = value
        kind = type(value).__name__
        self._record(f"{kind}Changed", actor, at, **{f"{kind.lower()}Id": value.key, "active": value.active})


NATIVE_CHANNELS = frozenset({"webshop", "app", "store", "cs"})


@dataclass(frozen=True)
class Network:
    """Every location and registered channel, as sourcing and intake read them."""

    locations: dict[str, Location]
    channels: dict[str, Channel]

    def location(self, location_id: str) -> Location:
        found = self.locations.get(location_id)
        if found is None:
            raise Invalid(f"unknown location {location_id!r}", errors=[{"loc": ["locationId"], "msg": "unknown"}])
        return found

    def channel_active(self, channel_id: str) -> bool:
        channel = self.channels.get(channel_id)
        if channel is not None:
            return channel.active
        return channel_id in NATIVE_CHANNELS
