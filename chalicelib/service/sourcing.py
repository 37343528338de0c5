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
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from chalicelib.adapters import postcodes
from chalicelib.adapters.stock_repo import SUMMARY_CAP, CapacityFull, StockShort
from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.delivery import DeliveryMethod
from chalicelib.domain.errors import Conflict, Invalid
from chalicelib.domain.network import Capability, LocationType
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.progress import FulfilmentReport
from chalicelib.domain.sourcing.engine import source
from chalicelib.domain.sourcing.plan import Demand, Destination, Plan, Snapshot
from chalicelib.service.ids import fulfilment_order_ids, new_id
from chalicelib.service.unit_of_work import Dependencies, StockReader, UnitOfWork
from chalicelib.service.workflows import pinning

if TYPE_CHECKING:
    from chalicelib.domain.fulfilment.workflow import Pinning
    from chalicelib.domain.network import Network

ATTEMPTS = 4
# A summary figure at the cap means "at least the cap": plan as if plenty, the condition decides.
PLENTY = 1_000_000_000


def place(deps: Dependencies, build: Callable[[], Order], *, actor: str, also: Sequence[Aggregate] = ()) -> Order:
    """Build the order, source it, and commit it with its reservations and `also` (what created it:
    an exchange and its return): returns it as written."""
    net = deps.network()
    first = build()
    if first.held or not any(ln.open_quantity for ln in first.lines):
        # Its own workflow holds it (or ended it at once): nothing to source until that changes.
        uow = deps.uow()
        uow.add(first)
        for aggregate in also:
            uow.track(aggregate)
        uow.commit()
        return first
    unused = [first]
    pin = pinning(deps, first.channel)

    def decide(uow: UnitOfWork, plan: Plan, stamp: str) -> Order:
        order = unused.pop() if unused else build()  # a retry starts from a fresh order
        _apply(order, plan, actor=actor, now=stamp, pin=pin)
        uow.add(order)
        return _with_what_it_needs(uow, order, net, stamp, also)

    return _plan_and_commit(deps, deps.uow(), demands_of(first, net), channel=first.channel, hold=True, decide=decide)


def resource_hold(
    deps: Dependencies, order: Order, task_id: str, *, actor: str, also: Sequence[Aggregate] = ()
) -> Order:
    """Source the units still held for task `task_id` again under the live rules, with holding off
    (what still finds no location is backordered), and commit the changed order, its reservations
    and `also` (the task) together, on their versions.

    Retries as `place` does when a reservation or capacity condition fails; `order` is left as it
    was loaded, and the order as written is returned."""
    net = deps.network()
    held = {h.line_id: h.quantity for h in order.held_for(task_id)}
    pin = pinning(deps, order.channel)
    demands = _demands_for(order, net, held)

    def decide(uow: UnitOfWork, plan: Plan, stamp: str) -> Order:
        changed = uow.track(copy.deepcopy(order))
        changed.resource_hold(
            task_id,
            plan,
            new_fulfilment_order_id=_next_fulfilment_order_ids(changed),
            actor=actor,
            now=stamp,
            pin=pin,
        )
        return _with_what_it_needs(uow, changed, net, stamp, also)

    return _plan_and_commit(deps, deps.uow(), demands, channel=order.channel, hold=False, decide=decide)


def resource_rejected(
    deps: Dependencies,
    order: Order,
    fulfilment_order_id: str,
    report: FulfilmentReport,
    *,
    actor: str,
    exclude_source: bool = True,
    also: Sequence[Aggregate] = (),
) -> Order:
    """A fulfilment order's workflow sends its units elsewhere (a location rejected it): `report`
    gives back its reservations, and its units are sourced again under the live rules, with that
    location left out unless `exclude_source` is off (what finds no other location is backordered:
    never held, as for a team's `resource`), all in one transaction on the order's version.

    Retries as `place` does; `order` is left as it was loaded, and the order as written is returned."""
    net = deps.network()
    rejected = order.fulfilment_order(fulfilment_order_id)
    pinned, pin = deps.workflow(rejected.workflow, rejected.workflow_version), pinning(deps, order.channel)
    quantities: dict[str, int] = {}
    for ln in rejected.lines:
        quantities[ln.line_id] = quantities.get(ln.line_id, 0) + ln.quantity
    demands = _demands_for(order, net, quantities)

    def decide(uow: UnitOfWork, plan: Plan, stamp: str) -> Order:
        changed = uow.track(copy.deepcopy(order))
        freed = changed.report_fulfilment(
            fulfilment_order_id, report, pinned, actor=actor, now=stamp, new_task_id=_new_task_id
        )
        _apply(changed, plan, actor=actor, now=stamp, pin=pin, freed=freed)
        return _with_what_it_needs(uow, changed, net, stamp, also)

    return _plan_and_commit(
        deps,
        deps.uow(),
        demands,
        channel=order.channel,
        hold=False,
        decide=decide,
        exclude=frozenset({rejected.location_id}) if exclude_source else frozenset(),
    )


