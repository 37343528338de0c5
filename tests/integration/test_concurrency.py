"""Two writers never silently overwrite each other: the second one's conditional write fails."""

from __future__ import annotations

import copy
import json

import pytest

from chalicelib.bootstrap import bootstrap
from chalicelib.domain.errors import Conflict, VersionMismatch
from chalicelib.domain.orders.lines import LineCancellation
from chalicelib.domain.orders.order import Order
from tests.conftest import order_body, post

NOW = "2026-11-25T12:00:00.000Z"


def cancel_one(order: Order, line_id: str) -> Order:
    order.cancel_lines([LineCancellation(line_id, 1)], reason="r", actor="cs", now="2026-11-25T12:00Z")
    return order


def test_interleaved_writers_second_is_refused_and_first_survives(client, admin):
    order_id = json.loads(post(client, "/orders", order_body(), admin).body)["orderId"]
    one, other = bootstrap().uow(), bootstrap().uow()
    # Both read version 1 before either writes: the interleaving a race produces.
    cancel_one(one.orders.get(order_id), "1")
    cancel_one(other.orders.get(order_id), "2")
    one.commit()
    with pytest.raises(VersionMismatch):
        other.commit()

    stored = bootstrap().uow().orders.get(order_id)
    assert stored.version == 2
    assert [ln.cancelled_quantity for ln in stored.lines] == [1, 0]  # the first write, intact
    history = [e.type for e in stored.history]
    assert history == ["OrderCreated", "OrderSourced", "OrderLinesCancelled", "RefundRequested"]


def test_a_retried_create_whose_first_try_committed_is_recognised_not_refused(client, admin):
    """botocore retries a transaction whose answer timed out; if the first try committed, the
    retry's uniqueness condition fails on the order's own item: that is success, not a 409."""
    from chalicelib.contracts.api import CreateOrder
    from chalicelib.domain.access import Principal
    from chalicelib.service.orders import order_from_command

    order = order_from_command(CreateOrder.model_validate(order_body()), Principal("admin"), NOW)
    for _ in range(2):  # the same change, committed twice
        retry = bootstrap().uow()
        retry.add(copy.deepcopy(order))
        retry.commit()
    assert bootstrap().uow().orders.get(order.order_id).version == 1
    other = order_from_command(
        CreateOrder.model_validate(order_body(externalId=order.external_id)), Principal("admin"), NOW
    )
    refused = bootstrap().uow()
    refused.add(other)
    with pytest.raises(Conflict, match="already has an order"):
        refused.commit()
