"""The sourcing engine on its own: scenarios from the journeys, invariants, and optimality."""

from __future__ import annotations

import copy

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.contracts.config import DEFAULT_SOURCING, SourcingConfig, SourcingRule
from chalicelib.domain.delivery import DeliveryMethod
from chalicelib.domain.network import Capability, Geo, Location, LocationType
from chalicelib.domain.sourcing import cover, engine
from chalicelib.domain.sourcing.cover import Usable
from chalicelib.domain.sourcing.plan import Demand, Destination, Plan, Snapshot
from chalicelib.service.config import sourcing_policy
from tests.sourcing_reference import HOME, cart, network, optimum_shipments

ALL = frozenset(Capability)
LOCS = {
    "dc": Location("dc", "DC Tilburg", LocationType.DC, Geo(51.57, 5.07), frozenset({Capability.SHIP}), priority=10),
    "xdc": Location("xdc", "Partner", LocationType.EXTERNAL_DC, Geo(51.37, 6.17), frozenset({Capability.SHIP})),
    "ams": Location("ams", "Amsterdam", LocationType.STORE, Geo(52.37, 4.89), ALL, size_class="L"),
    "utr": Location("utr", "Utrecht", LocationType.STORE, Geo(52.09, 5.12), ALL, size_class="M"),
    "ehv": Location("ehv", "Eindhoven", LocationType.STORE, Geo(51.44, 5.48), ALL - {Capability.SHIP}, size_class="S"),
    "pup": Location(
        "pup", "Pick-up Zuid", LocationType.PICKUP_POINT, Geo(52.34, 4.87), frozenset({Capability.COLLECT})
    ),
}


def source(
    demands: list[Demand], snapshot: Snapshot, config: SourcingConfig, *, channel: str, hold: bool = True
) -> Plan:
    """The engine under the contract's rules, converted as the service layer converts the live ones."""
    return engine.source(demands, snapshot, sourcing_policy(config), channel=channel, hold=hold)


def snap(stock: dict[str, dict[str, int]], **capacity: int) -> Snapshot:
    return Snapshot(LOCS, copy.deepcopy(stock), dict(capacity))


def at(loc: str) -> Destination:
    return Destination(f"loc:{loc}", loc, LOCS[loc].geo)


def line(
    line_id: str,
    sku: str,
    qty: int,
    method: DeliveryMethod = DeliveryMethod.HOME_DELIVERY,
    dest: Destination = HOME,
    *,
    ship_from: str | None = None,
) -> Demand:
    return Demand(line_id, sku, qty, method, dest, ship_from)


def shipments(plan: Plan) -> list[tuple[str, str, str, tuple[tuple[str, int], ...]]]:
    return sorted(
        (s.source, s.destination.key, s.method.value, tuple((a.line_id, a.quantity) for a in s.allocations))
        for s in plan.shipments
    )


def test_home_delivery_from_the_dc():  # journey 1
    plan = source([line("1", "A", 2)], snap({"A": {"dc": 5, "ams": 5}}), DEFAULT_SOURCING, channel="webshop")
    assert shipments(plan) == [("dc", "home:1", "home_delivery", (("1", 2),))]


def test_click_and_collect_from_the_stores_shelf_else_a_transfer_from_the_dc():  # journey 2
    cc = DeliveryMethod.CLICK_AND_COLLECT
    shelf = source(
        [line("1", "A", 1, cc, at("ams"))], snap({"A": {"dc": 5, "ams": 1}}), DEFAULT_SOURCING, channel="app"
    )
    assert shipments(shelf) == [("ams", "loc:ams", "click_and_collect", (("1", 1),))]
    transfer = source(
        [line("1", "A", 2, cc, at("ams"))], snap({"A": {"dc": 5, "ams": 1}}), DEFAULT_SOURCING, channel="app"
    )
    assert shipments(transfer) == [("dc", "loc:ams", "click_and_collect", (("1", 2),))]


def test_drop_ship_from_the_external_dc():  # journey 3
    plan = source([line("1", "SOFA", 1)], snap({"SOFA": {"xdc": 3}}), DEFAULT_SOURCING, channel="webshop")
    assert shipments(plan) == [("xdc", "home:1", "home_delivery", (("1", 1),))]


