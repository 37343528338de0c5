"""bol.com, polled: the captured orders go fake bol -> the poll schedule -> channel-inbox -> the consumer
and become the canonical orders; a poll with nothing new creates nothing; a 429 stops a run and the
next catches up; no secret is logged. Cancellations (bol cancels whole order items, one a call) and
returns received go back once each, their process statuses followed."""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from infra.pump import Pump
from tests.captured import payload
from tests.channels import connect, count_stock, inbox_received, order_of, pump_until_quiet, running
from tests.conftest import post
from tests.fake_platforms import BOL_CLIENT_ID, BOL_CLIENT_SECRET, BOL_TOKEN, FakeBol
from tests.functional.test_channel_status import dead_letters, queue_update

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


def setup(client: Any, admin: dict[str, str], bol: FakeBol, *orders: dict[str, Any]) -> None:
    """The bol channel connected to the fake, which holds `orders` (else both captured ones), in stock."""
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
    for order in orders or (captured("bol_order.json"), captured("bol_order_v10_from_spec_examples.json")):
        bol.add_order(order)
        count_stock(client, admin, *{i["product"]["ean"] for i in order["orderItems"]})


def test_polled_orders_become_canonical_and_a_second_poll_creates_nothing(
    client: Any, admin: dict[str, str], bol: FakeBol, caplog: pytest.LogCaptureFixture
) -> None:
    setup(client, admin, bol)
    caplog.set_level(logging.INFO)
    pump = Pump(retry_delay_s=0)
    assert inbox_received(pump) == 2

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

    assert inbox_received(pump) == 0  # fetched again (the overlap), the same states: nothing queued
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
    assert inbox_received(Pump(retry_delay_s=0)) == 2  # the mark did not move: the next run catches up
    assert order_of(client, admin, BOL, "1042823870") is not None


OLD, V10 = "1042823870", "A2K8290LP8"  # bol_order.json (two items of one), the v10 example (10 shipped)
CANCEL_SPEC = payload("bol_cancellation_request_from_spec_examples.json")


def cancellations(bol: FakeBol) -> list[dict[str, Any]]:
    return [b for m, p, b in bol.received if (m, p) == ("PUT", "/retailer/orders/cancellation")]


def pushes(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str]]:
    printed = [json.loads(ln) for ln in capsys.readouterr().out.splitlines() if '"ChannelStatusPushes"' in ln]
    return [(m["status"], m["outcome"]) for m in printed]


def test_a_partial_cancellation_cancels_only_those_bol_items_one_call_each(
    client: Any, admin: dict[str, str], bol: FakeBol, capsys: pytest.CaptureFixture[str]
) -> None:
    order = captured("bol_order.json")
    order["orderItems"][1]["quantity"] = 2  # 6107771546: two units, which bol cancels only together
    setup(client, admin, bol, order)
    pump = Pump(retry_delay_s=0)
    assert inbox_received(pump) == 1
    found = order_of(client, admin, BOL, OLD)
    assert found is not None
    cancel = f"/orders/{found['orderId']}/cancellations"
    lines = [{"lineId": "6107771545", "quantity": 1}, {"lineId": "6107771546", "quantity": 1}]
    assert post(client, cancel, {"lines": lines, "reason": "out of stock"}, admin).status_code == 200
    pump_until_quiet(pump)

    [only] = cancellations(bol)
    assert only == {"orderItems": [{"orderItemId": "6107771545", "reasonCode": "OUT_OF_STOCK"}]}
    assert only.keys() == CANCEL_SPEC.keys() - {"_provenance"} and only["orderItems"][0].keys() == {
        "orderItemId",
        "reasonCode",
    }
    assert not bol.item("6107771546").get("quantityCancelled")  # half of it: bol cannot, it stays open
    told = [("cancelled", "pushed"), ("refunded", "recorded")]  # bol refunds on cancellation itself
    assert sorted(pushes(capsys)) == told

    # Its last unit: the order is cancelled whole now, which bol hears once (not that unit's as well).
    last = {"lines": [{"lineId": "6107771546", "quantity": 1}], "reason": "out of stock"}
    assert post(client, cancel, last, admin).status_code == 200
    pump_until_quiet(pump)
    assert [c["orderItems"][0]["orderItemId"] for c in cancellations(bol)] == ["6107771545", "6107771546"]
    assert bol.item("6107771546")["quantityCancelled"] == 2
    assert sorted(pushes(capsys)) == told
    assert dead_letters(client) == []


