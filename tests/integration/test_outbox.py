"""The outbox: events committed with their change reach the bus at least once, never lost."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3

from chalicelib.adapters import outbox
from chalicelib.adapters.dynamo import Table, to_wire
from chalicelib.contracts.events import parse_detail
from chalicelib.resources import RESOURCES, physical_name
from tests.conftest import bearer, issue_token, order_body, post

NOW = timedelta(0)


def delivered(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for message in got:
            out.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_events_are_stored_pending_then_published_once(client, aws):
    admin = bearer(issue_token("admin"))
    order = json.loads(post(client, "/orders", order_body(), admin).body)
    table = Table()
    # No stock anywhere in this test: created, then sourced (all backordered).
    assert [e["eventType"] for e in outbox.pending(table, older_than=NOW)] == ["OrderCreated", "OrderSourced"]

    assert outbox.sweep(table, older_than=NOW) == 2
    assert outbox.pending(table, older_than=NOW) == []
    assert outbox.sweep(table, older_than=NOW) == 0

    events = delivered(aws["channel-updates"])
    assert [(e["detail-type"], e["detail"]["orderId"]) for e in events] == [("OrderCreated", order["orderId"])]
    assert events[0]["source"] == "oms"
    parse_detail("OrderCreated", events[0]["detail"])  # the published detail keeps its contract


def test_failed_publish_is_retried_later_and_arrives_once(client, aws):
    admin = bearer(issue_token("admin"))
    events_api = boto3.client("events")
    bus = physical_name(RESOURCES.bus, "test")
    rule = physical_name(RESOURCES.rules[0].key, "test")
    targets = events_api.list_targets_by_rule(Rule=rule, EventBusName=bus)["Targets"]
    pattern = events_api.describe_rule(Name=rule, EventBusName=bus)["EventPattern"]
    # The bus goes away: publishing fails.
    events_api.remove_targets(Rule=rule, EventBusName=bus, Ids=[t["Id"] for t in targets])
    events_api.delete_rule(Name=rule, EventBusName=bus)
    events_api.delete_event_bus(Name=bus)

    order = json.loads(post(client, "/orders", order_body(), admin).body)
    assert order["status"] == "backordered"  # the order itself is safe: intake never waits for the bus
    table = Table()
    assert outbox.sweep(table, older_than=NOW) == 0
    assert len(outbox.pending(table, older_than=NOW)) == 2

    # The bus is back: the next sweep publishes it, and only once.
    events_api.create_event_bus(Name=bus)
    events_api.put_rule(Name=rule, EventBusName=bus, EventPattern=pattern)
    events_api.put_targets(Rule=rule, EventBusName=bus, Targets=targets)
    assert outbox.sweep(table, older_than=NOW) == 2
    assert outbox.sweep(table, older_than=NOW) == 0
    arrived = delivered(aws["channel-updates"])
    assert [e["detail"]["orderId"] for e in arrived] == [order["orderId"]]


def test_sweep_leaves_fresh_events_to_the_stream(client, aws):
    admin = bearer(issue_token("admin"))
    post(client, "/orders", order_body(), admin)
    assert outbox.sweep(Table()) == 0  # younger than a minute: the stream relay's job
    assert len(outbox.pending(Table(), older_than=NOW)) == 2


def stream_record(event_name: str, item: dict[str, Any]) -> dict[str, Any]:
    """A record of the table's stream as Lambda delivers it."""
    return {
        "eventID": "e-1",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-1",
        "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/oms-test-orders/stream/2026-11-28",
        "dynamodb": {
            "Keys": to_wire({"PK": item["PK"], "SK": item["SK"]}),
            "NewImage": to_wire(item),
            "SequenceNumber": "1",
            "SizeBytes": 100,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def test_stream_relay_publishes_inserted_events_and_ignores_the_rest(client, aws):
    admin = bearer(issue_token("admin"))
    order = json.loads(post(client, "/orders", order_body(), admin).body)
    table = Table()
    pending = outbox.pending(table, older_than=NOW)
    records = [stream_record("INSERT", item) for item in pending] + [
        stream_record("MODIFY", pending[0]),
        stream_record("INSERT", {"PK": "X", "SK": "ORDER", "type": "order"}),
    ]
    assert outbox.relay_stream_records(table, records) == len(pending) == 2
    assert outbox.pending(table, older_than=NOW) == []
    assert [e["detail"]["orderId"] for e in delivered(aws["channel-updates"])] == [order["orderId"]]
