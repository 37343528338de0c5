"""Two writers never silently overwrite each other: the second one's conditional write fails."""

from __future__ import annotations

import json

import pytest

from chalicelib.adapters.dynamo import Table
from chalicelib.adapters.orders_repo import OrdersRepository
from chalicelib.domain.errors import VersionMismatch
from chalicelib.domain.orders.lines import LineCancellation
from chalicelib.domain.orders.order import Order
from tests.conftest import order_body, post


def cancel_one(order: Order, line_id: str) -> Order:
    order.cancel_lines(
        [LineCancellation(line_id, 1)], reason="r", actor="cs", now="2026-11-25T12:00Z", new_refund_id=str
    )
    return order


def test_interleaved_writers_second_is_refused_and_first_survives(client, admin):
    order_id = json.loads(post(client, "/orders", order_body(), admin).body)["orderId"]
    repo = OrdersRepository(Table())
    # Both read version 1 before either writes: the interleaving a race produces.
    first, _ = repo.load(order_id)
    second, _ = repo.load(order_id)
    repo.table.transact(repo.save(cancel_one(first, "1")))
    with pytest.raises(VersionMismatch):
        repo.table.transact(repo.save(cancel_one(second, "2")))

    stored, items = repo.load(order_id)
    assert stored.version == 2
    assert [ln.cancelled_quantity for ln in stored.lines] == [1, 0]  # the first write, intact
    history = [i["eventType"] for i in items if i["SK"].startswith("EVENT#")]
    assert history == ["OrderCreated", "OrderSourced", "OrderLinesCancelled", "RefundRequested"]


def test_a_retried_create_whose_first_try_committed_is_recognised_not_refused(client, admin):
    """botocore retries a transaction whose answer timed out; if the first try committed, the
    retry's uniqueness condition fails on the order's own item: that is success, not a 409."""
    from chalicelib.adapters.orders_repo import AlreadyWritten
    from chalicelib.contracts.api import CreateOrder
    from chalicelib.domain.access import Principal
    from chalicelib.service.orders import order_from_command

    order = order_from_command(CreateOrder.model_validate(order_body()), Principal("admin"))
    repo = OrdersRepository(Table())
    writes = repo.add(order, daily_capacity={}, day="2026-11-25")
    repo.table.transact(writes)
    with pytest.raises(AlreadyWritten):
        repo.table.transact(writes)
    other = order_from_command(CreateOrder.model_validate(order_body(externalId=order.external_id)), Principal("admin"))
    with pytest.raises(Exception, match="already has an order") as refused:
        repo.table.transact(repo.add(other, daily_capacity={}, day="2026-11-25"))
    assert not isinstance(refused.value, AlreadyWritten)