def test_pickup_point_served_from_the_dc():  # journey 4
    plan = source(
        [line("1", "A", 1, DeliveryMethod.PICKUP_POINT, at("pup"))],
        snap({"A": {"dc": 3}}),
        DEFAULT_SOURCING,
        channel="webshop",
    )
    assert shipments(plan) == [("dc", "loc:pup", "pickup_point", (("1", 1),))]


def test_two_destinations_two_fulfilment_orders():  # journey 5
    plan = source(
        [line("1", "A", 1), line("2", "B", 1, DeliveryMethod.CLICK_AND_COLLECT, at("utr"))],
        snap({"A": {"dc": 3}, "B": {"utr": 2}}),
        DEFAULT_SOURCING,
        channel="webshop",
    )
    assert shipments(plan) == [
        ("dc", "home:1", "home_delivery", (("1", 1),)),
        ("utr", "loc:utr", "click_and_collect", (("2", 1),)),
    ]


def test_ship_from_store_when_the_dc_cannot_and_never_from_small_stores():  # journey 6
    plan = source([line("1", "A", 1)], snap({"A": {"ams": 3, "ehv": 9}}), DEFAULT_SOURCING, channel="webshop")
    assert shipments(plan) == [("ams", "home:1", "home_delivery", (("1", 1),))]
    # The store rule holds one unit back (safety stock): one on the shelf is not enough.
    assert source([line("1", "A", 1)], snap({"A": {"ams": 1}}), DEFAULT_SOURCING, channel="webshop").backorders


def test_carry_out_comes_from_the_till_store_whatever_the_count():  # journey 7
    plan = source([line("1", "A", 1, DeliveryMethod.CARRY_OUT, at("ams"))], snap({}), DEFAULT_SOURCING, channel="store")
    assert shipments(plan) == [("ams", "loc:ams", "carry_out", (("1", 1),))]


def test_ship_from_pins_the_source_or_backorders_there():  # journey 12
    stock = {"A": {"dc": 9, "utr": 1}}
    pinned = source([line("1", "A", 2, ship_from="utr")], snap(stock), DEFAULT_SOURCING, channel="store")
    assert shipments(pinned) == [("utr", "home:1", "home_delivery", (("1", 1),))]
    assert [(b.line_id, b.quantity) for b in pinned.backorders] == [("1", 1)]


def test_fewest_shipments_beats_nearest_first():
    # Nearest store has A, another has B, the DC (far) has both: one shipment from the DC wins.
    rule = SourcingRule(name="any", location_types=["dc", "store"], sort=["fewest_shipments", "distance"])
    config = SourcingConfig(rules=[rule])
    plan = source(
        [line("1", "A", 1), line("2", "B", 1)],
        snap({"A": {"ams": 5, "dc": 5}, "B": {"utr": 5, "dc": 5}}),
        config,
        channel="webshop",
    )
    assert [s.source for s in plan.shipments] == ["dc"]
    nearest = SourcingConfig(rules=[rule.model_copy(update={"sort": ["distance"]})])
    plan = source(
        [line("1", "A", 1), line("2", "B", 1)],
        snap({"A": {"ams": 5, "dc": 5}, "B": {"utr": 5, "dc": 5}}),
        nearest,
        channel="webshop",
    )
    assert sorted(s.source for s in plan.shipments) == ["ams", "utr"]


def test_no_split_keeps_a_line_whole_and_daily_capacity_counts():
    rule = SourcingRule(name="stores", location_types=["store"], allow_split=False, on_no_match="backorder")
    config = SourcingConfig(rules=[rule])
    plan = source([line("1", "A", 4)], snap({"A": {"ams": 2, "utr": 2}}), config, channel="webshop")
    assert plan.shipments == () and plan.backorders[0].quantity == 4
    split = SourcingConfig(rules=[rule.model_copy(update={"allow_split": True})])
    assert len(source([line("1", "A", 4)], snap({"A": {"ams": 2, "utr": 2}}), split, channel="w").shipments) == 2
    full = source([line("1", "A", 1)], snap({"A": {"ams": 2, "utr": 2}}, ams=0), split, channel="w")
    assert [s.source for s in full.shipments] == ["utr"]


