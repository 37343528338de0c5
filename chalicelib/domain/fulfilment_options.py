"""Before checkout: which delivery methods a cart can have, and which stores and points are offered.

Pure: the caller brings the customer's position, the network, the availability summaries and the
live click & collect rules. The answer is a promise to show, not a reservation: sourcing, with
its conditional writes, has the last word when the order comes in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.network import Capability, Geo, Location, LocationType

SHIPS_FROM = frozenset({LocationType.DC, LocationType.EXTERNAL_DC, LocationType.STORE})


class CollectRules(Protocol):
    """The `clickAndCollect` section (chalicelib.contracts.config.ClickAndCollectConfig fits)."""

    @property
    def min_available(self) -> int: ...
    @property
    def max_stores(self) -> int: ...
    @property
    def exclude_size_classes(self) -> Sequence[str]: ...
    @property
    def max_distance_km(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class Nearby:
    location_id: str
    name: str
    distance_km: float  # rounded to 0.1 km


@dataclass(frozen=True, slots=True)
class Options:
    home_delivery: bool
    stores: list[Nearby]
    points: list[Nearby]


def fulfilment_options(
    customer: Geo,
    lines: Iterable[tuple[str, int]],
    locations: Iterable[Location],
    availability: Mapping[str, Mapping[str, int]],
    rules: CollectRules,
    *,
    cap: int,
) -> Options:
    """`availability` is sku -> location -> free stock, as the summaries give it: capped at `cap`.

    A capped figure means "at least `cap`", so every threshold is capped too: a line of 50 (or a
    minAvailable of 50) is satisfied by a summary showing the cap. Sourcing checks the real level.
    """
    wanted: dict[str, int] = {}
    for sku, quantity in lines:  # the same SKU on two lines needs both quantities
        wanted[sku] = wanted.get(sku, 0) + quantity
    network = list(locations)

    def has(location: Location, need: int) -> bool:
        return all(availability.get(sku, {}).get(location.location_id, 0) >= min(need, cap) for sku in wanted)

    home = all(
        any(
            loc.type in SHIPS_FROM
            and loc.can(Capability.SHIP)
            and availability.get(sku, {}).get(loc.location_id, 0) >= min(quantity, cap)
            for loc in network
        )
        for sku, quantity in wanted.items()
    )
    excluded = set(rules.exclude_size_classes)
    stores = _nearest(
        customer,
        (
            loc
            for loc in network
            if loc.type is LocationType.STORE
            and loc.can(Capability.COLLECT)
            and loc.size_class not in excluded
            and has(loc, rules.min_available)
        ),
        rules,
    )
    # Pick-up points are supplied from the DC like a parcel: offered when home delivery is possible,
    # with the same count and distance limits as stores.
    points = (
        _nearest(
            customer,
            (loc for loc in network if loc.type is LocationType.PICKUP_POINT and loc.can(Capability.COLLECT)),
            rules,
        )
        if home
        else []
    )
    return Options(home_delivery=home, stores=stores, points=points)


def _nearest(customer: Geo, candidates: Iterable[Location], rules: CollectRules) -> list[Nearby]:
    ranked = sorted(
        ((customer.distance_km(loc.geo), loc) for loc in candidates), key=lambda d: (d[0], d[1].location_id)
    )
    limit = rules.max_distance_km
    return [
        Nearby(loc.location_id, loc.name, round(distance, 1))
        for distance, loc in ranked
        if limit is None or distance <= limit
    ][: rules.max_stores]
