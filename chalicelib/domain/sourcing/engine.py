"""The sourcing engine: demands + network snapshot + rules -> a plan."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.domain.delivery import DeliveryMethod
from chalicelib.domain.network import Capability, Location, LocationType
from chalicelib.domain.sourcing.cover import Need, Usable, fewest_locations
from chalicelib.domain.sourcing.plan import Allocation, Backorder, Demand, Destination, Hold, Plan, Shipment, Snapshot
from chalicelib.domain.sourcing.policy import Rule, SourcingPolicy

NO_MATCH = "no location can serve it under the sourcing rules"


def source(
    demands: Sequence[Demand], snapshot: Snapshot, config: SourcingPolicy, *, channel: str, hold: bool = True
) -> Plan:
    """The plan for an order's lines. `snapshot.available` is consumed (callers pass a copy).

    With `hold=False` (units a team already decided to source again) a rule that would hold what is
    left backorders it instead: nothing is held twice."""
    builder = _PlanBuilder()
    open_lines: list[Need] = []
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
            open_lines.append(Need(demand, demand.quantity))

    groups: dict[tuple[str, DeliveryMethod], list[Need]] = {}
    for need in open_lines:
        groups.setdefault((need.demand.destination.key, need.demand.method), []).append(need)
    for (_, method), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1].value)):
        needs = group
        for rule in config.rules:
            if not applies(rule, method, channel):
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


def _apply_rule(rule: Rule, needs: list[Need], snapshot: Snapshot, builder: _PlanBuilder) -> list[Need]:
    """Serve what this rule can; return what is left for the next rule."""
    destination = needs[0].demand.destination
    skus = dict.fromkeys(n.demand.sku for n in needs)
    least = _least_usable(rule)
    # Only locations holding some of the cart matter: walk the stock, not the whole network.
    holding = {loc_id for sku in skus for loc_id, units in snapshot.available.get(sku, {}).items() if units >= least}
    allowed = {
        loc_id
        for loc_id in holding
        if (location := snapshot.locations.get(loc_id)) is not None and _allowed(rule, location, destination, snapshot)
    }
    if not allowed:
        return needs
    usable: Usable = {
        sku: {
            loc_id: units - rule.safety_stock
            for loc_id, units in snapshot.available.get(sku, {}).items()
            if units >= least and loc_id in allowed
        }
        for sku in skus
    }
    stocked_at = [snapshot.locations[loc_id] for loc_id in allowed]
    ranked = sorted(stocked_at, key=lambda loc: _rank(rule, loc, destination, needs, usable))
    # With fewest_shipments the lines come from the chosen cover only; otherwise by rank.
    chosen = (
        fewest_locations(rule, needs, ranked, usable)
        if "fewest_shipments" in rule.sort
        else [loc.location_id for loc in ranked]
    )
    rest: list[Need] = []
    used: set[str] = set()
    for need in needs:
        sku = need.demand.sku
        at = usable[sku]
        holders = [loc for loc in chosen if at.get(loc, 0) > 0]  # in the order chosen
        # A whole line from one location when one has it (no needless split), else fill in rank order.
        whole = next((loc for loc in holders if at[loc] >= need.left), None)
        sources = [whole] if whole is not None else (holders if rule.allow_split else [])
        for loc in sources:
            if rule.max_shipments is not None and loc not in used and len(used) >= rule.max_shipments:
                continue
            take = min(need.left, at[loc])
            if take <= 0:
                continue
            at[loc] -= take
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


# ---- filters and ranking ------------------------------------------------------------------------


def applies(rule: Rule, method: DeliveryMethod, channel: str) -> bool:
    return (not rule.when.methods or method.value in rule.when.methods) and (
        not rule.when.channels or channel in rule.when.channels
    )


def admits(rule: Rule, loc: Location) -> bool:
    """Whether the rule lets `loc` ship at all, wherever to and whatever its day (no destination yet)."""
    if not loc.can(Capability.SHIP) or loc.type.value not in rule.location_types:
        return False
    if rule.include_groups and not loc.groups & set(rule.include_groups):
        return False
    return not (loc.groups & set(rule.exclude_groups) or (loc.size_class in rule.exclude_size_classes))


def _allowed(rule: Rule, loc: Location, destination: Destination, snapshot: Snapshot) -> bool:
    if not admits(rule, loc):
        return False
    if loc.location_id == destination.location_id and loc.type is LocationType.STORE:
        return False  # the store's own shelf is decided before the rules
    limit, there = rule.max_distance_km, destination.geo
    if limit is not None and there is not None and loc.geo.distance_km(there) > limit:
        return False
    return not (rule.respect_daily_capacity and not snapshot.has_capacity(loc.location_id))


def _least_usable(rule: Rule) -> int:
    """The fewest units a location must hold for the rule to take any: its minimum to keep, and more
    than the safety stock (it then gives what it has beyond the safety stock)."""
    return max(1, rule.min_stock_at_location, rule.safety_stock + 1)


def usable_units(rule: Rule, units: int) -> int:
    """What the rule may take of `units` held at one location."""
    return units - rule.safety_stock if units >= _least_usable(rule) else 0


def _rank(
    rule: Rule,
    loc: Location,
    destination: Destination,
    needs: list[Need],
    usable: Usable,
) -> tuple[float | str, ...]:
    key: list[float | str] = []
    for criterion in rule.sort:
        if criterion == "distance":
            key.append(round(loc.geo.distance_km(destination.geo), 3) if destination.geo else 0.0)
        elif criterion == "priority":
            key.append(-loc.priority)
        elif criterion == "stock_balance":
            key.append(-sum(usable[n.demand.sku].get(loc.location_id, 0) for n in needs))
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
