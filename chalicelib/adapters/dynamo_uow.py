"""The unit of work on the single DynamoDB table: reads through the repositories, and one
`TransactWriteItems` per commit with a version condition on every aggregate it changes."""

from __future__ import annotations

from chalicelib.adapters import orders_repo, reservations_repo, stock_repo, tasks_repo
from chalicelib.adapters.dynamo import Table, Write
from chalicelib.adapters.orders_repo import AlreadyWritten, OrdersRepository
from chalicelib.adapters.reservations_repo import ReservationsRepository
from chalicelib.adapters.stock_repo import StockRepository
from chalicelib.adapters.tasks_repo import TasksRepository
from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.orders.order import Order
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.tasks import Task
from chalicelib.service.unit_of_work import Changes, UnitOfWork


class DynamoUnitOfWork(UnitOfWork):
    def __init__(self, table: Table) -> None:
        super().__init__()
        self.table = table
        self.orders = OrdersRepository(table, track=self.track)
        self.tasks = TasksRepository(table, track=self.track)
        self.reservations = ReservationsRepository(table, track=self.track)
        self.stock = StockRepository(table)

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
        if isinstance(aggregate, Order):
            return orders_repo.writes(self.table, aggregate)
        if isinstance(aggregate, Task):
            return tasks_repo.writes(self.table, aggregate)
        if isinstance(aggregate, Reservation):
            return reservations_repo.writes(self.table, aggregate)
        raise TypeError(f"no mapping for {type(aggregate).__name__}")
