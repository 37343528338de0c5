"""DynamoDB round trips per request, counted on the shared client (counts, not timings).

Creating an order: one BatchGetItem of the cart's stock summaries, one transaction (the order,
its fulfilment orders, every reservation, its events), plus the idempotency utility's two calls
with a key: 4 at most, whatever the line count (ACCESS-PATTERNS.md).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.limits import MAX_ORDER_LINES
from tests.conftest import ManualClock, order_body, post
from tests.roundtrips import counting


def lines(n: int) -> list[dict[str, Any]]:
    return [
        {"lineId": str(i), "sku": f"SKU-{i:03d}", "quantity": 1, "unitPrice": {"amount": "10.00", "currency": "EUR"}}
        for i in range(1, n + 1)
    ]


def body_with(n: int, **overrides: Any) -> dict[str, Any]:
    return order_body(
        lines=lines(n), payment={"status": "paid", "amount": {"amount": f"{10 * n}.00", "currency": "EUR"}}, **overrides
    )


@pytest.fixture
def warm(client: Any, admin: dict[str, str], demo: None, clock: ManualClock) -> dict[str, Any]:
    """Stock for every SKU at the DC, then one request first: the token, the network and the rules
    are cached per process, so later requests are warm (on the test clock, the cache never expires)."""
    from chalicelib.adapters.dynamo import Table
    from chalicelib.service import network

    for line in lines(MAX_ORDER_LINES):
        put = client.http.put(f"/inventory/dc-tilburg/{line['sku']}", body=json.dumps({"onHand": 100}), headers=admin)
        assert put.status_code == 201, put.body
    network.refresh_summaries(Table(), {(line["sku"], "dc-tilburg") for line in lines(MAX_ORDER_LINES)})
    body = order_body()
    created = post(client, "/orders", body, admin)
    assert created.status_code == 201, created.body
    return {"orderId": json.loads(created.body)["orderId"], "customerId": body["customer"]["id"]}


@pytest.mark.parametrize("n_lines", [1, MAX_ORDER_LINES])
def test_create_with_idempotency_key_costs_at_most_four_calls(client, admin, warm, n_lines):
    with counting() as trips:
        created = post(client, "/orders", body_with(n_lines), {**admin, "Idempotency-Key": f"rt-{n_lines}"})
    assert created.status_code == 201, created.body
    order = json.loads(created.body)
    assert [ln["status"] for ln in order["lines"]] == ["allocated"] * n_lines  # every line reserved
    assert trips.calls == ["PutItem", "BatchGetItem", "TransactWriteItems", "UpdateItem"]


@pytest.mark.parametrize("n_lines", [1, MAX_ORDER_LINES])
def test_create_without_key_costs_a_read_and_a_transaction(client, admin, warm, n_lines):
    with counting() as trips:
        created = post(client, "/orders", body_with(n_lines), admin)
    assert created.status_code == 201, created.body
    assert trips.calls == ["BatchGetItem", "TransactWriteItems"]


def test_reading_an_order_costs_one_query(client, admin, warm):
    with counting() as trips:
        read = client.http.get(f"/orders/{warm['orderId']}", headers=admin)
    assert read.status_code == 200, read.body
    assert trips.calls == ["Query"]


def test_a_customer_page_costs_one_query(client, admin, warm):
    with counting() as trips:
        page = client.http.get(f"/customers/{warm['customerId']}/orders?limit=10", headers=admin)
    assert page.status_code == 200, page.body
    assert [o["orderId"] for o in json.loads(page.body)["items"]] == [warm["orderId"]]
    assert trips.calls == ["Query"]
