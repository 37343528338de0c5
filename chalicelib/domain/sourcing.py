"""Sourcing: where each order line comes from. Pure and deterministic: demands + network snapshot
+ rules -> a plan of shipments (one per source location and destination), backorders and holds.

Each line's quantity ends up allocated, backordered or held (for a team to decide: a rule with
`onNoMatch: hold`), exactly once. Within a rule, the plan
serves as many units as the allowed locations can, from as few locations as possible (exactly,
by branch and bound, for orders of ordinary size; greedily past a search budget), then by the
rule's other criteria (distance to the destination, location priority, stock balance).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chalicelib.domain.delivery import DeliveryMethod
from chalicelib.domain.network import Capability, Geo, Location, LocationType

if TYPE_CHECKING:
    from chalicelib.contracts.config import SourcingConfig, SourcingRule

# Nodes the exact search may visit per destination before it settles for the greedy answer.
SEARCH_BUDGET = 20_000
# Per SKU, how many of the best-stocked candidates the multi-location search considers.
CANDIDATES_PER_SKU = 8


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a shipment goes: a location (store, pick-up point) or a customer's address."""

    key: str
    location_id: str | None = None
    geo: Geo | None = None


@dataclass(frozen=True, slots=True)
class Demand:
    line_id: str
    sku: str
    quantity: int
    method: DeliveryMethod
    destination: Destination
    ship_from: str | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    line_id: str
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Shipment:
    source: str
    destination: Destination
    method: DeliveryMethod
    allocations: tuple[Allocation, ...]
    rule: str


@dataclass(frozen=True, slots=True)
class Backorder:
    line_id: str
    sku: str
    quantity: int
    reason: str


@dataclass(frozen=True, slots=True)
class Hold:
    """Units no location could serve under a rule that holds them for `team` instead of backordering."""

    line_id: str
    sku: str
    quantity: int
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


NO_MATCH = "no location can serve it under the sourcing rules"


def source(
    demands: Sequence[Demand], snapshot: Snapshot, config: SourcingConfig, *, channel: str, hold: bool = True
) -> Plan:
    """The plan for an order's lines. `snapshot.available` is consumed (callers pass a copy).

    With `hold=False` (units a team already decided to source again) a rule that would hold what is
    left backorders it instead: nothing is held twice."""
    builder = _PlanBuilder()
    open_lines: list[_Need] = []
    for demand in demands:
        if demand.method is DeliveryMethod.CARRY_OUT:
            # Taken along at the till: it is in the customer's hands, whatever the count says.
            assert demand.destination.location_id is not None
            builder.ship(demand.destination.location_id, demand, demand.quantity, "carry-out")
        elif demand.ship_from is not None:
            _source_pinned(demand, snapshot, builder)
        elif (
            demand.method is DeliveryMethod.CLICK_AND_COLLECT
            and config.collect_from_store_stock
            and _from_shelf(demand, snapshot)
        ):
            store = demand.destination.location_id
            assert store is not None
            snapshot.take(demand.sku, store, demand.quantity)
            builder.ship(store, demand, demand.quantity, "collect from the store's own stock")
        else:
            open_lines.append(_Need(demand, demand.quantity))

    groups: dict[tuple[str, DeliveryMethod], list[_Need]] = {}
    for need in open_lines:
        groups.setdefault((need.demand.destination.key, need.demand.method), []).append(need)
    for (_, method), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1].value)):
        needs = group
        for rule in config.rules:
            if not _applies(rule, method, channel):
                continue
            needs = _apply_rule(rule, needs, snapshot, builder)
            if needs and rule.on_no_match == "hold" and hold:
                assert rule.hold_team is not None  # the config's validator guarantees it
                for need in needs:
                    builder.hold(
                        need.demand, need.left, rule.hold_team, f"{NO_MATCH}: held for {rule.hold_team}", rule.name
                    )
                needs = []
            if not needs or rule.on_no_match != "next_rule":
                break
        for need in needs:
            builder.backorder(need.demand, need.left, NO_MATCH)
    return builder.plan()


# ---- one rule on one destination's lines --------------------------------------------------------


