"""What sourcing takes (demands, a snapshot of the network and its stock) and gives (a plan)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from chalicelib.domain.delivery import DeliveryMethod
from chalicelib.domain.network import Geo, Location


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a shipment goes: a location (store, pick-up point) or a customer's address."""

    key: str
    location_id: str | None = None
    geo: Geo | None = None


@dataclass(frozen=True, slots=True)
class LineUnits:
    """`quantity` units of `sku` on the order's line `line_id`."""

    line_id: str
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Demand(LineUnits):
    """Units to source, and where and how they go."""

    method: DeliveryMethod
    destination: Destination
    ship_from: str | None = None


@dataclass(frozen=True, slots=True)
class Allocation(LineUnits):
    """Units a shipment takes from its source."""


@dataclass(frozen=True, slots=True)
class Shipment:
    source: str
    destination: Destination
    method: DeliveryMethod
    allocations: tuple[Allocation, ...]
    rule: str


@dataclass(frozen=True, slots=True)
class Backorder(LineUnits):
    """Units no location can serve now: they wait for stock."""

    reason: str


@dataclass(frozen=True, slots=True)
class Hold(LineUnits):
    """Units no location could serve under a rule that holds them for `team` instead of backordering."""

    team: str
    reason: str
    rule: str


@dataclass(frozen=True, slots=True)
class Plan:
    shipments: tuple[Shipment, ...]
    backorders: tuple[Backorder, ...]
    holds: tuple[Hold, ...] = ()

    def allocated(self, line_id: str) -> int:
        return sum(a.quantity for s in self.shipments for a in s.allocations if a.line_id == line_id)

    def backordered(self, line_id: str) -> int:
        return sum(b.quantity for b in self.backorders if b.line_id == line_id)

    def held(self, line_id: str) -> int:
        return sum(h.quantity for h in self.holds if h.line_id == line_id)


@dataclass
class Snapshot:
    """What sourcing may use: the network, units per (SKU, location), fulfilment orders left today."""

    locations: Mapping[str, Location]
    available: dict[str, dict[str, int]]  # sku -> location -> units; consumed as the plan grows
    capacity_left: dict[str, int] = field(default_factory=dict)  # absent: no daily limit

    def units(self, sku: str, location_id: str) -> int:
        return self.available.get(sku, {}).get(location_id, 0)

    def take(self, sku: str, location_id: str, quantity: int) -> None:
        self.available.setdefault(sku, {})[location_id] = self.units(sku, location_id) - quantity

    def has_capacity(self, location_id: str) -> bool:
        return self.capacity_left.get(location_id, 1) > 0

    def use_capacity(self, location_id: str) -> None:
        if location_id in self.capacity_left:
            self.capacity_left[location_id] -= 1