def test_a_hold_rule_holds_what_is_left_for_its_team_unless_holding_is_off():
    dcs = SourcingRule(name="dcs", location_types=["dc"], on_no_match="next_rule")
    desk = SourcingRule(name="stores", location_types=["store"], on_no_match="hold", hold_team="sourcing-desk")
    config = SourcingConfig(rules=[dcs, desk])
    plan = source([line("1", "A", 5), line("2", "B", 1)], snap({"A": {"dc": 2, "ams": 1}}), config, channel="w")
    assert shipments(plan) == [
        ("ams", "home:1", "home_delivery", (("1", 1),)),
        ("dc", "home:1", "home_delivery", (("1", 2),)),
    ]
    assert [(h.line_id, h.sku, h.quantity, h.team, h.rule) for h in plan.holds] == [
        ("1", "A", 2, "sourcing-desk", "stores"),
        ("2", "B", 1, "sourcing-desk", "stores"),
    ]
    assert plan.backorders == ()
    again = source([line("2", "B", 1)], snap({}), config, channel="w", hold=False)
    assert again.holds == () and [(b.line_id, b.quantity) for b in again.backorders] == [("2", 1)]


def test_hold_needs_a_team_and_a_team_needs_hold():
    with pytest.raises(pydantic.ValidationError, match="holdTeam"):
        SourcingRule(name="r", location_types=["dc"], on_no_match="hold")
    with pytest.raises(pydantic.ValidationError, match="holdTeam"):
        SourcingRule(name="r", location_types=["dc"], on_no_match="backorder", hold_team="desk")
    assert SourcingRule.model_validate({"name": "r", "locationTypes": ["dc"], "onNoMatch": "hold", "holdTeam": "d"})


def test_rules_scope_by_channel_and_method():
    marketplace_only = SourcingRule(
        name="bol from dc", when={"channels": ["bol"]}, location_types=["dc"], on_no_match="backorder"
    )
    config = SourcingConfig(rules=[marketplace_only, *DEFAULT_SOURCING.rules])
    stock = {"A": {"ams": 5}}
    assert source([line("1", "A", 1)], snap(stock), config, channel="bol").backorders
    assert not source([line("1", "A", 1)], snap(stock), config, channel="webshop").backorders


demands = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C"]),
        st.integers(1, 5),
        st.sampled_from(
            [
                DeliveryMethod.HOME_DELIVERY,
                DeliveryMethod.CLICK_AND_COLLECT,
                DeliveryMethod.PICKUP_POINT,
                DeliveryMethod.CARRY_OUT,
            ]
        ),
    ),
    min_size=1,
    max_size=8,
)
stocks = st.dictionaries(
    st.sampled_from(["A", "B", "C"]),
    st.dictionaries(st.sampled_from(sorted(LOCS)), st.integers(0, 6), max_size=4),
    max_size=3,
)


@settings(max_examples=200, deadline=None)
@given(demands, stocks, st.booleans(), st.sampled_from(["backorder", "hold", "hold-off"]))
def test_every_unit_is_allocated_backordered_or_held_once_and_stock_is_never_overdrawn(wanted, stock, split, no_match):
    dest = {
        DeliveryMethod.HOME_DELIVERY: HOME,
        DeliveryMethod.CLICK_AND_COLLECT: at("utr"),
        DeliveryMethod.PICKUP_POINT: at("pup"),
        DeliveryMethod.CARRY_OUT: at("ams"),
    }
    lines = [line(str(i), sku, q, m, dest[m]) for i, (sku, q, m) in enumerate(wanted)]
    # The last rules either backorder what is left or hold it for a team (or would, but holding is off).
    last = {"on_no_match": "hold", "hold_team": "desk"} if no_match != "backorder" else {}
    rules = [
        r.model_copy(update={"allow_split": split, **(last if r.on_no_match == "backorder" else {})})
        for r in DEFAULT_SOURCING.rules
    ]
    config = SourcingConfig(rules=rules)
    hold = no_match != "hold-off"
    plan = source(lines, snap(stock), config, channel="webshop", hold=hold)
    assert plan == source(lines, snap(stock), config, channel="webshop", hold=hold)  # deterministic
    for ln in lines:
        assert plan.allocated(ln.line_id) + plan.backordered(ln.line_id) + plan.held(ln.line_id) == ln.quantity
    assert all(h.quantity > 0 and h.team == "desk" for h in plan.holds)
    if no_match == "hold":
        assert not plan.backorders  # what the rules cannot serve waits for the team instead
    else:
        assert not plan.holds
    taken: dict[tuple[str, str], int] = {}
    for s in plan.shipments:
        assert s.allocations and all(a.quantity > 0 for a in s.allocations)
        if s.method is not DeliveryMethod.CARRY_OUT:
            for a in s.allocations:
                taken[(a.sku, s.source)] = taken.get((a.sku, s.source), 0) + a.quantity
    for (sku, loc), qty in taken.items():
        assert qty <= stock.get(sku, {}).get(loc, 0)
    assert len({(s.source, s.destination.key, s.method) for s in plan.shipments}) == len(plan.shipments)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(4, 14), st.integers(1, 6))
