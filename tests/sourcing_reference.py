"""Yardsticks for the sourcing engine (tests and `make bench`): generated networks, the exact
optimum by brute force, and a naive first-fit baseline."""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from chalicelib.contracts.config import SourcingConfig, SourcingRule
from chalicelib.domain.delivery import DeliveryMethod
from chalicelib.domain.network import Capability, Geo, Location, LocationType
from chalicelib.domain.sourcing.engine import source
from chalicelib.domain.sourcing.plan import Demand, Destination, Plan, Snapshot
from chalicelib.service.config import sourcing_policy

HOME = Destination("home:1", geo=Geo(52.37, 4.89))
# Every generated location may serve; fewest shipments first, then the nearest.
ALL_LOCATIONS = sourcing_policy(
    SourcingConfig(
        rules=[SourcingRule(name="all", location_types=["dc", "store"], sort=["fewest_shipments", "distance"])]
    )
)
# Brute force stays in reach: at most this many locations, so at most this many holders.
BRUTE_FORCE_SIZE = 14


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


def cart(skus: Sequence[str], *, seed: int, max_quantity: int = 2, min_quantity: int = 1) -> list[Demand]:
    rng = random.Random(seed)
    return [
        Demand(str(i), sku, rng.randint(min_quantity, max_quantity), DeliveryMethod.HOME_DELIVERY, HOME)
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


def lower_bound_shipments(demands: Sequence[Demand], stock: Mapping[str, Mapping[str, int]]) -> int:
    """A cheap lower bound on the fewest locations, for networks beyond brute force: the largest of
    - per SKU, the fewest holders that reach that SKU's target alone;
    - the fewest locations whose best contributions (units of the target each can give) add up to it;
    - the fewest locations whose counts of target SKUs held add up to the number of SKUs;
    - 2 when no single location holds it all."""
    target = {sku: q for sku, q in servable(demands, stock).items() if q > 0}
    if not target:
        return 0
    bound = max(_fewest_to_reach([stock[sku][loc] for loc in stock[sku]], q) for sku, q in target.items())
    holders = {loc for sku in target for loc in stock[sku]}
    give = {loc: sum(min(q, stock[sku].get(loc, 0)) for sku, q in target.items()) for loc in holders}
    held = {loc: sum(1 for sku in target if stock[sku].get(loc, 0) > 0) for loc in holders}
    bound = max(bound, _fewest_to_reach(list(give.values()), sum(target.values())))
    bound = max(bound, _fewest_to_reach(list(held.values()), len(target)))
    if bound == 1 and not any(give[loc] == sum(target.values()) for loc in holders):
        bound = 2
    return bound


def _fewest_to_reach(amounts: list[int], total: int) -> int:
    reached = 0
    for count, amount in enumerate(sorted(amounts, reverse=True), start=1):
        reached += amount
        if reached >= total:
            return count
    raise AssertionError("the target is what all holders together have")


# ---- seeded samples (tests and `make bench` draw the same ones) ---------------------------------


@dataclass(frozen=True)
class Instance:
    locations: dict[str, Location]
    stock: dict[str, dict[str, int]]
    order: list[Demand]

    def plan(self) -> Plan:
        """The engine's plan under ALL_LOCATIONS, on a copy of the stock."""
        return source(self.order, Snapshot(self.locations, copy.deepcopy(self.stock)), ALL_LOCATIONS, channel="bench")


def instance(
    size: int, lines: int, *, seed: int, sparse: float = 0.3, max_quantity: int = 2, min_quantity: int = 1
) -> Instance:
    """A network of `size` locations and a cart of `lines` lines, one SKU each."""
    skus = [f"S{i:02d}" for i in range(lines)]
    locations, stock = network(size, skus, seed=seed, sparse=sparse)
    return Instance(locations, stock, cart(skus, seed=seed, max_quantity=max_quantity, min_quantity=min_quantity))


def small_instances(count: int, *, seed: int) -> Iterator[Instance]:
    """Within brute-force reach: 4-14 locations, 1-8 lines, sparse to dense, 1-4 units a line."""
    rng = random.Random(seed)
    for _ in range(count):
        yield instance(
            rng.randint(4, BRUTE_FORCE_SIZE),
            rng.randint(1, 8),
            seed=rng.randrange(2**31),
            sparse=rng.choice([0.2, 0.35, 0.5, 0.7]),
            max_quantity=rng.randint(1, 4),
        )


def split_prone_instances(
    count: int, *, seed: int, sizes: Sequence[int] = (100,), lines: Sequence[int] = (5, 10)
) -> Iterator[Instance]:
    """Few holders per SKU (`sparse` 0.15-0.3) and 2-4 units a line (1-6 held): lines often need splitting."""
    rng = random.Random(seed)
    for _ in range(count):
        yield instance(
            rng.choice(sizes),
            rng.choice(lines),
            seed=rng.randrange(2**31),
            sparse=rng.uniform(0.15, 0.3),
            min_quantity=2,
            max_quantity=4,
        )
