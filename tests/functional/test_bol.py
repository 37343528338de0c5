"""bol.com, polled: the captured orders go fake bol -> the poll schedule -> channel-inbox -> the consumer
and become the canonical orders; a poll with nothing new creates nothing; a 429 stops a run and the
next catches up; a shipment goes back once with its process status followed; no secret is logged."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from infra.pump import Pump
from tests.captured import payload
from tests.channels import connect, count_stock, order_of, running
from tests.fake_platforms import BOL_CLIENT_ID, BOL_CLIENT_SECRET, BOL_TOKEN, FakeBol

pytestmark = pytest.mark.usefixtures("demo")
BOL = "bol-nl"


@pytest.fixture
def bol() -> Iterator[FakeBol]:
    yield from running(FakeBol())


def captured(name: str) -> dict[str, Any]:
    order = copy.deepcopy(payload(name))
    order.pop("_provenance", None)
    for item in order["orderItems"]:
        item["fulfilment"]["method"] = "FBR"
    return order


def setup(client: Any, admin: dict[str, str], bol: FakeBol) -> None:
    credentials = {"clientId": BOL_CLIENT_ID, "clientSecret": BOL_CLIENT_SECRET}
    found = connect(
        client,
        admin,
        BOL,
        "bol",
        credentials=credentials,
        apiBaseUrl=bol.url,
        authUrl=f"{bol.url}/token",
        currency="EUR",
    )
    assert BOL_CLIENT_SECRET not in str(found)
    for name in ("bol_order.json", "bol_order_v10_from_spec_examples.json"):
        order = captured(name)
        bol.add_order(order)
        count_stock(client, admin, *{i["product"]["ean"] for i in order["orderItems"]})


def run(pump: Pump, passes: int = 4) -> int:
    """Poll and drain; how many inbox messages were received."""
    return sum(pump.run_once().queues["channel-inbox"].received for _ in range(passes))


def test_polled_orders_become_canonical_and_a_second_poll_creates_nothing(
    client: Any, admin: dict[str, str], bol: FakeBol, caplog: pytest.LogCaptureFixture
) -> None:
    setup(client, admin, bol)
    caplog.set_level(logging.INFO)
    pump = Pump(retry_delay_s=0)
    assert run(pump) == 2

    old = order_of(client, admin, BOL, "1042823870")
    assert old is not None
    assert old["payment"]["amount"] == {"amount": "52.97", "currency": "EUR"}
    assert [(ln["sku"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in old["lines"]] == [
        ("8785056370398", 1, "19.99"),
        ("8717418510749", 1, "32.98"),
    ]
    address = old["delivery"]["address"]
    assert (address["line1"], address["houseNumber"], address["postalCode"]) == ("Skywalkerstraat", "199", "1234AB")

    v10 = order_of(client, admin, BOL, "A2K8290LP8")
    assert v10 is not None
    assert v10["payment"]["amount"] == {"amount": "118.91", "currency": "EUR"}
    # A pick-up point the channel's locationMap does not map: home delivery to the customer.
    assert v10["delivery"]["method"] == "home_delivery"
    assert v10["delivery"]["address"]["houseNumber"] == "1-B"
    assert v10["delivery"]["address"]["line2"] == "Apartment"

    assert run(pump) == 0  # fetched again (the overlap), the same states: nothing queued
    assert bol.tokens_issued == 1  # cached until it expires
    logged = caplog.text
    assert BOL_CLIENT_SECRET not in logged and BOL_TOKEN not in logged


def test_a_429_stops_the_run_and_the_next_catches_up(client: Any, admin: dict[str, str], bol: FakeBol) -> None:
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import channel_poll

    setup(client, admin, bol)
    bol.fail_next(429, {"title": "Too Many Requests", "status": 429}, Retry_After="1")
    assert channel_poll.poll_all(bootstrap())[BOL] == "throttled"
    assert channel_poll.poll_all(bootstrap())[BOL] == "paused"  # its Retry-After has not passed
    assert order_of(client, admin, BOL, "1042823870") is None
    time.sleep(1.1)
    assert run(Pump(retry_delay_s=0)) == 2  # the mark did not move: the next run catches up
    assert order_of(client, admin, BOL, "1042823870") is not None
