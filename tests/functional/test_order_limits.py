"""The largest order `POST /orders` accepts is one its single transaction can hold in the worst case.

moto does not enforce DynamoDB's 100 items a transaction, so a hook on the shared client counts them.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.limits import MAX_ORDER_LINES, TRANSACTION_MAX_ITEMS, order_items
from tests.conftest import order_body, post, put


def lines(n: int) -> list[dict[str, Any]]:
    return [
        {
            "lineId": str(i),
            "sku": f"SKU-LIMIT-{i:02d}",
            "quantity": 1,
            "unitPrice": {"amount": "1.00", "currency": "EUR"},
        }
        for i in range(n)
    ]


def body_with(n: int) -> dict[str, Any]:
    return order_body(lines=lines(n), payment={"status": "paid", "amount": {"amount": f"{n}.00", "currency": "EUR"}})


def test_the_largest_order_with_every_line_from_another_location_fits_one_transaction(client, admin):
    from infra.pump import Pump
    from tests.roundtrips import dynamodb_client

    for i, line in enumerate(lines(MAX_ORDER_LINES)):
        # Each SKU at its own DC, every DC with a daily capacity: the worst case for one order.
        location = f"dc-limit-{i:02d}"
        dc: dict[str, Any] = {"name": location, "type": "dc", "geo": {"lat": 52.0 + i / 100, "lon": 5.0}}
        dc |= {"capabilities": ["ship"], "dailyCapacity": 100}
        assert put(client, f"/locations/{location}", dc, admin).status_code == 201
        assert put(client, f"/inventory/{location}/{line['sku']}", {"onHand": 1}, admin).status_code == 201
    pump = Pump(retry_delay_s=0)
    while pump.run_once().received:  # InventoryChanged -> the stock-summary consumer, as in AWS
        pass

    sizes: list[int] = []

    def count(params: dict[str, Any], **_: Any) -> None:
        sizes.append(len(params["TransactItems"]))

    event = "before-parameter-build.dynamodb.TransactWriteItems"
    dynamodb_client().meta.events.register(event, count, unique_id="count-transaction-items")
    try:
        created = post(client, "/orders", body_with(MAX_ORDER_LINES), admin)
    finally:
        dynamodb_client().meta.events.unregister(event, unique_id="count-transaction-items")

    assert created.status_code == 201, created.body
    order = json.loads(created.body)
    assert sorted(fo["locationId"] for fo in order["fulfilmentOrders"]) == [
        f"dc-limit-{i:02d}" for i in range(MAX_ORDER_LINES)
    ]
    (size,) = sizes
    # All of the worst case but the task and return the limit leaves room for.
    assert size == order_items(MAX_ORDER_LINES) - 4
    assert order_items(MAX_ORDER_LINES) <= TRANSACTION_MAX_ITEMS < order_items(MAX_ORDER_LINES + 1)


def test_one_line_more_is_a_422_that_states_the_limit(client, admin):
    answer = post(client, "/orders", body_with(MAX_ORDER_LINES + 1), admin)
    assert answer.status_code == 422, answer.body
    (error,) = json.loads(answer.body)["errors"]
    assert error["loc"] == ["body", "lines"]
    assert f"at most {MAX_ORDER_LINES} items" in error["msg"]
