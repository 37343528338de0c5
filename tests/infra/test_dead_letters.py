"""The functions' role for dead letters: read and delete the DLQs, send to the source queues, nothing wider."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.resources import DLQ_RETENTION_DAYS, RESOURCES, dlq_name, physical_name
from tests.infra.cfn import CfnTemplate, queue_names, resources, target

pytestmark = pytest.mark.slow

STAGE = "dev"


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def function_role_grants(template: CfnTemplate) -> dict[str, set[str]]:
    """sqs action -> names of the queues the functions' role may use it on."""
    names = queue_names(template)
    role = next(
        p
        for p in resources(template, "AWS::IAM::Role").values()
        if "lambda.amazonaws.com" in json.dumps(p["AssumeRolePolicyDocument"])
    )
    granted: dict[str, set[str]] = {}
    for policy in role["Policies"]:
        for statement in as_list(policy["PolicyDocument"]["Statement"]):
            sqs_actions = [a for a in as_list(statement["Action"]) if a.startswith("sqs:")]
            if not sqs_actions:
                continue
            assert statement["Effect"] == "Allow"
            queues = {names[target(resource)] for resource in as_list(statement["Resource"])}  # no "*"
            for action in sqs_actions:
                granted.setdefault(action, set()).update(queues)
    return granted


def test_the_role_may_peek_and_redrive_dead_letters_and_no_more(dev_template: CfnTemplate) -> None:
    granted = function_role_grants(dev_template)
    sources = {physical_name(q.key, STAGE) for q in RESOURCES.queues}
    dlqs = {dlq_name(q.key, STAGE) for q in RESOURCES.queues}
    for action in (
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    ):
        assert dlqs <= granted[action], action
    # Redrive sends back to the source queues; nothing of ours sends to a DLQ (SQS moves messages there).
    assert granted["sqs:SendMessage"] == sources
    assert set().union(*granted.values()) == sources | dlqs


def test_dead_letters_are_kept_as_long_as_their_reasons(dev_template: CfnTemplate) -> None:
    names = {props["QueueName"]: props for props in resources(dev_template, "AWS::SQS::Queue").values()}
    for queue in RESOURCES.queues:
        assert names[dlq_name(queue.key, STAGE)]["MessageRetentionPeriod"] == DLQ_RETENTION_DAYS * 86_400


def test_functions_know_the_stage_queue_names(dev_template: CfnTemplate) -> None:
    for function_id, props in resources(dev_template, "AWS::Serverless::Function").items():
        assert props["Environment"]["Variables"]["OMS_QUEUE_PREFIX"] == f"oms-{STAGE}-", function_id
