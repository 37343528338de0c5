"""One way to change state: a use case opens a unit of work, loads aggregates through it, lets the
domain change them, and `commit()` stores every changed aggregate, the events each recorded (the
outbox), the stock they move and the capacity they use, all or nothing.

The stores only read and track; nothing is written before `commit()`, and a unit of work commits
once. What an adapter writes, and how it refuses a stale version, is the adapter's business
(`chalicelib.adapters.dynamo_uow` for DynamoDB; tests have an in-memory one).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.fulfilment.workflow import Pin
from chalicelib.domain.live_config import ActiveConfig, ConfigVersion
from chalicelib.domain.network import Channel, Location, Registered
from chalicelib.domain.orders.order import Order
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.returns.claim import Claim
from chalicelib.domain.returns.exchange import Exchange
from chalicelib.domain.returns.return_ import Return
from chalicelib.domain.stock import StockMove, net_moves
from chalicelib.domain.stock_level import StockLevel
from chalicelib.domain.tasks import Task
from chalicelib.domain.workflows import TASK_STANDARD

if TYPE_CHECKING:
    from chalicelib.adapters.dynamo import Table
    from chalicelib.domain.network import Network
    from chalicelib.domain.sourcing.policy import SourcingPolicy
    from chalicelib.domain.workflows import Definition, Workflows

A = TypeVar("A", bound=Aggregate)
A_co = TypeVar("A_co", bound=Aggregate, covariant=True)
T = TypeVar("T")


class Store(Protocol[A_co]):
    def get(self, aggregate_id: str) -> A_co:
        """The aggregate as stored now (consistent), tracked for `commit()`; NotFound if none."""
        ...


class Orders(Store[Order], Protocol):
    def id_for(self, channel: str, external_id: str) -> str | None:
        """The order a channel's own id belongs to, if any."""
        ...

    def with_records(self, order_id: str) -> tuple[Order, dict[str, list[dict[str, Any]]]]:
        """The order, tracked, and its own records kept beside it (returns, ...) as the API shows
        them, by the answer's field: one read."""
        ...


class Returns(Store[Return], Protocol):
    def of_order(self, order_id: str) -> tuple[Order, list[Return]]:
        """An order and its returns, tracked (one read: they share a partition)."""
        ...

    def with_order(self, return_id: str) -> tuple[Order, Return]:
        """A return and its order, tracked (one read)."""
        ...

    def with_exchange(self, return_id: str) -> tuple[Order, Return, Exchange | None]:
        """A return, its order and the exchange it is part of, if any, tracked (one read)."""
        ...

    def partition(self, order_id: str) -> tuple[Order, list[Return], list[Exchange]]:
        """An order, its returns and its exchanges, tracked (one read)."""
        ...

    def claims_of(self, order_id: str) -> tuple[Order, list[Claim]]:
        """An order, tracked, and its claims (one read)."""
        ...

    def claim(self, claim_id: str) -> Claim:
        """One claim; NotFound if none."""
        ...

    def exchange(self, exchange_id: str) -> tuple[Order, Return, Exchange]:
        """An exchange, its order and its return, tracked (one read); NotFound if none."""
        ...


class StockReader(Protocol):
    def summaries(self, skus: Iterable[str]) -> dict[str, dict[str, int]]:
        """sku -> location -> capped free stock, from the (eventually consistent) summaries."""
        ...

    def levels(self, sku: str) -> list[StockLevel]:
        """One SKU at every location, as stored now."""
        ...

    def level(self, sku: str, location_id: str) -> StockLevel:
        """One level as stored now, tracked to be counted or moved; new where none was ever stored."""
        ...


class Registry(Protocol):
    """Locations and channels as registered, tracked; None where never registered."""

    def location(self, location_id: str) -> Registered[Location] | None: ...

    def channel(self, channel_id: str) -> Registered[Channel] | None: ...


class LiveConfig(Protocol):
    def active_section(self, section: str, *, default_body: dict[str, Any]) -> ActiveConfig:
        """Which version governs a section now, tracked; new if none ever did."""
        ...

    def saved(self, section: str, number: int) -> ConfigVersion | None: ...

    def latest_version(self, section: str) -> int:
        """The highest version number saved so far (0: none)."""
        ...


@dataclass(frozen=True, slots=True)
class CapacityClaim:
    """One more fulfilment order today at a location whose daily capacity is `limit`."""

    location_id: str
    day: str
    limit: int


