"""The local stack (infra.provision on moto) and the CDK template must agree on every table, queue and rule.

Both are built from chalicelib.resources; this catches one of them interpreting a definition differently
(a key type, a missing index, a redrive policy, a rule's pattern or target).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.resources import RESOURCES, physical_name
from tests.infra.cfn import CfnTemplate, snapshot, strip_stage

pytestmark = pytest.mark.slow

LOCAL_STAGE = "test"  # what tests/conftest.py's `aws` fixture provisions


def local_snapshot(stage: str) -> dict[str, Any]:
    """The same shape as tests.infra.cfn.snapshot, read back through the AWS APIs."""
    import boto3

    session = boto3.session.Session()
    dynamodb, sqs, events = session.client("dynamodb"), session.client("sqs"), session.client("events")
    tables = {}
    for name in dynamodb.list_tables()["TableNames"]:
        described = dynamodb.describe_table(TableName=name)["Table"]
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        stream = described.get("StreamSpecification", {})
        tables[strip_stage(name, stage)] = {
            "key": _keys(described["KeySchema"]),
            "attributes": sorted((a["AttributeName"], a["AttributeType"]) for a in described["AttributeDefinitions"]),
            "indexes": {
                i["IndexName"]: {"key": _keys(i["KeySchema"]), "projection": i["Projection"]["ProjectionType"]}
                for i in described.get("GlobalSecondaryIndexes", [])
            },
            "billing": described["BillingModeSummary"]["BillingMode"],
            "stream": stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
            "ttl": ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") else None,
        }
    queues = {}
    arn_to_name = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        arn_to_name[attributes["QueueArn"]] = attributes["QueueArn"].rsplit(":", 1)[1]
        redrive = json.loads(attributes["RedrivePolicy"]) if "RedrivePolicy" in attributes else None
        queues[strip_stage(url.rsplit("/", 1)[1], stage)] = {
            "dlq": strip_stage(redrive["deadLetterTargetArn"].rsplit(":", 1)[1], stage) if redrive else None,
            "max_receive_count": int(redrive["maxReceiveCount"]) if redrive else None,
            "visibility_timeout": int(attributes["VisibilityTimeout"]),
        }
    bus = physical_name(RESOURCES.bus, stage)
    buses = [b["Name"] for b in events.list_event_buses()["EventBuses"] if b["Name"] != "default"]
    rules = {}
    for rule in events.list_rules(EventBusName=bus)["Rules"]:
        found = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus)["Targets"]
        rules[strip_stage(rule["Name"], stage)] = {
            "pattern": json.loads(rule["EventPattern"]),
            "targets": sorted(strip_stage(arn_to_name[t["Arn"]], stage) for t in found),
        }
    return {"tables": tables, "queues": queues, "buses": sorted(strip_stage(b, stage) for b in buses), "rules": rules}


def _keys(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in schema]


def test_the_local_stack_and_the_cdk_template_agree(aws: dict[str, str], dev_template: CfnTemplate) -> None:
    local, cloud = local_snapshot(LOCAL_STAGE), snapshot(dev_template, "dev")
    for part in ("tables", "queues", "buses", "rules"):
        assert local[part] == cloud[part], part
    assert set(local["tables"]) == {t.key for t in RESOURCES.tables}
    assert {q.removesuffix(".fifo") for q, v in local["queues"].items() if v["dlq"]} == {
        q.key for q in RESOURCES.queues
    }


def test_the_comparison_sees_a_drift(aws: dict[str, str], dev_template: CfnTemplate) -> None:
    """A template that lost an index or changed a receive count must not compare equal."""
    drifted = json.loads(json.dumps(dev_template))
    for resource in drifted["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::DynamoDB::Table" and props.get("GlobalSecondaryIndexes"):
            props["GlobalSecondaryIndexes"].pop()
        if resource["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in props:
            props["RedrivePolicy"]["maxReceiveCount"] += 1
    local, cloud = local_snapshot(LOCAL_STAGE), snapshot(drifted, "dev")
    assert local["tables"] != cloud["tables"]
    assert local["queues"] != cloud["queues"]
