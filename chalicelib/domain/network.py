"""The fulfilment network: DCs, drop-ship partners, stores and pick-up points, and where they are."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


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

    def can(self, capability: Capability) -> bool:
        return self.active and capability in self.capabilities


NATIVE_CHANNELS = frozenset({"webshop", "app", "store", "cs"})
