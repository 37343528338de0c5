"""The local pump: queues drained into the app's handlers, DLQs, the outbox schedule, and (on
DynamoDB Local, which has the stream read API) the table's stream into the outbox relay."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from infra.pump import Pump
from tests.conftest import order_body


def _sqs() -> Any:
    from chalicelib.adapters import aws

    return aws.client("sqs")


def _send_batch(url: str, bodies: list[str]) -> None:
    _sqs().send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)])


def _drain(url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while batch := _sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        out.extend(batch)
    return out


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often the intake handler saw each message body."""
    from chalicelib.service import intake

    seen: Counter[str] = Counter()
    real = intake.handle

    def counting(body: str) -> None:
        seen[body] += 1
        real(body)

    monkeypatch.setattr(intake, "handle", counting)
    return seen


def test_intake_creates_valid_orders_and_dead_letters_only_the_poison_message(aws, handled):
    from chalicelib.adapters.dynamo import Table
    from chalicelib.adapters.orders_repo import OrdersRepository
    from chalicelib.resources import RESOURCES

    orders = [order_body() for _ in range(4)]
    valid = [json.dumps({"role": "channel:webshop", "order": o}) for o in orders]
    poison = "{not json"
    _send_batch(aws["order-intake"], [*valid, poison])

    pump = Pump(retry_delay_s=0)
    first = pump.run_once().queues["order-intake"]
    assert (first.received, first.succeeded, first.failed) == (5, 4, 1)
    max_receives = RESOURCES.queue("order-intake").max_receive_count
    for _ in range(max_receives + 1):
        pump.run_once()

    repo = OrdersRepository(Table())
    assert all(repo.id_for("webshop", o["externalId"]) for o in orders)
    assert all(handled[b] == 1 for b in valid), "batch-mates of the poison message were retried"
    assert handled[poison] == max_receives
    assert [m["Body"] for m in _drain(aws["order-intake-dlq"])] == [poison]
    assert _drain(aws["order-intake"]) == []


def test_handler_that_raises_fails_the_whole_batch(aws, monkeypatch):
    import app

    def broken(event: Any, context: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app, "order_intake", broken)
    _send_batch(aws["order-intake"], [json.dumps({"role": "channel:webshop", "order": order_body()})])
    pump = Pump(retry_delay_s=0)
    counts = pump.run_once()  # the pump survives and reports it
    assert (counts.queues["order-intake"].received, counts.queues["order-intake"].failed) == (1, 1)
    assert len(_drain(aws["order-intake"])) == 1


def test_schedule_publishes_pending_outbox_event_to_channel_updates_via_the_rule(aws, client, admin):
    from chalicelib.resources import RESOURCES
    from tests.conftest import post

    created = post(client, "/orders", order_body(), admin)
    assert created.status_code == 201, created.body
    order_id = json.loads(created.body)["orderId"]

    pump = Pump(retry_delay_s=0)
    counts = pump.run_once()
    assert counts.schedules_fired == len(RESOURCES.schedules) and counts.schedules_failed == 0

    from chalicelib.adapters import outbox
    from chalicelib.adapters.dynamo import Table

    assert outbox.pending(Table(), older_than=timedelta(0)) == []
    # Peek at what the rule delivered, then leave it for the pump's channel_updates handler.
    peeked = _sqs().receive_message(QueueUrl=aws["channel-updates"], VisibilityTimeout=0)["Messages"]
    envelopes = [json.loads(m["Body"]) for m in peeked]
    assert [(e["detail-type"], e["detail"]["orderId"]) for e in envelopes] == [("OrderCreated", order_id)]

    delivered = pump.run_once().queues["channel-updates"]
    assert (delivered.received, delivered.succeeded, delivered.failed) == (1, 1, 0)


def test_background_thread_starts_and_stops(aws):
    pump = Pump(idle_sleep_s=0.05)
    pump.start()
    pump.stop()
    assert pump._thread is None


@pytest.mark.dynamodb_local
@pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)
def test_the_stream_relays_new_events_and_the_first_sweep_what_came_before(aws, client, admin):
    from chalicelib.adapters import outbox
    from chalicelib.adapters.dynamo import Table
    from tests.conftest import post

    def pending() -> list[str]:
        return [e["orderId"] for e in outbox.pending(Table(), older_than=timedelta(0))]

    def create() -> str:
        created = post(client, "/orders", order_body(), admin)
        assert created.status_code == 201, created.body
        return str(json.loads(created.body)["orderId"])

    create()  # as if written by a run that crashed before publishing it
    pump = Pump(retry_delay_s=0, read_stream=True)
    first = pump.run_once()
    assert first.stream_records == 0, "the stream is read from the pump's start on, as Lambda reads from LATEST"
    assert pending() == [], "the first sweep publishes every pending event, however young"

    after = create()
    assert pending() == [after, after]  # OrderCreated, OrderSourced
    second = pump.run_once()
    assert second.stream_records > 0
    assert pending() == [], "relayed by the stream: the sweep now leaves events younger than a minute alone"
    # The first pass's sweep put the first order's OrderCreated on the queue after draining it; this
    # pass's stream relay put the second's there before draining: both reach the handler now.
    assert (second.queues["channel-updates"].received, second.queues["channel-updates"].failed) == (2, 0)


@pytest.mark.dynamodb_local
@pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)
def test_with_the_stream_relaying_the_sweep_runs_once_a_rate_not_every_pass(aws, capsys):
    def sweeps() -> int:  # each sweep reports the outbox's backlog as a metric point
        out: str = capsys.readouterr().out
        return out.count('"Name":"OutboxPendingAgeSeconds"')

    paced = Pump(retry_delay_s=0, read_stream=True)
    for _ in range(3):
        paced.run_once()
    assert sweeps() == 1, "the first pass sweeps everything; the next ones within the rate leave it to the stream"
    eager = Pump(retry_delay_s=0, read_stream=True, sweep_every_s=0)
    for _ in range(3):
        eager.run_once()
    assert sweeps() == 3
