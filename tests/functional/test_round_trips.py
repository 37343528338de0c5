"""DynamoDB round trips per request, counted on the shared client (counts, not timings).

Creating an order: the transaction, plus the idempotency utility's two calls with a key. There
is no stock read yet; sourcing will add one (the budget in ACCESS-PATTERNS.md is 4).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import order_body, post
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
def warm(client: Any, admin: dict[str, str]) -> dict[str, Any]:
    """One request first: the token read is cached per process, so later requests are warm."""
    body = order_body()
    created = post(client, "/orders", body, admin)
    assert created.status_code == 201, created.body
    return {"orderId": json.loads(created.body)["orderId"], "customerId": body["customer"]["id"]}


@pytest.mark.parametrize("n_lines", [1, 25])
def test_create_with_idempotency_key_costs_at_most_three_calls(client, admin, warm, n_lines):
    with counting() as trips:
        created = post(client, "/orders", body_with(n_lines), {**admin, "Idempotency-Key": f"rt-{n_lines}"})
    assert created.status_code == 201, created.body
    assert trips.total <= 3, trips.calls
    assert trips.calls.count("TransactWriteItems") == 1, trips.calls


@pytest.mark.parametrize("n_lines", [1, 25])
def test_create_without_key_costs_one_transaction(client, admin, warm, n_lines):
    with counting() as trips:
        created = post(client, "/orders", body_with(n_lines), admin)
    assert created.status_code == 201, created.body
    assert trips.calls == ["TransactWriteItems"]


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
