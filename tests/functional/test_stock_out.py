"""Stock out to the marketplaces: a stock change goes outbox -> bus -> stock-out (a mark per channel and
SKU, the first change queuing a delayed push) -> stock-push -> fake bol over real HTTP, with what the
channel may sell read when the push is made: available where its sourcing may ship from, less the
buffer, never below 0; coalesced, paced per account, 429s honoured, refusals dead-lettered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.service import stock_out
from infra.pump import Pump
from tests.channels import connect, pump_until_quiet, running
from tests.conftest import ManualClock, bearer, issue_token, order_body, post, put
from tests.fake_platforms import BOL_CLIENT_ID, BOL_CLIENT_SECRET, FakeBol

pytestmark = pytest.mark.usefixtures("demo")
BOL = "bol-nl"
STORE = "store-ams-kalverstraat"  # size L: the default rules ship from it, keeping 1 back
SKU, OTHER = "8718526010011", "8718526010028"  # EANs only this test counts
OFFER, OTHER_OFFER = "13722de8-8182-d161-5422-4a0a1caab5c8", "6ff736b5-cdd0-4150-8c67-78269ee986f5"
QUEUE = "stock-push"
STOCK_CALLS = "/retailer/offers/"  # the fake's failures wait for these (the poller calls bol too)


@pytest.fixture
def bol() -> Iterator[FakeBol]:
    yield from running(FakeBol())


def connect_bol(client: Any, admin: dict[str, str], bol: FakeBol, **config: Any) -> None:
    credentials = {"clientId": BOL_CLIENT_ID, "clientSecret": BOL_CLIENT_SECRET}
    channel = {"credentials": credentials, "apiBaseUrl": bol.url, "authUrl": f"{bol.url}/token", "currency": "EUR"}
    connect(client, admin, BOL, "bol", **channel, listings={SKU: OFFER, OTHER: OTHER_OFFER}, **config)


def stock_out_config(client: Any, admin: dict[str, str], **section: Any) -> None:
    """The live `stockOut` section; no coalescing window unless given (moto delays by the wall's clock)."""
    answer = put(client, "/config/stockOut", {"coalesceSeconds": 0, **section}, admin)
    assert answer.status_code in (200, 201), answer.body


def count(client: Any, admin: dict[str, str], sku: str, on_hand: int, location: str = STORE) -> None:
    answer = put(client, f"/inventory/{location}/{sku}", {"onHand": on_hand}, admin)
    assert answer.status_code in (200, 201), answer.body


def till_sale(client: Any, admin: dict[str, str], quantity: int, sku: str = SKU) -> None:
    """Carried out of the store at its till: a store-channel order without delivery."""
    line = {"lineId": "1", "sku": sku, "quantity": quantity, "unitPrice": {"amount": "10.00", "currency": "EUR"}}
    paid = {"status": "paid", "amount": {"amount": f"{10 * quantity}.00", "currency": "EUR"}}
    body = order_body(channel="store", storeId=STORE, lines=[line], payment=paid)
    body.pop("delivery")
    answer = post(client, "/orders", body, admin)
    assert answer.status_code == 201, answer.body


def waiting(aws: dict[str, str]) -> int:
    """Pushes queued and not yet due (delayed by the coalescing window or the bucket)."""
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws[QUEUE], AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesDelayed"])


def push_due(sku: str = SKU) -> None:
    """The push SQS hands over once its delay is up (moto keeps time by the wall's clock)."""
    stock_out.push(stock_out.StockPush(channelId=BOL, sku=sku).model_dump_json())


def dead_letters(client: Any) -> list[dict[str, Any]]:
    answer = client.http.get(f"/ops/dead-letters?queue={QUEUE}", headers=bearer(issue_token("ops")))
    [queue] = json.loads(answer.body)["queues"]
    letters: list[dict[str, Any]] = queue["messages"]
    return letters


def test_a_sale_at_the_till_lowers_what_bol_shows(client, admin, bol):
    connect_bol(client, admin, bol)
    stock_out_config(client, admin)
    count(client, admin, SKU, 10)
    pump_until_quiet(Pump(retry_delay_s=0))
    assert bol.stock == {OFFER: 9}  # the rule that ships from stores keeps 1 back

    till_sale(client, admin, 2)
    pump_until_quiet(Pump(retry_delay_s=0))

    assert bol.stock == {OFFER: 7}
    assert [body for _, body in bol.stock_calls] == [
        {"amount": 9, "managedByRetailer": True},
        {"amount": 7, "managedByRetailer": True},
    ]


def test_the_push_waits_for_the_coalescing_window_then_says_what_is_there_then(client, admin, bol, aws):
    connect_bol(client, admin, bol)
    count(client, admin, SKU, 10)  # the default window: 30 s
    pump_until_quiet(Pump(retry_delay_s=0))
    assert bol.stock_calls == [] and waiting(aws) == 1

    till_sale(client, admin, 3)  # within the window: counted on the mark, nothing more queued
    pump_until_quiet(Pump(retry_delay_s=0))
    assert bol.stock_calls == [] and waiting(aws) == 1

    push_due()
    assert bol.stock == {OFFER: 6}  # what is there when it goes, not when it was queued


def test_a_burst_of_100_stock_changes_makes_a_handful_of_stock_calls(client, admin, bol):
    connect_bol(client, admin, bol)
    stock_out_config(client, admin)
    count(client, admin, SKU, 150)
    pump_until_quiet(Pump(retry_delay_s=0))
    for on_hand in range(149, 49, -1):  # the till's counts after each sale (a sale's events cost more to pump)
        count(client, admin, SKU, on_hand)
    pump_until_quiet(Pump(retry_delay_s=0))

    assert bol.stock == {OFFER: 49}
    assert 2 <= len(bol.stock_calls) <= 5, bol.stock_calls


def test_the_buffer_comes_off_never_below_zero_and_a_sku_may_have_its_own(client, admin, bol):
    connect_bol(client, admin, bol)
    stock_out_config(client, admin, buffer=1, bufferByChannel={BOL: 3}, bufferBySku={OTHER: 50})
    count(client, admin, SKU, 10)
    count(client, admin, OTHER, 20)
    count(client, admin, OTHER, 20, location="dc-tilburg")  # the DCs' rule keeps nothing back
    pump_until_quiet(Pump(retry_delay_s=0))

    assert bol.stock == {OFFER: 10 - 1 - 3, OTHER_OFFER: 0}  # 19 + 20 - 50: none


def test_a_429_pauses_the_channel_until_its_retry_after(client, admin, bol, aws, clock: ManualClock):
    connect_bol(client, admin, bol)
    stock_out_config(client, admin)
    count(client, admin, SKU, 10)
    pump_until_quiet(Pump(retry_delay_s=0))
    assert bol.stock == {OFFER: 9}

    bol.fail_next(429, {"title": "Too Many Requests", "status": 429}, path=STOCK_CALLS, Retry_After="60")
    till_sale(client, admin, 1)
    pump_until_quiet(Pump(retry_delay_s=0))  # the 429 holds this push back for its Retry-After
    count(client, admin, OTHER, 5)
    pump_until_quiet(Pump(retry_delay_s=0))  # the channel is paused: this one waits its turn
    assert bol.stock == {OFFER: 9} and len(bol.stock_calls) == 1
    assert waiting(aws) == 1 and dead_letters(client) == []

    clock.advance(30)
    push_due(OTHER)
    assert len(bol.stock_calls) == 1  # still paused
    clock.advance(31)
    push_due()
    push_due(OTHER)
    assert bol.stock == {OFFER: 8, OTHER_OFFER: 4}


def test_no_more_than_the_accounts_pace(client, admin, bol, aws, clock: ManualClock):
    connect_bol(client, admin, bol)
    stock_out_config(client, admin, pushesPerMinute=1)
    count(client, admin, SKU, 10)
    count(client, admin, OTHER, 10)
    pump_until_quiet(Pump(retry_delay_s=0))

    assert len(bol.stock_calls) == 1 and waiting(aws) == 1  # the second waits for a token
    clock.advance(60)
    push_due(OTHER if OFFER in bol.stock else SKU)
    assert bol.stock == {OFFER: 9, OTHER_OFFER: 9}


def test_a_refusal_is_dead_lettered_with_bols_reason(client, admin, bol):
    connect_bol(client, admin, bol)
    stock_out_config(client, admin)
    bol.fail_next(400, {"title": "Bad Request", "status": 400, "detail": "Offer is not for sale"}, path=STOCK_CALLS)
    count(client, admin, SKU, 10)
    pump_until_quiet(Pump(retry_delay_s=0))

    [letter] = dead_letters(client)
    assert letter["reason"].startswith(f"Refused: bol channel {BOL} at 127.0.0.1 answered 400: "), letter
    assert "Offer is not for sale" in letter["reason"]


def test_an_inactive_channel_and_a_webshop_platform_are_told_nothing(client, admin, bol):
    connect_bol(client, admin, bol, active=False)
    connect(client, admin, "shopify-nl", "shopify")
    stock_out_config(client, admin)
    count(client, admin, SKU, 10)
    pump = Pump(retry_delay_s=0)
    pushes = sum(pump.run_once().queues[QUEUE].received for _ in range(6))

    assert pushes == 0 and bol.received == []


def test_a_change_while_a_push_is_under_way_schedules_another(aws, clock: ManualClock):
    from chalicelib.adapters.dynamo import Table
    from chalicelib.adapters.stock_out import Marks

    marks = Marks(Table())
    assert marks.changed(BOL, SKU, at=clock.now(), stale=stock_out.STALE)  # the first: it schedules
    read = marks.read(BOL, SKU)  # the push reads the mark, then the stock, then calls the platform...
    assert not marks.changed(BOL, SKU, at=clock.now(), stale=stock_out.STALE)  # ...while a sale is counted
    assert not marks.pushed(BOL, SKU, read, 9, at=clock.now())  # so it may not clear: another push goes

    read = marks.read(BOL, SKU)
    assert marks.pushed(BOL, SKU, read, 8, at=clock.now())  # nothing new since: cleared
    assert marks.changed(BOL, SKU, at=clock.now(), stale=stock_out.STALE)  # the next change schedules again
    assert marks.read(BOL, SKU).pushed == 8


def test_a_push_lost_on_its_way_is_made_up_by_the_next_change(aws, clock: ManualClock):
    from chalicelib.adapters.dynamo import Table
    from chalicelib.adapters.stock_out import Marks

    marks = Marks(Table())
    assert marks.changed(BOL, SKU, at=clock.now(), stale=stock_out.STALE)  # and its message never sent
    clock.advance(stock_out.STALE.total_seconds() - 1)
    assert not marks.changed(BOL, SKU, at=clock.now(), stale=stock_out.STALE)
    clock.advance(2)
    assert marks.changed(BOL, SKU, at=clock.now(), stale=stock_out.STALE)
