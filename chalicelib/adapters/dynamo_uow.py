"""The unit of work on the single DynamoDB table: reads through the repositories, and one
`TransactWriteItems` per commit with a version condition on every aggregate it changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.adapters import (
    config_repo,
    network_repo,
    orders_repo,
    reservations_repo,
    returns_repo,
    stock_repo,
    tasks_repo,
)
from chalicelib.adapters.config_repo import ConfigRepository
from chalicelib.adapters.dynamo import Table, Write
from chalicelib.adapters.network_repo import NetworkRepository
from chalicelib.adapters.orders_repo import AlreadyWritten, OrdersRepository
from chalicelib.adapters.reservations_repo import ReservationsRepository
from chalicelib.adapters.returns_repo import ReturnsRepository
from chalicelib.adapters.stock_repo import StockRepository
from chalicelib.adapters.tasks_repo import TasksRepository
from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.live_config import ActiveConfig, ConfigVersion
from chalicelib.domain.network import Registered
from chalicelib.domain.orders.order import Order
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.returns.claim import Claim
from chalicelib.domain.returns.exchange import Exchange
from chalicelib.domain.returns.return_ import Return
from chalicelib.domain.stock_level import FeedLine, StockLevel
from chalicelib.domain.tasks import Task
from chalicelib.service.unit_of_work import Changes, UnitOfWork


class DynamoUnitOfWork(UnitOfWork):
    def __init__(self, table: Table) -> None:
        super().__init__()
        self.table = table
        self.orders = OrdersRepository(table, track=self.track)
        self.tasks = TasksRepository(table, track=self.track)
        self.reservations = ReservationsRepository(table, track=self.track)
        self.returns = ReturnsRepository(table, track=self.track)
        self.stock = StockRepository(table, track=self.track)
        self.network = NetworkRepository(table, track=self.track)
        self.config = ConfigRepository(table, track=self.track)

    def _write(self, changes: Changes) -> None:
        writes = [
            *(w for aggregate in changes.aggregates for w in self._writes_of(aggregate)),
            *(stock_repo.move(self.table, m) for m in changes.stock),
            *(stock_repo.use_capacity(self.table, c.location_id, c.day, c.limit) for c in changes.capacity),
        ]
        try:
            self.table.transact(writes)
        except AlreadyWritten:
            return  # an earlier try of this very change committed, and its answer was lost

    def _writes_of(self, aggregate: Aggregate) -> list[Write]:
        writes = _WRITES.get(type(aggregate))
        if writes is None:
            raise TypeError(f"no mapping for {type(aggregate).__name__}")
        return writes(self.table, aggregate)


# How each kind of aggregate is stored: its item, version condition and events.
_WRITES: dict[type, Callable[[Table, Any], list[Write]]] = {
    Order: orders_repo.writes,
    Task: tasks_repo.writes,
    Reservation: reservations_repo.writes,
    Return: returns_repo.writes,
    Exchange: returns_repo.exchange_writes,
    Claim: returns_repo.claim_writes,
    StockLevel: stock_repo.writes,
    FeedLine: stock_repo.feed_line_writes,
    Registered: network_repo.writes,
    ConfigVersion: config_repo.version_writes,
    ActiveConfig: config_repo.active_writes,
}
