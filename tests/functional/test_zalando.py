"""Zalando, polled: the captured orders go fake zDirect -> the poll schedule -> channel-inbox -> the
consumer and become the canonical orders, one unit per Zalando line folded back into one line per
article; a poll with nothing new creates nothing; a 429 stops a run and the next catches up; an
expired token is renewed; units Zalando cancels are cancelled here. Status goes back as line
transitions (tracking first, and only the first per order), exactly once; stock per EAN."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.outbound import Throttled
from chalicelib.domain.errors import Refused
from infra.pump import Pump
from tests import channels as ch
from tests.captured import payload
from tests.conftest import bearer, issue_token
from tests.fake_platforms import (
    ZALANDO_CLIENT_SECRET,
    FakeZalando,
)
from tests.functional.test_channel_status import dead_letters, queue_update
from tests.zalando import (
    BOOTS,
    EAN,
    FIRST,
    NEW,
    SHOES,
    SOCKS,
    SOCKS_ITEM,
    TWO_UNITS,
    ago,
    captured,
    dutch_variant,
    line_id,
    zalando_order,
)

pytestmark = pytest.mark.usefixtures("demo")
ZAL = "zalando-de"
CREDENTIALS = FakeZalando.credentials
TRACKING = {"carrier": "DHL", "code": "JJD000390007882465", "url": "https://www.dhl.de/track?JJD000390007882465"}


@pytest.fixture
def zalando() -> Iterator[FakeZalando]:
    yield from ch.running(FakeZalando())


def connect_zalando(client: Any, admin: dict[str, str], zalando: FakeZalando, *orders: dict[str, Any]) -> None:
    found = ch.connect(client, admin, ZAL, "zalando", credentials=CREDENTIALS, apiBaseUrl=zalando.url)
    assert found["hasCredentials"] is True and ZALANDO_CLIENT_SECRET not in json.dumps(found)
    for order in orders:
        zalando.add_order(order)
    ch.count_stock(client, admin, EAN, SHOES, SOCKS)


def lines_of(order: dict[str, Any]) -> list[tuple[str, str, int, str, list[str], int]]:
    return [
        (
            ln["lineId"],
            ln["sku"],
            ln["quantity"],
            ln["unitPrice"]["amount"],
            [d["amount"]["amount"] for d in ln.get("discounts", [])],
            ln["cancelledQuantity"],
        )
        for ln in order["lines"]
    ]


def test_polled_orders_become_canonical_with_their_units_folded_and_a_second_poll_creates_nothing(
    client: Any, admin: dict[str, str], zalando: FakeZalando, caplog: pytest.LogCaptureFixture
) -> None:
    connect_zalando(client, admin, zalando, *captured(), dutch_variant())
    caplog.set_level(logging.INFO)
    pump = Pump(retry_delay_s=0)
    assert ch.inbox_received(pump) == 3

    one = ch.order_of(client, admin, ZAL, FIRST)
    assert one is not None
    assert (one["payment"]["status"], one["payment"]["amount"]) == ("authorized", {"amount": "50", "currency": "EUR"})
    assert lines_of(one) == [("95ed2272-7674-3bfd-9f14-37a736617f85", EAN, 1, "50", [], 0)]
    assert one["placedAt"].startswith("2022-11-24T13:47:18.395")
    assert one["customer"]["id"] == f"{ZAL}:123456"
    address = one["delivery"]["address"]
    assert (address["line1"], address["postalCode"], address["country"]) == ("88 Halsey Drive", "SG4 9QR", "DE")

    two = ch.order_of(client, admin, ZAL, TWO_UNITS)
    assert two is not None and two["payment"]["status"] == "paid"
    assert two["payment"]["amount"] == {"amount": "100", "currency": "EUR"}
    assert lines_of(two) == [("ae6b0aae-e155-3693-84e0-8390c3eb0346", SHOES, 2, "50", [], 0)]

    dutch = ch.order_of(client, admin, ZAL, NEW)
    assert dutch is not None
    assert dutch["payment"]["amount"] == {"amount": "318.75", "currency": "EUR"}  # 3 units + socks + shipping
    assert lines_of(dutch) == [
        (BOOTS, EAN, 3, "99.95", ["10.00"], 1),  # the cancelled unit
        (SOCKS_ITEM, SOCKS, 1, "24.95", [], 0),
    ]
    address = dutch["delivery"]["address"]
    assert (address["line1"], address["houseNumber"], address["line2"]) == ("Keizersgracht", "123-A", "3 hoog")

    assert ch.inbox_received(pump) == 0  # fetched again (the overlap), the same states: nothing queued
    assert zalando.tokens_issued == 1  # cached until it expires
    logged = caplog.text
    assert ZALANDO_CLIENT_SECRET not in logged and "zal-access-" not in logged


def test_an_order_with_nothing_optional_becomes_a_guest_order(client: Any, admin: dict[str, str], zalando: FakeZalando):
    order = zalando_order("zalando_order.json", {"95ed2272-7674-3bfd-9f14-37a736617f85": (EAN, [("initial", "19.99")])})
    attributes = order["data"]["attributes"]
    for optional in ("customer_email", "customer_number", "billing_address", "merchant_order_id", "locale"):
        attributes.pop(optional)
    attributes.pop("order_lines_price_currency")
    for key in ("address_id", "address_type"):
        attributes["shipping_address"].pop(key)
    connect_zalando(client, admin, zalando, order)
    assert ch.inbox_received(Pump(retry_delay_s=0)) == 1
    found = ch.order_of(client, admin, ZAL, FIRST)
    assert found is not None
    assert found["customer"]["id"] == f"{ZAL}:guest:{FIRST}"
    assert found["payment"]["amount"] == {"amount": "19.99", "currency": "EUR"}


def test_a_429_stops_the_run_and_the_next_catches_up(client: Any, admin: dict[str, str], zalando: FakeZalando):
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import channel_poll

    connect_zalando(client, admin, zalando, *captured())
    zalando.fail_next(429, {"message": "Rate limit exceeded"}, Retry_After="1", X_Rate_Limit="10")
    assert channel_poll.poll_all(bootstrap())[ZAL] == "throttled"
    assert channel_poll.poll_all(bootstrap())[ZAL] == "paused"  # its Retry-After has not passed
    assert ch.order_of(client, admin, ZAL, TWO_UNITS) is None
    time.sleep(1.1)
    assert ch.inbox_received(Pump(retry_delay_s=0)) == 2  # the mark did not move: the next run catches up
    assert ch.order_of(client, admin, ZAL, TWO_UNITS) is not None


def test_units_zalando_cancels_later_are_cancelled_here_and_an_expired_token_is_renewed(
    client: Any, admin: dict[str, str], zalando: FakeZalando
) -> None:
    connect_zalando(client, admin, zalando, *captured())
    pump = Pump(retry_delay_s=0)
    assert ch.inbox_received(pump) == 2
    zalando.expire_tokens()

    [first, second] = [r["id"] for r in zalando.resources.values() if r["type"] == "OrderLine"][1:]
    zalando.set_line(first, "canceled", ago(seconds=1))
    assert ch.inbox_received(pump) == 1
    found = ch.order_of(client, admin, ZAL, TWO_UNITS)
    assert found is not None and lines_of(found)[0][5] == 1 and found["status"] != "cancelled"
    assert zalando.tokens_issued == 2  # the expired one was refused (401): a new one, once

    zalando.set_line(second, "canceled", ago(seconds=0.5))
    assert ch.inbox_received(pump) == 1
    found = ch.order_of(client, admin, ZAL, TWO_UNITS)
    assert found is not None and found["status"] == "cancelled" and lines_of(found)[0][5] == 2


def test_an_unknown_sku_is_dead_lettered_with_its_reason_and_created_once_redriven(
    client: Any, admin: dict[str, str], zalando: FakeZalando
) -> None:
    order = zalando_order(
        "zalando_order.json", {"95ed2272-7674-3bfd-9f14-37a736617f85": ("ZS-NEW-1", [("initial", 50)])}
    )
    connect_zalando(client, admin, zalando, order)
    ops = bearer(issue_token("ops"))
    pump = Pump(retry_delay_s=0)
    ch.inbox_received(pump, passes=8)
    letter = ch.inbox_dead_letter(client, ops)
    assert letter["reason"].startswith("Unmappable: SKU 'ZS-NEW-1' (line 95ed2272-7674-3bfd-9f14-37a736617f85)")

    ch.count_stock(client, admin, "ZS-NEW-1")
    ch.redrive_inbox(client, ops)
    ch.inbox_received(pump)
    assert ch.order_of(client, admin, ZAL, FIRST) is not None


# Status back: channel-status -> the connector's push_status -> fake zDirect.


def ship(aws: dict[str, str], event_id: str, lines: list[dict[str, Any]], tracking: dict[str, str]) -> None:
    queue_update(
        aws,
        eventId=event_id,
        channelId=ZAL,
        externalId=NEW,
        status="shipped",
        lines=lines,
        tracking=tracking,
        fulfilmentOrderId="fo-1",
    )


def patches(zalando: FakeZalando, kind: str) -> list[tuple[str, Any]]:
    return [(p, b) for m, p, b in zalando.received if m == "PATCH" and (("/lines/" in p) == (kind == "line"))]


def test_a_shipment_goes_back_once_tracking_first_even_when_calls_fail_or_answer_429(
    client: Any, admin: dict[str, str], zalando: FakeZalando, aws: dict[str, str], logs: Any
) -> None:
    connect_zalando(client, admin, zalando, dutch_variant())
    zalando.fail_next(503, {"errors": [{"status": "503", "title": "Service Unavailable"}]})
    zalando.fail_next(429, {"message": "Rate limit exceeded"}, Retry_After="1")
    ship(aws, "evt-ship-1", [{"lineId": BOOTS, "quantity": 2}], TRACKING)
    pump = Pump(retry_delay_s=0)
    ch.pump_until_quiet(pump)
    time.sleep(5.2)  # Zalando wants 5 s between the tracking and the lines: the message waits them out
    ch.pump_until_quiet(pump)
    ship(aws, "evt-ship-1-again", [{"lineId": BOOTS, "quantity": 2}], TRACKING)  # at least once: nothing new
    ch.pump_until_quiet(pump)

    [(path, body)] = patches(zalando, "order")  # the tracking, before any line
    assert path.endswith(f"/orders/{NEW}") and body == {
        "data": {"type": "Order", "id": NEW, "attributes": {"tracking_number": TRACKING["code"]}}
    }
    assert body["data"].keys() == payload("zalando_order_update_from_spec_examples.json")["data"].keys()
    [tracked, *lines] = zalando.patched_at
    assert tracked[1].endswith(f"/orders/{NEW}") and lines and lines[0][0] - tracked[0] >= 5
    shipped = patches(zalando, "line")
    assert len(shipped) == 2 and len({p for p, _ in shipped}) == 2
    assert all(b["data"]["attributes"] == {"status": "shipped"} for _, b in shipped)
    spec = payload("zalando_order_line_update_from_spec_examples.json")["data"]
    assert all(b["data"].keys() == spec.keys() and b["data"]["type"] == spec["type"] for _, b in shipped)
    statuses = sorted(zalando.line(p.rsplit("/", 1)[-1])["status"] for p, _ in shipped)
    assert statuses == ["shipped", "shipped"]
    assert len(patches(zalando, "order")) == 1 and dead_letters(client) == []
    assert ZALANDO_CLIENT_SECRET not in logs.getvalue() and "zal-access-" not in logs.getvalue()


def test_a_second_shipment_of_the_order_keeps_the_first_tracking_number(
    client: Any, admin: dict[str, str], zalando: FakeZalando, aws: dict[str, str], logs: Any
) -> None:
    order = dutch_variant()
    order["data"]["attributes"]["tracking_number"] = TRACKING["code"]  # the first parcel's, sent before
    connect_zalando(client, admin, zalando, order)
    ship(
        aws,
        "evt-ship-2",
        [{"lineId": SOCKS_ITEM, "quantity": 1}],
        TRACKING | {"code": "JJD2"},
    )
    ch.pump_until_quiet(Pump(retry_delay_s=0))

    assert patches(zalando, "order") == []  # no other number sent: Zalando would keep the first anyway
    [(path, _)] = patches(zalando, "line")
    assert path.endswith(f"/orders/{NEW}/items/{SOCKS_ITEM}/lines/{line_id(SOCKS_ITEM, 0)}")
    assert zalando.orders[NEW]["attributes"]["tracking_number"] == TRACKING["code"]
    assert "keeps the order's first tracking number" in logs.getvalue() and dead_letters(client) == []


def test_a_cancellation_moves_each_open_line_and_already_cancelled_counts_as_success(
    client: Any, admin: dict[str, str], zalando: FakeZalando, aws: dict[str, str], capsys: Any
) -> None:
    connect_zalando(client, admin, zalando, dutch_variant())
    lines = [r["id"] for r in zalando.resources.values() if r["type"] == "OrderLine"]
    zalando.line(lines[0])["status"] = "shipped"  # shipped: stays, comes back as a return
    zalando.cancel_meanwhile.add(lines[3])  # cancelled in Zalando's admin between our read and our PATCH
    queue_update(aws, eventId="evt-cancel", channelId=ZAL, externalId=NEW, status="cancelled")
    queue_update(aws, eventId="evt-cancel-again", channelId=ZAL, externalId=NEW, status="cancelled")
    queue_update(aws, eventId="evt-refund", channelId=ZAL, externalId=NEW, status="refunded")
    ch.pump_until_quiet(Pump(retry_delay_s=0))

    assert sorted(p.rsplit("/", 1)[-1] for p, _ in patches(zalando, "line")) == sorted([lines[1], lines[3]])
    assert [zalando.line(i)["status"] for i in lines] == ["shipped", "canceled", "canceled", "canceled"]
    outcomes = [json.loads(ln) for ln in capsys.readouterr().out.splitlines() if '"ChannelStatusPushes"' in ln]
    assert [(m["status"], m["outcome"]) for m in outcomes] == [
        ("cancelled", "pushed"),
        ("cancelled", "already"),
        ("refunded", "recorded"),  # Zalando refunds its own customer
    ]
    assert dead_letters(client) == []


def test_a_partial_cancellation_moves_only_the_units_not_yet_so_and_a_return_moves_shipped_ones(
    client: Any, admin: dict[str, str], zalando: FakeZalando, aws: dict[str, str], capsys: Any
) -> None:
    connect_zalando(client, admin, zalando, dutch_variant())
    boots = [line_id(BOOTS, n) for n in range(3)]  # reserved, initial, and one Zalando cancelled before
    zalando.line(boots[0])["status"] = "canceled"  # this update's unit: an earlier attempt's answer was lost
    cancelled = {"channelId": ZAL, "externalId": NEW, "status": "cancelled"}
    queue_update(aws, eventId="evt-part-1", **cancelled, lines=[{"lineId": BOOTS, "quantity": 1, "unitsBefore": 1}])
    queue_update(aws, eventId="evt-part-2", **cancelled, lines=[{"lineId": BOOTS, "quantity": 1, "unitsBefore": 2}])
    zalando.line(line_id(SOCKS_ITEM, 0))["status"] = "shipped"
    returned = {"channelId": ZAL, "externalId": NEW, "status": "returned"}
    queue_update(aws, eventId="evt-return", **returned, lines=[{"lineId": SOCKS_ITEM, "quantity": 1}])
    queue_update(aws, eventId="evt-return-again", **returned, lines=[{"lineId": SOCKS_ITEM, "quantity": 1}])
    ch.pump_until_quiet(Pump(retry_delay_s=0))

    moved = [(p.rsplit("/", 1)[-1], b["data"]["attributes"]["status"]) for p, b in patches(zalando, "line")]
    assert moved == [(boots[1], "canceled"), (line_id(SOCKS_ITEM, 0), "returned")]
    assert [zalando.line(i)["status"] for i in boots] == ["canceled", "canceled", "canceled"]
    outcomes = [json.loads(ln) for ln in capsys.readouterr().out.splitlines() if '"ChannelStatusPushes"' in ln]
    assert [(m["status"], m["outcome"]) for m in outcomes] == [
        ("cancelled", "already"),  # its unit was so already: the other open one stays for its own update
        ("cancelled", "pushed"),
        ("returned", "pushed"),
        ("returned", "already"),
    ]
    assert dead_letters(client) == []


def test_stock_goes_to_every_live_sales_channel_per_ean(zalando: FakeZalando) -> None:
    from chalicelib.adapters.channels import connector
    from chalicelib.adapters.channels.base import StockTaker
    from chalicelib.domain.network import Channel

    taker = connector("zalando")
    assert isinstance(taker, StockTaker)
    channel, credentials = Channel(ZAL, "zalando", api_base_url=zalando.url), json.dumps(CREDENTIALS)

    assert taker.push_stock(channel, credentials, EAN, 7) == "pushed"
    assert taker.push_stock(channel, credentials, SHOES, -2) == "pushed"  # never below 0
    assert zalando.stock == {
        ("01924c48-49bb-40c2-9c32-ab582e6db6f4", EAN): 7,
        ("091dcbdd-7839-4f39-aa05-324eb4599df0", EAN): 7,  # not Poland's: not live
        ("01924c48-49bb-40c2-9c32-ab582e6db6f4", SHOES): 0,
        ("091dcbdd-7839-4f39-aa05-324eb4599df0", SHOES): 0,
    }
    asked = [p for _, p, _ in zalando.received if p.startswith("/sales-channels")]
    assert taker.push_stock(channel, credentials, EAN, 8) == "pushed"
    assert [p for _, p, _ in zalando.received if p.startswith("/sales-channels")] == asked  # kept for an hour

    with pytest.raises(Refused, match="Zalando takes stock per EAN, and SKU 'ZS-SOCK-42' is not one"):
        taker.push_stock(channel, credentials, SOCKS, 1)
    with pytest.raises(Refused, match="stock of 012345678905 rejected: ean is not a GTIN-13"):
        taker.push_stock(channel, credentials, "012345678905", 1)
    zalando.fail_next(429, {"message": "Rate limit exceeded"}, Retry_After="3")
    with pytest.raises(Throttled) as throttled:
        taker.push_stock(channel, credentials, EAN, 6)
    assert throttled.value.seconds == 3 and ZALANDO_CLIENT_SECRET not in str(throttled.value)


def test_the_window_is_read_page_by_page_each_order_with_only_its_own_items_and_lines(zalando: FakeZalando) -> None:
    from chalicelib.adapters.channels import zalando_api
    from chalicelib.domain.network import Channel

    for n in range(zalando_api.PAGE_SIZE + 1):
        item = f"1a2b3c4d-0000-4000-8000-{n:08d}00c0"
        zalando.add_order(zalando_order("zalando_order.json", {item: (EAN, [("initial", n)])}, order_id=f"order-{n}"))
    zalando.add_order(zalando_order("zalando_order.json", {BOOTS: (EAN, [("initial", 1)])}, modified_at=ago(days=2)))
    # A channel of its own: no token cached by an earlier test's fake (refused here, then renewed).
    channel, now = Channel(f"{ZAL}-pages", "zalando", api_base_url=zalando.url), datetime.now(UTC)

    found = list(zalando_api.changed_orders(channel, json.dumps(CREDENTIALS), now - timedelta(days=1), now))

    assert len(found) == zalando_api.PAGE_SIZE + 1  # not the one modified two days ago
    for document in found:
        [item] = [r for r in document["included"] if r["type"] == "OrderItem"]
        [line] = [r for r in document["included"] if r["type"] == "OrderLine"]
        assert (
            item["attributes"]["order_id"] == document["data"]["id"] == f"order-{line['attributes']['price']['amount']}"
        )
    listed = [p for m, p, _ in zalando.received if m == "GET" and "/orders?" in p]
    assert len(listed) == 2 and "include=order_items%2Corder_lines" in listed[0] and "sort=modified_at" in listed[0]


def test_an_order_changing_while_the_window_is_read_never_hides_another(
    zalando: FakeZalando, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters.channels import zalando_api
    from chalicelib.domain.network import Channel

    monkeypatch.setattr(zalando_api, "PAGE_SIZE", 2)
    for n in range(5):
        item = f"1a2b3c4d-0000-4000-8000-{n:08d}00c1"
        changed = {"order_id": f"order-{n}", "modified_at": ago(minutes=60 - n)}
        zalando.add_order(zalando_order("zalando_order.json", {item: (EAN, [("initial", n)])}, **changed))
    # After the first page the first order changes again (it leaves the window, for the next run): by
    # page number the second page would start at order-3, and order-2 would never be read.
    first = zalando.orders["order-0"]["attributes"]
    zalando.after_listing.append(lambda: first.update(modified_at=ago(minutes=-5)))
    channel, now = Channel(f"{ZAL}-shift", "zalando", api_base_url=zalando.url), datetime.now(UTC)

    found = zalando_api.changed_orders(channel, json.dumps(CREDENTIALS), now - timedelta(days=1), now)

    assert sorted(d["data"]["id"] for d in found) == [f"order-{n}" for n in range(5)]  # each once
