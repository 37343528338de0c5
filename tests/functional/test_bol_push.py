"""bol.com's push notifications (an AWS_SQS subscription): an ORDER push on the bol-notifications queue
-> the channel of its retailer -> channel-inbox -> the consumer fetches the order from fake bol and
applies it; delivered twice, it is fetched and made once. A push no channel can be told to be for is
dead-lettered saying what to set; process statuses and other resources are counted and dropped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infra.pump import Pump
from tests.captured import payload
from tests.channels import connect, count_stock, order_of, pump_until_quiet, running
from tests.fake_platforms import BOL_CLIENT_ID, BOL_CLIENT_SECRET, FakeBol
from tests.functional.test_amazon import admin_ops
from tests.functional.test_bol import V10, captured

pytestmark = pytest.mark.usefixtures("demo")
NOTIFICATIONS = "bol-notifications"
RETAILER = "1234567"  # the sample push's retailerId


@pytest.fixture
def bol() -> Iterator[FakeBol]:
    yield from running(FakeBol())


def connect_bol(client: Any, admin: dict[str, str], bol: FakeBol, channel_id: str, **more: str) -> None:
    """A bol channel on the fake, its poller paused by a 429 for an hour: only a push brings an order."""
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import channel_poll

    credentials = {"clientId": BOL_CLIENT_ID, "clientSecret": BOL_CLIENT_SECRET, **more}
    urls = {"apiBaseUrl": bol.url, "authUrl": f"{bol.url}/token", "currency": "EUR"}
    connect(client, admin, channel_id, "bol", credentials=credentials, **urls)
    bol.fail_next(429, {"title": "Too Many Requests", "status": 429}, path="/retailer/orders?", Retry_After="3600")
    assert channel_poll.poll_all(bootstrap())[channel_id] == "throttled"


def push(aws: dict[str, str], resource: str, resource_id: str, *, retailer: str = RETAILER, at: str = "") -> None:
    """A push as bol sends it to our queue: the notification's JSON as the body."""
    note = payload("bol_push_notification.json")
    note["retailerId"] = int(retailer)
    note["event"].update(resource=resource, type="NEW" if resource == "ORDER" else "SUCCESS", resourceId=resource_id)
    note["timestamp"] = at or note["timestamp"]
    boto3.client("sqs").send_message(QueueUrl=aws[NOTIFICATIONS], MessageBody=json.dumps(note))


def v10_in_stock(client: Any, admin: dict[str, str], bol: FakeBol) -> None:
    """bol holds the spec's v10 order, and its items are in stock here."""
    order = captured("bol_order_v10_from_spec_examples.json")
    bol.add_order(order)
    count_stock(client, admin, *{i["product"]["ean"] for i in order["orderItems"]})


def fetched(bol: FakeBol, order_id: str) -> int:
    return sum(1 for method, path, _ in bol.received if (method, path) == ("GET", f"/retailer/orders/{order_id}"))


def letters(client: Any) -> list[dict[str, Any]]:
    """The bol-notifications queue's dead letters, with their reasons."""
    answer = client.http.get(f"/ops/dead-letters?queue={NOTIFICATIONS}", headers=admin_ops())
    found: list[dict[str, Any]] = json.loads(answer.body)["queues"][0]["messages"]
    return found


def test_a_bol_order_push_on_sqs_creates_the_order_once_even_when_delivered_twice(
    client: Any, admin: dict[str, str], bol: FakeBol, aws: dict[str, str]
) -> None:
    v10_in_stock(client, admin, bol)
    connect_bol(client, admin, bol, "bol-be", retailerId="7654321")  # another retailer's channel
    connect_bol(client, admin, bol, "bol-nl", retailerId=RETAILER)

    push(aws, "ORDER", V10)
    push(aws, "ORDER", V10)  # bol's retry of the same push
    pump_until_quiet(Pump(retry_delay_s=0))

    found = order_of(client, admin, "bol-nl", V10)
    assert found is not None and found["payment"]["amount"] == {"amount": "118.91", "currency": "EUR"}
    assert order_of(client, admin, "bol-be", V10) is None
    assert fetched(bol, V10) == 1  # the repeat was kept once: fetched once

    push(aws, "ORDER", V10, at="2020-02-02T23:30:00+01:00")  # a later change of it: fetched again, not made again
    pump_until_quiet(Pump(retry_delay_s=0))
    assert fetched(bol, V10) == 2
    listed = client.http.get(f"/orders?channel=bol-nl&externalId={V10}", headers=admin)
    assert len(json.loads(listed.body)["items"]) == 1
    assert letters(client) == []