def edit(deps: Dependencies, order: Order, change: Callable[[Order, str], None], *, actor: str, preview: bool) -> Order:
    """Change `order` by `change(order, now)` (an edit: it leaves the units it moves or adds unsourced)
    and source what is unsourced then, like intake, all in one transaction on the order's version.
    `preview`: plan it all and write nothing.

    Retries as `place` does; `order` is left as it was loaded, and the order as written (or as it
    would be) is returned."""
    net = deps.network()
    pin = pinning(deps, order.channel)
    scratch = copy.deepcopy(order)
    change(scratch, deps.now())  # what the edit leaves unsourced decides what is planned
    unsourced = {ln.line_id: ln.unsourced_quantity for ln in scratch.lines if ln.unsourced_quantity}
    demands = _demands_for(scratch, net, unsourced)

    def decide(uow: UnitOfWork, plan: Plan, stamp: str) -> Order:
        changed = uow.track(copy.deepcopy(order))
        change(changed, stamp)
        if plan.shipments or plan.backorders or plan.holds:
            _apply(changed, plan, actor=actor, now=stamp, pin=pin)
        return _with_what_it_needs(uow, changed, net, stamp, ())

    return _plan_and_commit(
        deps, deps.uow(), demands, channel=order.channel, hold=True, decide=decide, commit=not preview
    )


def _plan_and_commit(
    deps: Dependencies,
    uow: UnitOfWork,
    demands: list[Demand],
    *,
    channel: str,
    hold: bool,
    decide: Callable[[UnitOfWork, Plan, str], Order],
    exclude: frozenset[str] = frozenset(),
    commit: bool = True,
) -> Order:
    """Plan on the summaries, let `decide` apply the plan in a unit of work, and commit it (unless
    not `commit`: a preview, written nowhere); read the truth before backordering, and plan again (in
    a fresh unit of work) when a reservation's or a location's capacity condition fails. Locations in
    `exclude` serve nothing (as if they had no stock and no capacity left)."""
    net = deps.network()
    rules = deps.sourcing_rules()
    available = planning_stock(uow.stock, {d.sku for d in demands if d.method is not DeliveryMethod.CARRY_OUT})
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
                available[sku] = _exact(uow.stock, sku)
            checked |= doubtful
            continue
        order = decide(uow, plan, deps.now())
        if not commit:
            return order
        try:
            uow.commit()
        except StockShort as short:
            available[short.sku] = _exact(uow.stock, short.sku)
            checked.add(short.sku)
            uow = deps.uow()
            continue
        except CapacityFull as busy:
            full.add(busy.location_id)
            uow = deps.uow()
            continue
        return order
    raise Conflict("stock or capacity kept changing while this was sourced; send it again")


def _with_what_it_needs(uow: UnitOfWork, changed: Order, net: Network, stamp: str, also: Sequence[Aggregate]) -> Order:
    """A re-sourced order as it is committed: with the capacity its new work takes, and `also`."""
    _claim_capacity(uow, changed, net, stamp)
    for aggregate in also:
        uow.track(aggregate)
    return changed


def _claim_capacity(uow: UnitOfWork, order: Order, net: Network, stamp: str) -> None:
    """The new work the change gives locations counts against their daily capacity."""
    for location_id in sorted(set(order.new_work_at)):
        limit = net.locations[location_id].daily_capacity if location_id in net.locations else None
        if limit:
            uow.claim_capacity(location_id, stamp[:10], limit)


def carry_out(deps: Dependencies, uow: UnitOfWork, order: Order, *, actor: str) -> None:
    """Source a sale at the till of stock held for it (a reservation bought in the store) into `uow`,
    uncommitted: the order's takes net with the end of the hold (one write per stock item).

    Every line is carried out at `order.store_id`, where the units are reserved."""
    net = deps.network()
    demands = demands_of(order, net)
    store = order.store_id
    if any(d.method is not DeliveryMethod.CARRY_OUT or d.destination.location_id != store for d in demands):
        raise Invalid(f"a sale of stock held at {store} is carried out there, every line of it")
    plan = source(demands, Snapshot(net.locations, {}), deps.sourcing_rules(), channel=order.channel)
    order.apply_plan(
        plan,
        new_fulfilment_order_id=fulfilment_order_ids(order.order_id, 0),
        actor=actor,
        now=deps.now(),
        pin=pinning(deps, order.channel),
    )
    uow.add(order)


def _apply(
    order: Order, plan: Plan, *, actor: str, now: str, pin: Pinning, freed: Mapping[str, int] | None = None
) -> None:
    """Turn `plan` into the order's next fulfilment orders (and tasks for the units it holds); with
    `freed`, the units a rejected fulfilment order gave back, which it sources exactly."""
    order.apply_plan(
        plan,
        new_fulfilment_order_id=_next_fulfilment_order_ids(order),
        new_task_id=_new_task_id,
        actor=actor,
        now=now,
        pin=pin,
        freed=freed,
    )


def _next_fulfilment_order_ids(order: Order) -> Callable[[], str]:
    return fulfilment_order_ids(order.order_id, len(order.fulfilment_orders))


def _new_task_id() -> str:
    return new_id("task")


def _exact(stock: StockReader, sku: str) -> dict[str, int]:
    return {level.location_id: level.available for level in stock.levels(sku)}


def planning_stock(stock: StockReader, skus: set[str]) -> dict[str, dict[str, int]]:
    """Units per SKU and location to plan with, from the summaries: one BatchGetItem (none if no SKUs)."""
    summaries = stock.summaries(skus) if skus else {}
    return {
        sku: {loc: PLENTY if units >= SUMMARY_CAP else units for loc, units in per_location.items()}
        for sku, per_location in summaries.items()
    }


def _demands_for(order: Order, net: Network, quantities: Mapping[str, int]) -> list[Demand]:
    """`demands_of` for only the lines in `quantities`, that many units each (what is sourced again)."""
    return [
        dataclasses.replace(d, quantity=quantities[d.line_id])
        for d in demands_of(order, net)
        if d.line_id in quantities
    ]


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