@dataclass
class _Need:
    demand: Demand
    left: int


def _apply_rule(rule: SourcingRule, needs: list[_Need], snapshot: Snapshot, builder: _PlanBuilder) -> list[_Need]:
    """Serve what this rule can; return what is left for the next rule."""
    destination = needs[0].demand.destination
    # Only locations holding some of the cart matter: walk the stock, not the whole network.
    usable: dict[tuple[str, str], int] = {}
    allowed: dict[str, bool] = {}
    for sku in {n.demand.sku for n in needs}:
        for loc_id, units in snapshot.available.get(sku, {}).items():
            can_use = _usable(rule, units)
            if can_use <= 0:
                continue
            if loc_id not in allowed:
                location = snapshot.locations.get(loc_id)
                allowed[loc_id] = location is not None and _allowed(rule, location, destination, snapshot)
            if allowed[loc_id]:
                usable[(sku, loc_id)] = can_use
    if not usable:
        return needs
    stocked_at = [snapshot.locations[loc_id] for loc_id in {loc_id for _, loc_id in usable}]
    ranked = sorted(stocked_at, key=lambda loc: _rank(rule, loc, destination, needs, usable))
    # With fewest_shipments the lines come from the chosen cover only; otherwise by rank.
    chosen = (
        _fewest_locations(rule, needs, ranked, usable)
        if "fewest_shipments" in rule.sort
        else [loc.location_id for loc in ranked]
    )
    rest: list[_Need] = []
    order = {loc_id: i for i, loc_id in enumerate(chosen)}
    used: set[str] = set()
    for need in needs:
        sku = need.demand.sku
        holders = sorted((loc for loc in chosen if usable.get((sku, loc), 0) > 0), key=order.__getitem__)
        # A whole line from one location when one has it (no needless split), else fill in rank order.
        whole = next((loc for loc in holders if usable[(sku, loc)] >= need.left), None)
        sources = [whole] if whole is not None else (holders if rule.allow_split else [])
        for loc in sources:
            if rule.max_shipments is not None and loc not in used and len(used) >= rule.max_shipments:
                continue
            take = min(need.left, usable[(sku, loc)])
            if take <= 0:
                continue
            usable[(sku, loc)] -= take
            snapshot.take(sku, loc, take)
            builder.ship(loc, need.demand, take, rule.name)
            used.add(loc)
            need.left -= take
            if need.left == 0:
                break
        if need.left:
            rest.append(need)
    for loc in used:
        snapshot.use_capacity(loc)
    return rest


def _fewest_locations(
    rule: SourcingRule, needs: list[_Need], ranked: list[Location], usable: Mapping[tuple[str, str], int]
) -> list[str]:
    """The fewest locations that serve all that can be served (ties: the best ranks), best first."""
    need_by_sku: dict[str, int] = {}
    for n in needs:
        need_by_sku[n.demand.sku] = need_by_sku.get(n.demand.sku, 0) + n.left
    rank = {loc.location_id: i for i, loc in enumerate(ranked)}
    ids = [loc.location_id for loc in ranked]
    if not rule.allow_split:
        return _whole_lines_cover(needs, ids, rank, usable)
    # What all candidates together can give is the target; the rest waits for the next rule.
    target = {sku: min(q, sum(usable.get((sku, loc), 0) for loc in ids)) for sku, q in need_by_sku.items()}
    target = {sku: q for sku, q in target.items() if q > 0}
    if not target:
        return []
    # One location serving everything: a scan, whatever the network's size.
    for loc in ids:
        if all(usable.get((sku, loc), 0) >= q for sku, q in target.items()):
            return [loc]
    # Several: greedy over every holder, then an exact search among a shortlist (the best-stocked
    # few per SKU, and the locations that hold the most of the cart's SKUs) when it can finish.
    best = _greedy_cover(target, ids, rank, usable)
    breadth = {loc: sum(1 for sku in target if usable.get((sku, loc), 0) > 0) for loc in ids}
    pool = set(sorted(ids, key=lambda loc: (-breadth[loc], rank[loc]))[: 2 * CANDIDATES_PER_SKU])
    for sku in target:
        stocked = sorted((-usable[(sku, loc)], rank[loc], loc) for loc in ids if usable.get((sku, loc), 0) > 0)
        pool.update(loc for _, _, loc in stocked[:CANDIDATES_PER_SKU])
    shortlist = sorted(pool, key=rank.__getitem__)
    combinations = sum(math.comb(len(shortlist), k) for k in range(1, len(best)))
    exact = _exact_cover(target, shortlist, rank, usable, len(best)) if combinations <= SEARCH_BUDGET else None
    return sorted(exact if exact is not None else best, key=rank.__getitem__)