def test_a_bol_push_for_an_unknown_retailer_is_dead_lettered_saying_what_to_set(
    client: Any, admin: dict[str, str], bol: FakeBol, aws: dict[str, str]
) -> None:
    bol.add_order(captured("bol_order_v10_from_spec_examples.json"))
    connect_bol(client, admin, bol, "bol-nl", retailerId="7654321")
    push(aws, "ORDER", V10)
    pump_until_quiet(Pump(retry_delay_s=0))
    [letter] = letters(client)
    assert "no active bol channel has retailerId 1234567 in its credentials" in letter["reason"]
    assert "credentials including it, then redrive this message" in letter["reason"]

    connect_bol(client, admin, bol, "bol-be")  # two channels without a retailerId: whose is it?
    connect_bol(client, admin, bol, "bol-de")
    push(aws, "ORDER", V10, at="2020-02-02T23:30:00+01:00")
    pump_until_quiet(Pump(retry_delay_s=0))
    reasons = [letter["reason"] for letter in letters(client)]
    assert any("bol channels bol-be, bol-de have no retailerId in their credentials" in r for r in reasons), reasons
    assert fetched(bol, V10) == 0
    assert order_of(client, admin, "bol-nl", V10) is None


def test_a_bol_push_finds_the_one_bol_channel_without_a_retailer_id(
    client: Any, admin: dict[str, str], bol: FakeBol, aws: dict[str, str]
) -> None:
    v10_in_stock(client, admin, bol)
    connect_bol(client, admin, bol, "bol-nl")  # the contract's two keys: no retailerId
    push(aws, "ORDER", V10)
    pump_until_quiet(Pump(retry_delay_s=0))
    assert order_of(client, admin, "bol-nl", V10) is not None


def test_a_bol_process_status_push_is_ignored(
    client: Any, admin: dict[str, str], bol: FakeBol, aws: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    connect_bol(client, admin, bol, "bol-nl", retailerId=RETAILER)
    capsys.readouterr()
    for resource in ("PROCESS_STATUS", "SHIPMENT", "OFFER_FOR_SALE", "TEST"):
        push(aws, resource, "1234567")
    counts = Pump(retry_delay_s=0).run_once()

    assert counts.queues[NOTIFICATIONS].received == 4 and counts.queues[NOTIFICATIONS].failed == 0
    assert counts.queues["channel-inbox"].received == 0
    printed = [json.loads(ln) for ln in capsys.readouterr().out.splitlines() if '"ChannelDeliveries"' in ln]
    assert [(m["channel"], m["outcome"]) for m in printed] == [("bol", "ignored")] * 4
    assert letters(client) == []
    assert [call for call in bol.received if call[1].startswith("/retailer/orders/")] == []


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("not json", "the message body is not JSON"),
        ("[]", "it has no event.resource"),
        ('{"retailerId": 1, "event": {}}', "it has no event.resource"),
        ('{"event": {"resource": "ORDER"}}', "retailerId is missing"),
    ],
)
def test_a_message_that_is_not_a_bol_push_is_refused_naming_what_is_missing(body: str, said: str) -> None:
    from chalicelib.adapters.channels import bol
    from chalicelib.adapters.channels.base import Unmappable

    with pytest.raises(Unmappable) as refused:
        bol.notification(body)
    assert said in str(refused.value)
