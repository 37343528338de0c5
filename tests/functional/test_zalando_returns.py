"""Zalando's announced returns: a customer registers a return in Zalando's app, the poll run reads it
(fake zDirect `announced-returns`, paged by cursor) and queues it to the channel inbox, whose consumer
creates the OMS return through the use case of `POST /orders/{id}/returns`: approved by the policy,
expected at the DC that sent the units, with Zalando's reason and label tracking. Each once, however
often it is listed or delivered; one the OMS cannot take is counted, logged and dead-lettered, and
the others go on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.pump import Pump
from tests import channels as ch
from tests.captured import payload
from tests.conftest import bearer, issue_token, post
from tests.fake_platforms import ZALANDO_MERCHANT, FakeZalando
from tests.functional.test_partners import emitted
from tests.functional.test_zalando import CREDENTIALS, ZAL, connect_zalando
from tests.zalando import FIRST, TWO_UNITS, ago, captured, line_id

pytestmark = pytest.mark.usefixtures("demo")
SHOES_ITEM = "ae6b0aae-e155-3693-84e0-8390c3eb0346"  # TWO_UNITS's one article, two units
LABEL = "744374997468"


@pytest.fixture
def zalando() -> Iterator[FakeZalando]:
    yield from ch.running(FakeZalando())


def announced(return_id: str, *orders: tuple[str, list[tuple[str, str]]], at: str | None = None) -> dict[str, Any]:
    """The spec's example announced return, of `orders` (order id -> its (order item, reason) per unit)."""
    found: dict[str, Any] = payload("zalando_announced_returns_from_spec_examples.json")["data"][0]
    [example] = found["orders"]
    return found | {
        "announced_return_id": return_id,
        "return_registered_at": at or ago(seconds=1),
        "orders": [
            example
            | {
                "order_id": order_id,
                "order_lines": [
                    {"order_line_id": line_id(item, n), "order_item_id": item, "return_reason": reason}
                    for n, (item, reason) in enumerate(units)
                ],
            }
            for order_id, units in orders
        ],
    }


def delivered(client: Any, admin: dict[str, str], external_id: str, channel: str = ZAL) -> dict[str, Any]:
    """The channel's order's fulfilment orders accepted, picked, shipped and delivered by their DC."""
    order = ch.order_of(client, admin, channel, external_id)
    assert order is not None
    for fo in order["fulfilmentOrders"]:
        dc = bearer(issue_token(f"dc:{fo['locationId']}"))
        for event in ("accept", "pick", "ship", "deliver"):
            answer = post(client, f"/fulfilment-orders/{fo['fulfilmentOrderId']}/events", {"type": event}, dc)
            assert answer.status_code == 200, answer.body
    return order


def returns_at(client: Any, location: str) -> list[dict[str, Any]]:
    dc = bearer(issue_token(f"dc:{location}"))
    answer = client.http.get(f"/returns?locationId={location}", headers=dc)
    assert answer.status_code == 200, answer.body
    items: list[dict[str, Any]] = json.loads(answer.body)["items"]
    return items


def outcomes(printed: str) -> list[str]:
    return [m["outcome"] for m in emitted(printed, "ChannelReturnsAnnounced")]