def _covers(chosen: Iterable[str], target: Mapping[str, int], usable: Mapping[tuple[str, str], int]) -> bool:
    chosen = list(chosen)
    return all(sum(usable.get((sku, loc), 0) for loc in chosen) >= q for sku, q in target.items())


def _greedy_cover(
    target: Mapping[str, int], pool: list[str], rank: Mapping[str, int], usable: Mapping[tuple[str, str], int]
) -> list[str]:
    held: dict[str, list[tuple[str, int]]] = {}
    for (sku, loc), units in usable.items():
        if sku in target:
            held.setdefault(loc, []).append((sku, units))
    left = dict(target)
    chosen: list[str] = []
    while any(v > 0 for v in left.values()):
        gains = (
            (sum(min(left[sku], units) for sku, units in held.get(loc, ())), -rank[loc], loc)
            for loc in pool
            if loc not in chosen
        )
        gain, _, loc = max(gains, default=(0, 0, ""))
        if gain <= 0:
            break
        chosen.append(loc)
        left = {sku: max(0, q - usable.get((sku, loc), 0)) for sku, q in left.items()}
    return chosen


def _exact_cover(
    target: Mapping[str, int],
    pool: list[str],
    rank: Mapping[str, int],
    usable: Mapping[tuple[str, str], int],
    upper: int,
) -> list[str] | None:
    """The smallest set that covers the target, with the best ranks among equals (smallest rank sum:
    for a distance-first rule, the nearest); None when the budget runs out first."""
    budget = SEARCH_BUDGET
    for size in range(1, upper):
        found: tuple[int, list[str]] | None = None
        for combo in itertools.combinations(pool, size):
            budget -= 1
            if budget < 0:
                return found[1] if found else None
            if _covers(combo, target, usable):
                cost = sum(rank[loc] for loc in combo)
                if found is None or cost < found[0]:
                    found = (cost, list(combo))
        if found is not None:
            return found[1]
    return None


def _whole_lines_cover(
    needs: list[_Need], ids: list[str], rank: Mapping[str, int], usable: Mapping[tuple[str, str], int]
) -> list[str]:
    """No splitting: each line from one location. Greedy: the location serving most lines first."""
    left = list(needs)
    chosen: list[str] = []
    stock = dict(usable)
    while left:
        best: tuple[int, int, str] | None = None
        for loc in ids:
            if loc in chosen:
                continue
            served = _whole_lines_served(left, loc, stock)
            if served and (best is None or (served, -rank[loc]) > best[:2]):
                best = (served, -rank[loc], loc)
        if best is None:
            break
        loc = best[2]
        chosen.append(loc)
        remaining = []
        for n in left:
            key = (n.demand.sku, loc)
            if stock.get(key, 0) >= n.left:
                stock[key] -= n.left
            else:
                remaining.append(n)
        left = remaining
    return chosen


def _whole_lines_served(needs: list[_Need], loc: str, stock: Mapping[tuple[str, str], int]) -> int:
    left = dict(stock)
    served = 0
    for n in needs:
        key = (n.demand.sku, loc)
        if left.get(key, 0) >= n.left:
            left[key] -= n.left
            served += 1
    return served


# ---- filters and ranking ------------------------------------------------------------------------


def _applies(rule: SourcingRule, method: DeliveryMethod, channel: str) -> bool:
    return (not rule.when.methods or method.value in rule.when.methods) and (
        not rule.when.channels or channel in rule.when.channels
    )


