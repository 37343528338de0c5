"""Yardsticks for the sourcing engine (tests and `make bench`): generated networks, the exact
optimum by brute force, and a naive first-fit baseline."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence

from chalicelib.domain.network import Capability, Geo, Location, LocationType
from chalicelib.domain.orders import DeliveryMethod
from chalicelib.domain.sourcing import Demand, Destination

HOME = Destination("home:1", geo=Geo(52.37, 4.89))


def network(
    size: int, skus: Sequence[str], *, seed: int, sparse: float = 0.3
) -> tuple[dict[str, Location], dict[str, dict[str, int]]]:
    """`size` shipping locations around the Netherlands; each holds a random few of `skus`.

    `sparse` is the chance a location stocks a SKU: low values make split-prone networks."""
    rng = random.Random(seed)
    locations = {}
    stock: dict[str, dict[str, int]] = {sku: {} for sku in skus}
    for i in range(size):
        loc_id = f"L{i:04d}"
        kind = LocationType.DC if i < max(1, size // 50) else LocationType.STORE
        locations[loc_id] = Location(
            loc_id,
            loc_id,
            kind,
            Geo(rng.uniform(50.8, 53.4), rng.uniform(3.4, 7.2)),
            frozenset({Capability.SHIP, Capability.COLLECT}),
            size_class=rng.choice(["S", "M", "L"]),
        )
        for sku in skus:
            if rng.random() < sparse:
                stock[sku][loc_id] = rng.randint(1, 6)
    return locations, stock


def cart(skus: Sequence[str], *, seed: int, max_quantity: int = 2) -> list[Demand]:
    rng = random.Random(seed)
    return [
        Demand(str(i), sku, rng.randint(1, max_quantity), DeliveryMethod.HOME_DELIVERY, HOME)
        for i, sku in enumerate(skus)
    ]


def servable(demands: Sequence[Demand], stock: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    need: dict[str, int] = {}
    for d in demands:
        need[d.sku] = need.get(d.sku, 0) + d.quantity
    return {sku: min(q, sum(stock.get(sku, {}).values())) for sku, q in need.items() if stock.get(sku)}


def optimum_shipments(demands: Sequence[Demand], stock: Mapping[str, Mapping[str, int]]) -> int:
    """The fewest locations that together hold all that can be served: brute force."""
    target = {sku: q for sku, q in servable(demands, stock).items() if q > 0}
    if not target:
        return 0
    holders = sorted({loc for sku in target for loc in stock[sku]})
    for size in range(1, len(holders) + 1):
        for combo in itertools.combinations(holders, size):
            if all(sum(stock[sku].get(loc, 0) for loc in combo) >= q for sku, q in target.items()):
                return size
    raise AssertionError("the target is what all holders together have")


def first_fit_shipments(demands: Sequence[Demand], stock: Mapping[str, Mapping[str, int]]) -> int:
    """The naive baseline: each line from the first location (by id) that has stock, splitting as needed."""
    left = {sku: dict(per) for sku, per in stock.items()}
    used: set[str] = set()
    for d in demands:
        want = d.quantity
        for loc in sorted(left.get(d.sku, {})):
            take = min(want, left[d.sku][loc])
            if take > 0:
                left[d.sku][loc] -= take
                used.add(loc)
                want -= take
            if want == 0:
                break
    return len(used)