def test_shipments_equal_the_brute_force_optimum_on_small_orders(seed, size, lines):
    skus = [f"S{i}" for i in range(lines)]
    locations, stock = network(size, skus, seed=seed, sparse=0.35)
    order = cart(skus, seed=seed)
    rule = SourcingRule(name="all", location_types=["dc", "store"], sort=["fewest_shipments", "distance"])
    plan = source(order, Snapshot(locations, copy.deepcopy(stock)), SourcingConfig(rules=[rule]), channel="w")
    assert len(plan.shipments) == optimum_shipments(order, stock)


def test_a_location_holding_a_little_of_several_skus_is_not_overlooked():
    # Nine big holders of A, nine of B, and X with one of each: X and C0 are the optimum (2).
    locations = {
        f"{s}{i}": Location(f"{s}{i}", "", LocationType.STORE, Geo(52, 5), frozenset({Capability.SHIP}))
        for s in "AB"
        for i in range(9)
    }
    locations |= {x: Location(x, "", LocationType.STORE, Geo(52, 5), frozenset({Capability.SHIP})) for x in ("X", "C0")}
    stock = {
        "A": {f"A{i}": 5 for i in range(9)} | {"X": 1},
        "B": {f"B{i}": 5 for i in range(9)} | {"X": 1},
        "C": {"C0": 1},
    }
    rule = SourcingRule(name="all", location_types=["store"], sort=["fewest_shipments", "distance"])
    order = [line(s, s, 1) for s in "ABC"]
    plan = source(order, Snapshot(locations, copy.deepcopy(stock)), SourcingConfig(rules=[rule]), channel="w")
    assert sorted(s.source for s in plan.shipments) == ["C0", "X"] and optimum_shipments(order, stock) == 2


def _rescanning_greedy_cover(target: dict[str, int], usable: Usable, rank: dict[str, int]) -> list[str]:
    """The greedy cover by its definition: each round, every location's gain on what is left."""
    left = dict(target)
    chosen: list[str] = []
    while any(q > 0 for q in left.values()):
        gains = {loc: sum(min(q, usable[sku].get(loc, 0)) for sku, q in left.items()) for loc in rank}
        loc = max((loc for loc in rank if loc not in chosen), key=lambda loc: (gains[loc], -rank[loc]))
        if gains[loc] <= 0:
            break
        chosen.append(loc)
        left = {sku: max(0, q - usable[sku].get(loc, 0)) for sku, q in left.items()}
    return chosen


holdings = st.dictionaries(
    st.sampled_from("ABCDEF"),
    st.dictionaries(st.sampled_from([f"L{i:02d}" for i in range(12)]), st.integers(1, 6), min_size=1, max_size=12),
    min_size=1,
)


@settings(max_examples=300, deadline=None)
@given(holdings, st.data())
def test_the_greedy_cover_picks_what_rescanning_every_location_each_round_picks(usable, data):
    # The engine sums gains over the holders of the SKUs still open; the picks must not change.
    target = {sku: data.draw(st.integers(1, sum(at.values())), label=sku) for sku, at in usable.items()}
    locations = sorted({loc for at in usable.values() for loc in at})
    order = data.draw(st.permutations(locations), label="rank")
    rank = {loc: i for i, loc in enumerate(order)}
    assert cover._greedy_cover(target, usable, rank) == _rescanning_greedy_cover(target, usable, rank)