def _allowed(rule: SourcingRule, loc: Location, destination: Destination, snapshot: Snapshot) -> bool:
    if not loc.can(Capability.SHIP) or loc.type.value not in rule.location_types:
        return False
    if loc.location_id == destination.location_id and loc.type is LocationType.STORE:
        return False  # the store's own shelf is decided before the rules
    if rule.include_groups and not loc.groups & set(rule.include_groups):
        return False
    if loc.groups & set(rule.exclude_groups) or (loc.size_class in rule.exclude_size_classes):
        return False
    limit, there = rule.max_distance_km, destination.geo
    if limit is not None and there is not None and loc.geo.distance_km(there) > limit:
        return False
    return not (rule.respect_daily_capacity and not snapshot.has_capacity(loc.location_id))


def _usable(rule: SourcingRule, units: int) -> int:
    if units < max(1, rule.min_stock_at_location):
        return 0
    return max(0, units - rule.safety_stock)


def _rank(
    rule: SourcingRule,
    loc: Location,
    destination: Destination,
    needs: list[_Need],
    usable: Mapping[tuple[str, str], int],
) -> tuple[float | str, ...]:
    key: list[float | str] = []
    for criterion in rule.sort:
        if criterion == "distance":
            key.append(round(loc.geo.distance_km(destination.geo), 3) if destination.geo else 0.0)
        elif criterion == "priority":
            key.append(-loc.priority)
        elif criterion == "stock_balance":
            key.append(-sum(usable.get((n.demand.sku, loc.location_id), 0) for n in needs))
    key.append(loc.location_id)  # deterministic, whatever else ties
    return tuple(key)


def _from_shelf(demand: Demand, snapshot: Snapshot) -> bool:
    store = demand.destination.location_id
    loc = snapshot.locations.get(store or "")
    return (
        loc is not None
        and loc.can(Capability.COLLECT)
        and snapshot.units(demand.sku, loc.location_id) >= (demand.quantity)
    )


def _source_pinned(demand: Demand, snapshot: Snapshot, builder: _PlanBuilder) -> None:
    """A line whose source was chosen at the till (`shipFrom`): from there, or backordered there."""
    loc = snapshot.locations.get(demand.ship_from or "")
    if loc is None or not loc.active:
        builder.backorder(demand, demand.quantity, f"shipFrom {demand.ship_from} is not an active location")
        return
    take = min(demand.quantity, snapshot.units(demand.sku, loc.location_id))
    if take > 0:
        snapshot.take(demand.sku, loc.location_id, take)
        builder.ship(loc.location_id, demand, take, f"shipFrom {loc.location_id}")
    if take < demand.quantity:
        builder.backorder(demand, demand.quantity - take, f"{loc.location_id} has too few in stock")


class _PlanBuilder:
    def __init__(self) -> None:
        self._shipments: dict[tuple[str, str, DeliveryMethod], tuple[Destination, str, list[Allocation]]] = {}
        self._backorders: list[Backorder] = []
        self._holds: list[Hold] = []

    def ship(self, source: str, demand: Demand, quantity: int, rule: str) -> None:
        key = (source, demand.destination.key, demand.method)
        entry = self._shipments.setdefault(key, (demand.destination, rule, []))
        for i, a in enumerate(entry[2]):
            if a.line_id == demand.line_id:
                entry[2][i] = Allocation(a.line_id, a.sku, a.quantity + quantity)
                return
        entry[2].append(Allocation(demand.line_id, demand.sku, quantity))

    def backorder(self, demand: Demand, quantity: int, reason: str) -> None:
        if quantity > 0:
            self._backorders.append(Backorder(demand.line_id, demand.sku, quantity, reason))

    def hold(self, demand: Demand, quantity: int, team: str, reason: str, rule: str) -> None:
        if quantity > 0:
            self._holds.append(Hold(demand.line_id, demand.sku, quantity, team, reason, rule))

    def plan(self) -> Plan:
        shipments = tuple(
            Shipment(source, destination, method, tuple(allocations), rule)
            for (source, _, method), (destination, rule, allocations) in sorted(
                self._shipments.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2].value)
            )
        )
        return Plan(shipments, tuple(self._backorders), tuple(self._holds))
