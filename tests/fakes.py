"""In-memory stand-ins for the adapters, so use cases run in milliseconds without moto.

`FakeDependencies` is what `chalicelib.bootstrap` gives the use cases: a unit of work per change
(all sharing one `Memory`), a clock the test sets, the demo network and the default rules.
The fake unit of work refuses what DynamoDB's conditions refuse: a stale version, a second
creation, stock that is not there, a location's capacity used up; and it stores all or nothing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters.stock_repo import SUMMARY_CAP, CapacityFull, StockShort
from chalicelib.contracts.api import PutLocation
from chalicelib.contracts.config import DEFAULT_SOURCING
from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import AlreadyExists, Conflict, NotFound, VersionMismatch
from chalicelib.domain.events import Event
from chalicelib.domain.network import Network
from chalicelib.domain.orders.order import Order
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.sourcing.policy import SourcingPolicy
from chalicelib.domain.stock_level import StockLevel
from chalicelib.domain.tasks import Task
from chalicelib.domain.workflows import DEFAULT_WORKFLOWS, Definition, Workflows
from chalicelib.service.config import sourcing_policy
from chalicelib.service.network import location_from_command
from chalicelib.service.unit_of_work import Changes, UnitOfWork
from infra.demo import DEMO_NETWORK


@dataclass
class Memory:
    """What the fake table holds."""

    aggregates: dict[tuple[type, str], Aggregate] = field(default_factory=dict)
    external_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    stock: dict[tuple[str, str], StockLevel] = field(default_factory=dict)
    capacity_used: dict[tuple[str, str], int] = field(default_factory=dict)
    published: list[tuple[str, Event]] = field(default_factory=list)
    commits: int = 0


class FakeUnitOfWork(UnitOfWork):
    def __init__(self, memory: Memory) -> None:
        super().__init__()
        self.memory = memory
        self.orders = _Orders(memory, self.track)
        self.tasks = _Store(memory, Task, self.track)
        self.reservations = _Store(memory, Reservation, self.track)
        self.stock = _Stock(memory, self.track)

    def _write(self, changes: Changes) -> None:
        m = self.memory
        for a in changes.aggregates:  # every condition first: all or nothing
            stored = m.stock.get((a.sku, a.location_id)) if isinstance(a, StockLevel) else m.aggregates.get(_key(a))
            if a.is_new and stored is not None:
                raise AlreadyExists(a.identity)
            if not a.is_new and (stored is None or stored.version != a.stored_version):
                raise VersionMismatch(f"{a.identity} changed meanwhile")
            if isinstance(a, Order) and a.is_new and (a.channel, a.external_id) in m.external_ids:
                raise Conflict(f"channel {a.channel} already has an order {a.external_id}")
        for move in changes.stock:
            level = m.stock.get((move.sku, move.location_id), StockLevel(move.location_id, move.sku))
            if move.needs_free and level.on_hand - level.reserved - level.safety_stock < move.needs_free:
                raise StockShort(move.sku, move.location_id)
            if move.needs_reserved and level.reserved < move.needs_reserved:
                raise Conflict(f"{move.location_id} holds no reservation of {move.sku}")
        for claim in changes.capacity:
            if m.capacity_used.get((claim.location_id, claim.day), 0) >= claim.limit:
                raise CapacityFull(claim.location_id)
        for a in changes.aggregates:
            if isinstance(a, StockLevel):
                m.stock[(a.sku, a.location_id)] = _as_stored(a)  # type: ignore[assignment]
            else:
                m.aggregates[_key(a)] = _as_stored(a)
            m.published.extend((a.identity, e) for e in a.new_events)
            if isinstance(a, Order):
                m.external_ids[(a.channel, a.external_id)] = a.order_id
        for move in changes.stock:
            level = m.stock.setdefault((move.sku, move.location_id), StockLevel(move.location_id, move.sku))
            level.reserved += move.reserved
            level.on_hand += move.on_hand
            level.version += 1
            level.stored_version = level.version
        for claim in changes.capacity:
            key = (claim.location_id, claim.day)
            m.capacity_used[key] = m.capacity_used.get(key, 0) + 1
        m.commits += 1


def _key(a: Aggregate) -> tuple[type, str]:
    return (type(a), a.identity)


def _as_stored(a: Aggregate) -> Aggregate:
    """The aggregate as a later read finds it: at its new version, nothing pending."""
    stored = copy.deepcopy(a)
    if isinstance(stored, Order):
        stored.history = [*stored.history, *stored.new_events]
        stored.new_tasks, stored.new_work_at = [], []
        for fo in stored.fulfilment_orders:
            fo.changed = False
    stored.stored_version = stored.version
    stored.new_events, stored.stock_changes = [], []
    return stored


class _Store:
    def __init__(self, memory: Memory, kind: type[Any], track: Any) -> None:
        self.memory, self.kind, self._track = memory, kind, track

    def get(self, aggregate_id: str) -> Any:
        found = self.memory.aggregates.get((self.kind, aggregate_id))
        if found is None:
            raise NotFound(f"no {self.kind.__name__.lower()} {aggregate_id!r}")
        return self._track(copy.deepcopy(found))


class _Orders(_Store):
    def __init__(self, memory: Memory, track: Any) -> None:
        super().__init__(memory, Order, track)

    def id_for(self, channel: str, external_id: str) -> str | None:
        return self.memory.external_ids.get((channel, external_id))

    def with_records(self, order_id: str) -> tuple[Order, dict[str, list[dict[str, Any]]]]:
        return self.get(order_id), {}  # the fake keeps no records beside its orders


class _Stock:
    def __init__(self, memory: Memory, track: Any) -> None:
        self.memory, self._track = memory, track

    def level(self, sku: str, location_id: str) -> StockLevel:
        found = self.memory.stock.get((sku, location_id))
        level: StockLevel = self._track(copy.deepcopy(found) if found else StockLevel(location_id, sku))
        return level

    def summaries(self, skus: Iterable[str]) -> dict[str, dict[str, int]]:
        # As fresh as the summary consumer keeps it in AWS: capped, never negative.
        return {
            sku: {
                loc: max(0, min(SUMMARY_CAP, lv.on_hand - lv.reserved - lv.safety_stock))
                for (s, loc), lv in self.memory.stock.items()
                if s == sku
            }
            for sku in set(skus)
        }

    def levels(self, sku: str) -> list[StockLevel]:
        return [copy.deepcopy(lv) for (s, _), lv in self.memory.stock.items() if s == sku]


def demo_network() -> Network:
    demo = json.loads(DEMO_NETWORK.read_text())
    return Network(
        locations={
            loc: location_from_command(loc, PutLocation.model_validate(body)) for loc, body in demo["locations"].items()
        },
        channels={},
    )


class FakeDependencies:
    """The demo network with its stock, the default rules, and a clock at `now`."""

    def __init__(self, now: str = "2026-11-25T10:00:00.000Z") -> None:
        self.memory = Memory()
        self.clock = now
        self._network = demo_network()
        for loc, counts in json.loads(DEMO_NETWORK.read_text())["stock"].items():
            for sku, on_hand in counts.items():
                self.memory.stock[(sku, loc)] = StockLevel(loc, sku, on_hand=on_hand, version=1, stored_version=1)

    @property
    def table(self) -> Any:
        raise AssertionError("the read side's list queries need DynamoDB: test them over HTTP")

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.memory)

    def now(self) -> str:
        return self.clock

    def network(self) -> Network:
        return self._network

    def sourcing_rules(self) -> SourcingPolicy:
        return sourcing_policy(DEFAULT_SOURCING)

    def workflows(self) -> tuple[int, Workflows]:
        return 0, DEFAULT_WORKFLOWS

    def workflow(self, workflow_id: str, version: int) -> Definition:
        found = DEFAULT_WORKFLOWS.definition(workflow_id)
        assert found is not None and version == 0, "the fake knows the built-in workflows only"
        return found
