"""Sourcing an order as it is taken in: plan it, then reserve in the order's own transaction.

One BatchGetItem reads the availability summaries of the whole cart; the network and the rules
come from the short-lived cache. The plan's reservations are conditions in the transaction that
writes the order, so two orders racing for the last unit cannot both get it. When a condition
fails (the summary was a moment stale, or a location's daily capacity ran out), the SKU is
re-read consistently and the order sourced again.

Units a rule holds for a team open a task, written in the same transaction; when the team decides
to source them again (`resource_hold`), the same path plans and reserves them with holding off.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping

from chalicelib.adapters import postcodes
from chalicelib.adapters.dynamo import Table, Write
from chalicelib.adapters.orders_repo import AlreadyWritten, OrdersRepository
from chalicelib.adapters.stock_repo import SUMMARY_CAP, CapacityFull, StockRepository, StockShort, collect_held
from chalicelib.clock import now
from chalicelib.domain.delivery import DeliveryMethod
from chalicelib.domain.errors import Conflict, Invalid
from chalicelib.domain.network import Capability, LocationType
from chalicelib.domain.orders.order import Order
from chalicelib.domain.sourcing.engine import source
from chalicelib.domain.sourcing.plan import Demand, Destination, Plan, Snapshot
from chalicelib.service import config
from chalicelib.service.ids import fulfilment_order_ids, new_id
from chalicelib.service.network import Network, network

ATTEMPTS = 4
# A summary figure at the cap means "at least the cap": plan as if plenty, the condition decides.
PLENTY = 1_000_000_000


def place(table: Table, build: Callable[[], Order], *, actor: str) -> Order:
    """Build the order, source it, and write it with its reservations: returns it as written."""
    net = network(table)
    first = build()
    repo = OrdersRepository(table)
    capacities = _capacities(net)
    written: list[Order] = []

    def write(plan: Plan, stamp: str) -> list[Write]:
        order = build() if written else first  # a retry starts from a fresh order
        written[:] = [order]
        order.apply_plan(
            plan,
            new_fulfilment_order_id=fulfilment_order_ids(order.order_id, 0),
            new_task_id=lambda: new_id("task"),
            actor=actor,
            now=stamp,
        )
        return repo.add(order, daily_capacity=capacities, day=stamp[:10])

    _plan_and_write(table, demands_of(first, net), channel=first.channel, hold=True, write=write)
    return written[0]


def resource_hold(
    table: Table, order: Order, task_id: str, *, actor: str, also: Callable[[Order], list[Write]]
) -> Order:
    """Source the units still held for task `task_id` again under the live rules, with holding off
    (what still finds no location is backordered), and write the changed order, its reservations
    and `also(order)` (the task's own writes) in one transaction, on the order's version.

    Retries as `place` does when a reservation or capacity condition fails; `order` is left as it
    was loaded, and the order as written is returned."""
    net = network(table)
    held = {h.line_id: h.quantity for h in order.held_for(task_id)}
    demands = [dataclasses.replace(d, quantity=held[d.line_id]) for d in demands_of(order, net) if d.line_id in held]
    repo = OrdersRepository(table)
    capacities = _capacities(net)
    written: list[Order] = []

    def write(plan: Plan, stamp: str) -> list[Write]:
        changed = copy.deepcopy(order)
        written[:] = [changed]
        changed.resource_hold(
            task_id,
            plan,
            new_fulfilment_order_id=fulfilment_order_ids(changed.order_id, len(changed.fulfilment_orders)),
            actor=actor,
            now=stamp,
        )
        writes = repo.save(changed, daily_capacity=capacities, day=stamp[:10]) if changed.new_events else []
        return [*writes, *also(changed)]

    _plan_and_write(table, demands, channel=order.channel, hold=False, write=write)
    return written[0]


def resource_rejected(table: Table, order: Order, fulfilment_order_id: str, *, reason: str | None, actor: str) -> Order:
    """A location rejected a fulfilment order: give back its reservations, and source its units again
    under the live rules with that location left out (what finds no other location is backordered:
    never held, as for a team's `resource`), all in one transaction on the order's version.

    Retries as `place` does; `order` is left as it was loaded, and the order as written is returned."""
    net = network(table)
    rejected = order.fulfilment_order(fulfilment_order_id)
    quantities: dict[str, int] = {}
    for ln in rejected.lines:
        quantities[ln.line_id] = quantities.get(ln.line_id, 0) + ln.quantity
    demands = [
        dataclasses.replace(d, quantity=quantities[d.line_id])
        for d in demands_of(order, net)
        if d.line_id in quantities
    ]
    repo = OrdersRepository(table)
    capacities = _capacities(net)
    written: list[Order] = []

    def write(plan: Plan, stamp: str) -> list[Write]:
        changed = copy.deepcopy(order)
        written[:] = [changed]
        freed = changed.reject_fulfilment(fulfilment_order_id, reason=reason, actor=actor, now=stamp)
        changed.resource_rejected(
            freed,
            plan,
            new_fulfilment_order_id=fulfilment_order_ids(changed.order_id, len(changed.fulfilment_orders)),
            new_task_id=lambda: new_id("task"),
            actor=actor,
            now=stamp,
        )
        return repo.save(changed, daily_capacity=capacities, day=stamp[:10])

    _plan_and_write(
        table, demands, channel=order.channel, hold=False, write=write, exclude=frozenset({rejected.location_id})
    )
    return written[0]


def _plan_and_write(
    table: Table,
    demands: list[Demand],
    *,
    channel: str,
    hold: bool,
    write: Callable[[Plan, str], list[Write]],
    exclude: frozenset[str] = frozenset(),
) -> None:
    """Plan on the summaries and commit `write(plan, now)`; read the truth before backordering, and
    plan again when a reservation's or a location's capacity condition fails. Locations in
    `exclude` serve nothing (as if they had no stock and no capacity left)."""
    net = network(table)
    rules = config.sourcing_policy(config.active(table, "sourcing"))
    stock = StockRepository(table)
    available = planning_stock(stock, {d.sku for d in demands if d.method is not DeliveryMethod.CARRY_OUT})
    full: set[str] = set()
    checked: set[str] = set()  # SKUs read consistently, for which the plan is the truth
    for attempt in range(ATTEMPTS):
        units = copy.deepcopy(available)
        for per_location in units.values():
            per_location.update(dict.fromkeys(exclude, 0))
        snapshot = Snapshot(net.locations, units, dict.fromkeys(full | exclude, 0))
        plan = source(demands, snapshot, rules, channel=channel, hold=hold)
        # A summary lags behind a recount or a release: before backordering, read the truth.
        doubtful = {b.sku for b in plan.backorders} - checked
        if doubtful and attempt < ATTEMPTS - 1:
            for sku in sorted(doubtful):
                available[sku] = _exact(stock, sku)
            checked |= doubtful
            continue
        try:
            table.transact(write(plan, now()))
        except AlreadyWritten:
            return  # an earlier try committed and its answer was lost: this one is done
        except StockShort as short:
            available[short.sku] = _exact(stock, short.sku)
            checked.add(short.sku)
            continue
        except CapacityFull as busy:
            full.add(busy.location_id)
            continue
        return
    raise Conflict("stock or capacity kept changing while this was sourced; send it again")


def _capacities(net: Network) -> dict[str, int]:
    return {loc.location_id: loc.daily_capacity for loc in net.locations.values() if loc.daily_capacity}


def carry_out_of_held_stock(table: Table, order: Order, *, held: Mapping[str, int], actor: str) -> list[Write]:
    """Source a sale at the till of stock held for it (a reservation bought in the store) and
    return the writes that create the order, uncommitted, for the caller's own transaction.

    Every line is carried out at `order.store_id`, where `held` (units per SKU) are reserved. The
    order's takes and the end of the hold are one stock write per SKU (`collect_held`), so the
    units leave `reserved` and `onHand` together and are never counted twice.
    """
    net = network(table)
    demands = demands_of(order, net)
    store = order.store_id
    if any(d.method is not DeliveryMethod.CARRY_OUT or d.destination.location_id != store for d in demands):
        raise Invalid(f"a sale of stock held at {store} is carried out there, every line of it")
    rules = config.sourcing_policy(config.active(table, "sourcing"))
    plan = source(demands, Snapshot(net.locations, {}), rules, channel=order.channel)
    stamp = now()
    order.apply_plan(plan, new_fulfilment_order_id=fulfilment_order_ids(order.order_id, 0), actor=actor, now=stamp)
    taken: dict[str, int] = {}
    for change in order.stock_changes:
        assert change.kind == "take" and change.location_id == store and change.sku in held
        taken[change.sku] = taken.get(change.sku, 0) + change.quantity
    assert store is not None
    writes = OrdersRepository(table).add(order, daily_capacity={}, day=stamp[:10], with_stock=False)
    return [
        *writes,
        *(collect_held(table, sku, store, held=held[sku], taken=taken.get(sku, 0)) for sku in sorted(held)),
    ]


def _exact(stock: StockRepository, sku: str) -> dict[str, int]:
    return {level.location_id: level.available for level in stock.levels(sku)}


def planning_stock(stock: StockRepository, skus: set[str]) -> dict[str, dict[str, int]]:
    """Units per SKU and location to plan with, from the summaries: one BatchGetItem (none if no SKUs)."""
    summaries = stock.summaries(skus) if skus else {}
    return {
        sku: {loc: PLENTY if units >= SUMMARY_CAP else units for loc, units in per_location.items()}
        for sku, per_location in summaries.items()
    }


def demands_of(order: Order, net: Network) -> list[Demand]:
    """What each line needs, and where it goes; refuses deliveries to places that cannot take them."""
    demands = []
    for i, line in enumerate(order.lines):
        delivery = line.delivery
        if delivery.method is DeliveryMethod.HOME_DELIVERY:
            address = delivery.address or {}
            key = hashlib.sha1(json.dumps(address, sort_keys=True).encode()).hexdigest()[:16]
            geo = postcodes.locate(str(address.get("postalCode", "")), str(address.get("country", "")))
            destination = Destination(f"home:{key}", geo=geo)
        else:
            loc = net.location(delivery.location_id or "")
            _check_destination(delivery.method, loc.type, loc.capabilities, i)
            destination = Destination(f"loc:{loc.location_id}", loc.location_id, loc.geo)
        if line.ship_from is not None:
            net.location(line.ship_from)
        demands.append(Demand(line.line_id, line.sku, line.open_quantity, delivery.method, destination, line.ship_from))
    return demands


_TAKES = {
    DeliveryMethod.CLICK_AND_COLLECT: ({LocationType.STORE}, Capability.COLLECT),
    DeliveryMethod.PICKUP_POINT: ({LocationType.PICKUP_POINT, LocationType.STORE}, Capability.COLLECT),
    DeliveryMethod.CARRY_OUT: ({LocationType.STORE}, Capability.CARRY_OUT),
}


def _check_destination(
    method: DeliveryMethod, kind: LocationType, capabilities: frozenset[Capability], index: int
) -> None:
    kinds, capability = _TAKES[method]
    if kind not in kinds or capability not in capabilities:
        raise Invalid(
            f"a {kind.value} without {capability.value} cannot take {method.value}",
            errors=[
                {"loc": ["body", "lines", index, "delivery", "locationId"], "msg": f"not a {method.value} location"}
            ],
        )