@dataclass(frozen=True, slots=True)
class Changes:
    """Everything one commit stores."""

    aggregates: Sequence[Aggregate]
    stock: Sequence[StockMove]
    capacity: Sequence[CapacityClaim]


class UnitOfWork(abc.ABC):
    orders: Orders
    tasks: Store[Task]
    reservations: Store[Reservation]
    returns: Returns
    stock: StockReader
    network: Registry
    config: LiveConfig

    def __init__(self) -> None:
        self._tracked: dict[tuple[type, str], Aggregate] = {}
        self._capacity: dict[tuple[str, str], CapacityClaim] = {}
        self._committed = False
        # Which task workflow a new task of an order of a channel follows (wired to the active
        # bindings by `bootstrap`; the built-in one without them).
        self.task_pin: Callable[[str], Pin] = lambda channel: Pin(TASK_STANDARD, 0)

    def track(self, aggregate: A) -> A:
        """Remember a loaded or new aggregate, to be written if it changed."""
        self._tracked[(type(aggregate), aggregate.identity)] = aggregate
        return aggregate

    def add(self, aggregate: A) -> A:
        """A new aggregate, created by this change."""
        if not aggregate.is_new:
            raise ValueError(f"{aggregate.identity} is not new")
        return self.track(aggregate)

    def claim_capacity(self, location_id: str, day: str, limit: int) -> None:
        """One more fulfilment order today at a location (once per change: one counter write)."""
        self._capacity[(location_id, day)] = CapacityClaim(location_id, day, limit)

    def commit(self) -> None:
        """Store every change in one transaction; a stale version or a failed stock or capacity
        condition raises its domain error and stores nothing."""
        if self._committed:
            raise RuntimeError("a unit of work commits once")
        for order in [a for a in self._tracked.values() if isinstance(a, Order)]:
            # The tasks an order's change opened are written with it.
            for request in order.new_tasks:
                pin = self.task_pin(order.channel)
                self.add(Task.opened(order.order_id, request, pin.definition, pin.version))
        for record in [a for a in self._tracked.values() if a.changed]:
            # A return, exchange or claim changes with its order (tracked beside it): its header keeps its status.
            kept = _order_record(record)
            owner = self._tracked.get((Order, kept[0])) if kept else None
            if kept and isinstance(owner, Order):
                owner.note_record(kept[1], record.identity, kept[2])
        changed = [a for a in self._tracked.values() if a.changed]
        self._write(
            Changes(
                aggregates=changed,
                stock=net_moves(c for a in changed for c in a.stock_changes),
                capacity=list(self._capacity.values()),
            )
        )
        self._committed = True

    @abc.abstractmethod
    def _write(self, changes: Changes) -> None: ...


def _order_record(aggregate: Aggregate) -> tuple[str, str, str] | None:
    """A return's, exchange's or claim's order, kind and status as its order's header keeps them
    (other aggregates: None)."""
    if isinstance(aggregate, Return):
        return aggregate.order_id, "returns", aggregate.status
    if isinstance(aggregate, Exchange):
        return aggregate.order_id, "exchanges", aggregate.status.value
    if isinstance(aggregate, Claim):
        return aggregate.order_id, "claims", aggregate.resolution.value
    return None


def attempts(
    new_uow: Callable[[], UnitOfWork],
    work: Callable[[UnitOfWork], T],
    *,
    retry_on: tuple[type[Exception], ...],
    tries: int,
) -> T:
    """Run `work` on a fresh unit of work until it commits without one of `retry_on` (a decision
    made on what was read, refused because it changed meanwhile: read again and decide again)."""
    for _ in range(tries - 1):
        try:
            return work(new_uow())
        except retry_on:
            continue
    return work(new_uow())


class Dependencies(Protocol):
    """What use cases take from `chalicelib.bootstrap` (or a test's fake): a fresh unit of work per
    change, the clock, the network, the live sourcing rules and workflows (cached), and the table
    for the read side's list queries."""

    @property
    def table(self) -> Table: ...

    def uow(self) -> UnitOfWork: ...

    def now(self) -> str: ...

    def network(self) -> Network: ...

    def sourcing_rules(self) -> SourcingPolicy: ...

    def workflows(self) -> tuple[int, Workflows]:
        """The active workflows section (binding new entities) and its version (0: built-in)."""
        ...

    def workflow(self, workflow_id: str, version: int) -> Definition:
        """A definition as a version of the section had it (what a pinned entity follows)."""
        ...