def pushed_through_a_503(
    client: Any, admin: dict[str, str], bol: FakeBol, aws: dict[str, str], order: str, *updates: dict[str, Any]
) -> None:
    """The bol channel holding the captured `order`, its `updates` queued and delivered while bol's
    process-status poll answers 503 once: the retry must follow bol's process, never push again."""
    setup(client, admin, bol, captured(order))
    bol.fail_next(503, {"title": "Service Unavailable", "status": 503}, path="/shared/process-status/")
    for update in updates:
        queue_update(aws, **update)
    pump_until_quiet(Pump(retry_delay_s=0))


def test_a_partial_cancellation_is_never_pushed_twice_on_retry(
    client: Any, admin: dict[str, str], bol: FakeBol, aws: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    update = {"channelId": BOL, "externalId": OLD, "status": "cancelled"}
    first = {"eventId": "evt-c1", **update, "lines": [{"lineId": "6107771545", "quantity": 1}]}
    pushed_through_a_503(client, admin, bol, aws, "bol_order.json", first)
    assert len(cancellations(bol)) == 1  # the retry found bol's process for it and followed that

    # Cancelled at bol by hand meanwhile, after the order was read: bol's FAILURE says "already".
    stale = copy.deepcopy(bol.orders[OLD])
    bol.item("6107771546")["quantityCancelled"] = 1
    bol.fail_next(200, stale, path=f"/retailer/orders/{OLD}")
    queue_update(aws, eventId="evt-c2", **update, lines=[{"lineId": "6107771546", "quantity": 1}])
    pump_until_quiet(Pump(retry_delay_s=0))

    assert len(cancellations(bol)) == 2
    refused = [p for p in bol.processes.values() if p["status"] == "FAILURE"]
    assert [p["errorMessage"] for p in refused] == ["Order item 6107771546 has already been cancelled."]
    assert pushes(capsys) == [("cancelled", "already"), ("cancelled", "already")]
    assert dead_letters(client) == []


def test_a_received_return_of_a_bol_order_is_handled_at_bol(
    client: Any, admin: dict[str, str], bol: FakeBol, aws: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    returned = {"channelId": BOL, "externalId": V10, "status": "returned"}
    first = {"eventId": "evt-r1", **returned, "lines": [{"lineId": "2012345678", "quantity": 2}]}
    # The item's second receipt: one return made before it, so a new one is made for it.
    again = [{"lineId": "2012345678", "quantity": 1, "unitsBefore": 2, "eventsBefore": 1}]
    second = {"eventId": "evt-r2", **returned, "lines": again}
    pushed_through_a_503(client, admin, bol, aws, "bol_order_v10_from_spec_examples.json", first, second)

    assert bol.returns == [
        {"orderItemId": "2012345678", "quantityReturned": 2, "handlingResult": "RETURN_RECEIVED"},
        {"orderItemId": "2012345678", "quantityReturned": 1, "handlingResult": "RETURN_RECEIVED"},
    ]
    # CreateReturnRequest (bol_retailer_api_v10_openapi.json): these three, all required; the fake checks
    # its plain JSON content type too.
    assert all(r.keys() == {"orderItemId", "quantityReturned", "handlingResult"} for r in bol.returns)
    assert [p["status"] for p in bol.processes.values()] == ["SUCCESS", "SUCCESS"]
    assert pushes(capsys) == [("returned", "already"), ("returned", "pushed")]  # the first: made, then followed
    assert dead_letters(client) == []
