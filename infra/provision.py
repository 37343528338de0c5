"""Create the OMS's tables, queues, bus and rules through the AWS APIs (the local moto stack, tests).

Built from `chalicelib.resources`, the same definitions the CDK app uses.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.resources import RESOURCES, Queue, Table, dlq_name, physical_name


def provision(session: Any, stage: str) -> dict[str, str]:
    """Create everything (idempotently); returns queue key -> URL, with '<key>-dlq' entries too."""
    dynamodb = session.client("dynamodb")
    existing = set(dynamodb.list_tables()["TableNames"])
    for table in RESOURCES.tables:
        name = physical_name(table.key, stage)
        if name not in existing:
            create_table(dynamodb, name, table)
    sqs = session.client("sqs")
    urls: dict[str, str] = {}
    for queue in RESOURCES.queues:
        urls.update(_create_queue(sqs, queue, stage))
    events = session.client("events")
    bus = physical_name(RESOURCES.bus, stage)
    if not any(b["Name"] == bus for b in events.list_event_buses()["EventBuses"]):
        events.create_event_bus(Name=bus)
    for rule in RESOURCES.rules:
        name = physical_name(rule.key, stage)
        events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(rule.event_pattern), State="ENABLED")
        arn = sqs.get_queue_attributes(QueueUrl=urls[rule.target_queue], AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": rule.target_queue, "Arn": arn}])
    return urls


def create_table(dynamodb: Any, name: str, table: Table) -> None:
    """`table` as the CDK app declares it (keys, indexes, stream, TTL), named `name`."""
    attributes = {table.partition_key}
    key_schema = [{"AttributeName": table.partition_key, "KeyType": "HASH"}]
    if table.sort_key:
        attributes.add(table.sort_key)
        key_schema.append({"AttributeName": table.sort_key, "KeyType": "RANGE"})
    indexes = []
    for index in table.indexes:
        attributes |= {index.partition_key, index.sort_key}
        indexes.append(
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        )
    kwargs: dict[str, Any] = {
        "TableName": name,
        "KeySchema": key_schema,
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        kwargs["GlobalSecondaryIndexes"] = indexes
    if table.stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    dynamodb.create_table(**kwargs)
    if table.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute}
        )


def _create_queue(sqs: Any, queue: Queue, stage: str) -> dict[str, str]:
    fifo = {"FifoQueue": "true"} if queue.fifo else {}
    dlq_url = sqs.create_queue(QueueName=dlq_name(queue.key, stage), Attributes=fifo)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=physical_name(queue.key, stage),
        Attributes={
            **fifo,
            "VisibilityTimeout": str(queue.visibility_timeout_s),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}),
        },
    )["QueueUrl"]
    return {queue.key: url, f"{queue.key}-dlq": dlq_url}
