"""The local stack over HTTP, as `make run` serves it: orders in, read back, kept across a restart
and across a SIGKILL of every process of the stack."""

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


CLIENTS = 4
ACKNOWLEDGED_BEFORE_THE_KILL = 30


def test_every_acknowledged_order_survives_a_sigkill_of_the_whole_stack(stack: LocalStackProcess) -> None:
    """Orders stream in from a few clients; the stack is killed mid-stream, with no chance to save
    anything. After a restart every order that was answered 201 is there, and every event the
    crash left unpublished is published by the pump's first sweep."""
    import threading
    import time

    api, headers = stack.url, stack.headers()
    acknowledged: list[dict[str, object]] = []
    lock = threading.Lock()
    killed = threading.Event()

    def place_orders() -> None:
        while not killed.is_set():
            try:
                answer = requests.post(f"{api}/orders", data=json.dumps(order_body()), headers=headers, timeout=20)
            except requests.RequestException:
                continue  # cut off by the kill: never acknowledged
            if answer.status_code == 201:
                with lock:
                    acknowledged.append(answer.json())

    clients = [threading.Thread(target=place_orders) for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    deadline = time.monotonic() + 120
    while len(acknowledged) < ACKNOWLEDGED_BEFORE_THE_KILL and time.monotonic() < deadline:
        time.sleep(0.05)
    stack.kill()
    killed.set()
    for client in clients:
        client.join()
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_THE_KILL, stack.log_tail()

    stack.start()
    for order in acknowledged:
        again = requests.get(f"{api}/orders/{order['orderId']}", headers=headers, timeout=10)
        assert again.status_code == 200, f"acknowledged order {order['orderId']} lost: {again.text}"
        assert again.json() == order

    deadline = time.monotonic() + 30
    while (pending := stack.pending_events()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert pending == 0, "events left unpublished after the restart"


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
    # A product no other test sells (the journeys ship and collect the rest): as the demo loaded it.
    stock = requests.get(f"{api}/inventory/SOFA-2SEAT", headers=headers, timeout=10).json()["items"]
    assert {row["locationId"]: row["onHand"] for row in stock} == {"xdc-venlo": 15}
    channels = requests.get(f"{api}/channels", headers=headers, timeout=10).json()["items"]
    assert {"webshop", "app", "store", "cs"} <= {c["channelId"] for c in channels}

    # InventoryChanged -> outbox -> bus -> rule -> stock-summary queue -> the summary sourcing reads.
    dynamodb = stack.dynamodb()
    deadline = time.monotonic() + 20
    summary: dict[str, object] = {}
    while time.monotonic() < deadline and len(summary) < 2 * 6:
        raw = dynamodb.get_item(
            TableName="oms-local-orders", Key={"PK": {"S": "STOCK#TEE-WHITE-M"}, "SK": {"S": "SUMMARY"}}
        )
        summary = {k: v for k, v in raw.get("Item", {}).items() if k.startswith(("a_", "v_"))}
        time.sleep(0.3)
    assert summary.get("a_dc-tilburg") == {"N": "20"}, summary


def test_make_run_shows_the_fake_marketplaces_orders_arriving_within_a_minute(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """As a newcomer sees it: the stack starts fake marketplaces with a few orders each, registers
    their channels, and the poll brings their orders in as canonical orders."""
    import time

    stack = LocalStackProcess(tmp_path_factory.mktemp("oms-market") / "state", dynamodb="moto", marketplaces=True)
    stack.start()
    try:
        api, headers = stack.url, stack.headers()
        wanted = [("bol-demo", f"D100{n}") for n in range(3)]
        wanted += [("zalando-demo", f"5a1e0000-0000-4000-8000-00000000000{n}") for n in range(3)]
        wanted += [("amazon-demo", f"402-1000000-000000{n}") for n in range(3)]
        deadline, found = time.monotonic() + 60, dict[tuple[str, str], str]()
        while time.monotonic() < deadline and len(found) < len(wanted):
            for channel, external_id in wanted:
                listed = requests.get(
                    f"{api}/orders?channel={channel}&externalId={external_id}", headers=headers, timeout=10
                ).json()["items"]
                if listed:
                    found[channel, external_id] = listed[0]["orderId"]
            time.sleep(1)
        assert sorted(found) == sorted(wanted), stack.log_tail()
        for channel, external_id in (wanted[1], wanted[4], wanted[7]):
            order = requests.get(f"{api}/orders/{found[channel, external_id]}", headers=headers, timeout=10).json()
            assert order["channel"] == channel
            assert {(ln["sku"], ln["quantity"]) for ln in order["lines"]} == {("JEANS-SLIM-32", 1), ("CAP-NAVY", 1)}
    finally:
        stack.stop(signal.SIGTERM)
    assert "Traceback" not in stack.log(), stack.log_tail()
