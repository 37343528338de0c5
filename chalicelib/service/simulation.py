"""What a sourcing rule change would do, before it goes live: re-source recent orders under a draft.

Nothing is written. Each order is sourced again as if it were new (its own reservations given
back to the stock it would compete for), and the report compares the fulfilment orders it has
with those the draft would give it: shipments, backorders, units held for a team, which
locations gain or lose work,
and distance travelled.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.config_repo import ConfigRepository
from chalicelib.adapters.dynamo import Item, Table
from chalicelib.adapters.orders_repo import OrdersRepository
from chalicelib.adapters.stock_repo import StockRepository
from chalicelib.domain.errors import Invalid, NotFound
from chalicelib.domain.network import Geo, Network
from chalicelib.domain.orders.order import Order
from chalicelib.domain.sourcing.engine import source
from chalicelib.domain.sourcing.plan import Demand, Plan, Snapshot
from chalicelib.domain.workflows import BEFORE_SHIPPING, Category
from chalicelib.service.config import sourcing_policy
from chalicelib.service.network import network
from chalicelib.service.sourcing import PLENTY, demands_of, planning_stock

if TYPE_CHECKING:
    from chalicelib.contracts.config import SourcingConfig

MAX_ORDERS = 200


def simulate(
    table: Table, draft: SourcingConfig, *, order_ids: list[str], last: int, channel: str | None
) -> dict[str, Any]:
    net = network(table)
    rules = sourcing_policy(draft)
    repo = OrdersRepository(table)
    ids = order_ids or _recent(table, net, last, channel)
    loaded = [repo.get(order_id) for order_id in ids[:MAX_ORDERS]]
    skus = {ln.sku for order in loaded for ln in order.lines}
    available = planning_stock(StockRepository(table), skus)
    results, gained, lost = [], Counter[str](), Counter[str]()
    totals = Counter[str]()
    for order in loaded:
        demands = demands_of(order, net)
        own = _with_own_reservations(available, order)
        plan = source(demands, Snapshot(net.locations, own), rules, channel=order.channel)
        before, after = _current(order, demands, net), _planned(plan, demands, net)
        for loc, n in (Counter(after["sources"]) - Counter(before["sources"])).items():
            gained[loc] += n
        for loc, n in (Counter(before["sources"]) - Counter(after["sources"])).items():
            lost[loc] += n
        for side, figures in (("before", before), ("after", after)):
            totals[f"{side}Shipments"] += figures["shipments"]
            totals[f"{side}Backordered"] += figures["backorderedUnits"]
            totals[f"{side}Held"] += figures["heldUnits"]
            totals[f"{side}DistanceKm"] += figures["distanceKm"]
        results.append({"orderId": order.order_id, "changed": before != after, "before": before, "after": after})
    return {
        "orders": len(results),
        "changedOrders": sum(1 for r in results if r["changed"]),
        "shipments": {"before": totals["beforeShipments"], "after": totals["afterShipments"]},
        "backorderedUnits": {"before": totals["beforeBackordered"], "after": totals["afterBackordered"]},
        "heldUnits": {"before": totals["beforeHeld"], "after": totals["afterHeld"]},
        "distanceKm": {"before": round(totals["beforeDistanceKm"], 1), "after": round(totals["afterDistanceKm"], 1)},
        "locationsGainingWork": dict(sorted(gained.items())),
        "locationsLosingWork": dict(sorted(lost.items())),
        "results": results,
    }


def rules_to_try(table: Table, section: str, *, version: int | None, body: dict[str, Any] | None) -> SourcingConfig:
    """The rule set to simulate: given inline, a saved version, or the newest saved one."""
    from chalicelib.contracts.config import SourcingConfig

    if section != "sourcing":
        raise Invalid(f"simulation re-sources orders: it is for `sourcing`, not {section!r}")
    if body is not None:
        return SourcingConfig.model_validate(body)
    repo = ConfigRepository(table)
    wanted = version or repo.latest_version(section)
    item = repo.version(section, wanted) if wanted else None
    if item is None:
        raise NotFound(f"no saved version {wanted} of {section}: save a draft first, or send `body`")
    return SourcingConfig.model_validate_json(item["bodyJson"])


def _recent(table: Table, net: Network, last: int, channel: str | None) -> list[str]:
    """The newest `last` orders of one channel, or of every channel merged by time."""
    channels = [channel] if channel else sorted({*net.channels, "webshop", "app", "store", "cs"})
    headers: list[Item] = []
    for ch in channels:
        page, _ = table.query_index("GSI2", f"CHANNEL#{ch}", limit=last, cursor=None, newest_first=True)
        headers.extend(page)
    headers.sort(key=lambda h: h["GSI2SK"], reverse=True)
    if not headers:
        raise Invalid("no orders to simulate: name some (`orders`) or a channel that has them")
    return [h["orderId"] for h in headers[:last]]


def _with_own_reservations(available: dict[str, dict[str, int]], order: Order) -> dict[str, dict[str, int]]:
    own = copy.deepcopy(available)
    for fo in order.fulfilment_orders:
        if fo.category in BEFORE_SHIPPING:
            for line in fo.lines:
                per = own.setdefault(line.sku, {})
                per[fo.location_id] = min(PLENTY, per.get(fo.location_id, 0) + line.quantity)
    return own


def _current(order: Order, demands: list[Demand], net: Network) -> dict[str, Any]:
    live = [fo for fo in order.fulfilment_orders if fo.category is not Category.CANCELLED]
    to = {d.line_id: d.destination.geo for d in demands}
    return _figures(
        [(fo.location_id, next((to[ln.line_id] for ln in fo.lines if ln.line_id in to), None)) for fo in live],
        sum(ln.backordered_quantity for ln in order.lines),
        sum(ln.held_quantity for ln in order.lines),
        net,
    )


def _planned(plan: Plan, demands: list[Demand], net: Network) -> dict[str, Any]:
    return _figures(
        [(s.source, s.destination.geo) for s in plan.shipments],
        sum(b.quantity for b in plan.backorders),
        sum(h.quantity for h in plan.holds),
        net,
    )


def _figures(shipments: list[tuple[str, Geo | None]], backordered: int, held: int, net: Network) -> dict[str, Any]:
    distance = sum(
        net.locations[src].geo.distance_km(dest) for src, dest in shipments if dest is not None and src in net.locations
    )
    return {
        "shipments": len(shipments),
        "sources": sorted(src for src, _ in shipments),
        "backorderedUnits": backordered,
        "heldUnits": held,
        "distanceKm": round(distance, 1),
    }