def test_an_announced_return_becomes_an_oms_return_at_the_dc_once_however_often_listed_or_delivered(
    client: Any, admin: dict[str, str], zalando: FakeZalando, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.adapters import keys
    from chalicelib.adapters.dynamo import Table
    from chalicelib.service import channel_orders

    connect_zalando(client, admin, zalando, *captured())
    pump = Pump(retry_delay_s=0)
    assert ch.inbox_received(pump) == 2
    order = delivered(client, admin, TWO_UNITS)
    dc = order["fulfilmentOrders"][0]["locationId"]
    zalando.announce(announced("ar-1", (TWO_UNITS, [(SHOES_ITEM, "TOO_LARGE")])))

    assert ch.inbox_received(pump) == 1
    [ret] = returns_at(client, dc)
    assert (ret["orderId"], ret["status"], ret["returnTo"], ret["createdBy"]) == (
        order["orderId"],
        "approved",
        {"locationId": dc},
        f"channel:{ZAL}",
    )
    assert [(ln["lineId"], ln["quantity"], ln["reason"]) for ln in ret["lines"]] == [(SHOES_ITEM, 1, "does_not_fit")]
    assert ret["tracking"]["code"] == LABEL
    assert outcomes(capsys.readouterr().out) == ["approved"]

    assert ch.inbox_received(pump) == 0  # listed again (the overlap): nothing queued
    key = "return-ar-1-" + TWO_UNITS
    assert Table().get(keys.delivery_key(ZAL, key)) is not None
    channel_orders.handle(json.dumps({"channelId": ZAL, "deliveryKey": key}))  # SQS delivers it once more
    assert [r["returnId"] for r in returns_at(client, dc)] == [ret["returnId"]]
    answer = json.loads(client.http.get(f"/orders/{order['orderId']}", headers=admin).body)
    assert answer["lines"][0]["ledger"]["returnRequested"] == 1  # one unit expected back, not two


def test_an_unknown_order_or_an_unknown_reason_is_counted_and_dead_lettered_and_the_others_go_on(
    client: Any, admin: dict[str, str], zalando: FakeZalando, capsys: pytest.CaptureFixture[str], logs: Any
) -> None:
    connect_zalando(client, admin, zalando, *captured())
    pump = ch.drain()
    ch.inbox_received(pump)
    order = delivered(client, admin, TWO_UNITS)
    delivered(client, admin, FIRST)
    dc = order["fulfilmentOrders"][0]["locationId"]
    stranger = "00000000-0000-4000-8000-00000000dead"
    # One announced return of two orders, one of them unknown to the OMS; another with a reason no
    # code of the returns section knows.
    two_orders = (stranger, [(SHOES_ITEM, "TOO_SMALL")]), (TWO_UNITS, [(SHOES_ITEM, "DONT_LIKE")])
    zalando.announce(announced("ar-2", *two_orders))
    zalando.announce(announced("ar-3", (FIRST, [("95ed2272-7674-3bfd-9f14-37a736617f85", "WRONG_COLOUR")])))
    capsys.readouterr()

    ch.inbox_received(pump)
    ch.drain(pump)

    [ret] = returns_at(client, dc)
    assert (ret["orderId"], [(ln["quantity"], ln["reason"]) for ln in ret["lines"]]) == (
        order["orderId"],
        [(1, "changed_mind")],
    )
    counted = outcomes(capsys.readouterr().out)
    assert counted.count("approved") == 1 and counted.count("refused") == 1
    assert counted.count("unknown_order") >= 2  # each attempt, until it is dead-lettered
    ops = bearer(issue_token("ops"))
    letters = json.loads(client.http.get("/ops/dead-letters?queue=channel-inbox", headers=ops).body)
    reasons = sorted(m["reason"] for m in letters["queues"][0]["messages"])
    assert len(reasons) == 2
    assert reasons[0].startswith(f"NotFound: announced return ar-2: the OMS has no order {stranger}")
    assert reasons[1].startswith("Refused: announced return ar-3 of order ") and "wrong_colour" in reasons[1]
    logged = logs.getvalue()
    assert '"announcedReturnId":"ar-2"' in logged and '"announcedReturnId":"ar-3"' in logged


def test_a_return_the_policy_refuses_is_a_declined_return_saying_why_and_counted(
    client: Any, admin: dict[str, str], zalando: FakeZalando, capsys: pytest.CaptureFixture[str]
) -> None:
    connect_zalando(client, admin, zalando, *captured())
    pump = Pump(retry_delay_s=0)
    ch.inbox_received(pump)
    order = delivered(client, admin, TWO_UNITS)
    both = [(SHOES_ITEM, "TOO_LARGE"), (SHOES_ITEM, "TOO_LARGE")]
    zalando.announce(announced("ar-4", (TWO_UNITS, both)))
    zalando.announce(announced("ar-5", (TWO_UNITS, both[:1])))  # a third unit of two: never sent
    capsys.readouterr()

    ch.inbox_received(pump)

    answer = json.loads(client.http.get(f"/orders/{order['orderId']}", headers=admin).body)
    assert answer["lines"][0]["ledger"]["returnRequested"] == 2
    assert sorted(outcomes(capsys.readouterr().out)) == ["approved", "declined"]
    dc = order["fulfilmentOrders"][0]["locationId"]
    declined = returns_at(client, dc)  # approved ones only: the declined one is on the order
    assert [r["lines"][0]["quantity"] for r in declined] == [2]


def test_announced_returns_are_read_oldest_first_page_by_page_by_their_cursor_within_the_window(
    zalando: FakeZalando, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters.channels import zalando_api
    from chalicelib.domain.network import Channel

    monkeypatch.setattr(zalando_api, "RETURNS_PAGE_SIZE", 2)
    now = datetime.now(UTC)
    for n in range(5):
        zalando.announce(announced(f"ar-page-{n}", (TWO_UNITS, [(SHOES_ITEM, "TOO_LARGE")]), at=ago(minutes=50 - n)))
    zalando.announce(announced("ar-old", (TWO_UNITS, [(SHOES_ITEM, "TOO_LARGE")]), at=ago(days=2)))
    zalando.announce(announced("ar-late", (TWO_UNITS, [(SHOES_ITEM, "TOO_LARGE")]), at=ago(minutes=-5)))
    channel = Channel(f"{ZAL}-returns", "zalando", api_base_url=zalando.url)

    found = zalando_api.announced_returns(channel, json.dumps(CREDENTIALS), now - timedelta(days=1), now)

    assert [r["announced_return_id"] for r in found] == [f"ar-page-{n}" for n in range(5)]
    listed = [p for m, p, _ in zalando.received if m == "GET" and "/announced-returns" in p]
    assert len(listed) == 3 and all(p.startswith(f"/merchants/{ZALANDO_MERCHANT}/announced-returns?") for p in listed)
    assert "sort=return_registered_at" in listed[0] and "limit=2" in listed[0]
    assert all(p.split("?")[1].startswith("cursor=") for p in listed[1:])  # the next link's, on our own host
