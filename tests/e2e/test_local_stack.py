"""The local stack over HTTP, as `make run` serves it: orders in, read back, kept across a restart."""

from __future__ import annotations

import json
import signal

import pytest
import requests

from tests.conftest import order_body, unique
from tests.e2e.conftest import LocalStackProcess

pytestmark = pytest.mark.e2e


def test_order_is_served_and_survives_a_restart(stack: LocalStackProcess) -> None:
    api, headers = stack.url, stack.headers()
    body = order_body(customer={"id": unique("cust"), "email": "e2e@example.com"})
    created = requests.post(f"{api}/orders", data=json.dumps(body), headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    order = created.json()
    assert created.headers["Location"] == f"/orders/{order['orderId']}"

    read = requests.get(f"{api}/orders/{order['orderId']}", headers=headers, timeout=10)
    assert read.status_code == 200
    assert read.json() == order
    history = requests.get(f"{api}/customers/{body['customer']['id']}/orders", headers=headers, timeout=10)
    assert [o["orderId"] for o in history.json()["items"]] == [order["orderId"]]

    token = stack.admin_token
    assert stack.stop(signal.SIGINT) == 0, stack.log_tail()
    assert "Traceback" not in stack.log(), stack.log()
    stack.start()

    assert stack.admin_token == token, "a still valid admin token is kept across restarts"
    again = requests.get(f"{api}/orders/{order['orderId']}", headers=headers, timeout=10)
    assert again.status_code == 200, again.text
    assert again.json() == order


def test_unauthenticated_request_is_refused(stack: LocalStackProcess) -> None:
    answer = requests.get(f"{stack.url}/orders?status=open", timeout=10)
    assert answer.status_code == 401


def test_an_unknown_route_is_a_404_problem_without_the_token(stack: LocalStackProcess) -> None:
    answer = requests.get(f"{stack.url}/no/such/route", headers=stack.headers(), timeout=10)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert stack.admin_token not in answer.text


def test_concurrent_requests_each_get_their_own_answer(stack: LocalStackProcess) -> None:
    from concurrent.futures import ThreadPoolExecutor

    api, headers = stack.url, stack.headers()
    bodies = [order_body() for _ in range(12)]

    def create(body: dict[str, object]) -> requests.Response:
        return requests.post(f"{api}/orders", data=json.dumps(body), headers=headers, timeout=20)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(create, bodies))
    assert [a.status_code for a in answers] == [201] * len(bodies), stack.log_tail(80)
    assert [a.json()["externalId"] for a in answers] == [b["externalId"] for b in bodies]


def test_demo_network_is_loaded_and_its_summary_fills_in(stack: LocalStackProcess) -> None:
    import time

    api, headers = stack.url, stack.headers()
    locations = requests.get(f"{api}/locations", headers=headers, timeout=10).json()["items"]
    by_type: dict[str, list[str]] = {}
    for loc in locations:
        by_type.setdefault(loc["type"], []).append(loc["sizeClass"] or "-")
    assert len(by_type["dc"]) == 1 and len(by_type["external_dc"]) == 1 and len(by_type["pickup_point"]) == 2
    assert sorted(by_type["store"]) == ["L", "L", "M", "M", "S", "S"]
    stock = requests.get(f"{api}/inventory/TEE-WHITE-M", headers=headers, timeout=10).json()["items"]
    assert {row["locationId"]: row["onHand"] for row in stock}["dc-tilburg"] == 500  # other tests reserve some
    channels = requests.get(f"{api}/channels", headers=headers, timeout=10).json()["items"]
    assert {"webshop", "app", "store", "cs"} <= {c["channelId"] for c in channels}

    # InventoryChanged -> outbox -> bus -> rule -> stock-summary queue -> the summary sourcing reads.
    import boto3

    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{stack.moto_port}",
        region_name="eu-west-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    deadline = time.monotonic() + 20
    summary: dict[str, object] = {}
    while time.monotonic() < deadline and len(summary) < 2 * 6:
        raw = dynamodb.get_item(
            TableName="oms-local-orders", Key={"PK": {"S": "STOCK#TEE-WHITE-M"}, "SK": {"S": "SUMMARY"}}
        )
        summary = {k: v for k, v in raw.get("Item", {}).items() if k.startswith(("a_", "v_"))}
        time.sleep(0.3)
    assert summary.get("a_dc-tilburg") == {"N": "20"}, summary
