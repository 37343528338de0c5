"""The synthesised stack against chalicelib.resources: every table, queue, rule and setting as declared."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.resources import (
    AMAZON_NOTIFICATIONS_ACCOUNT,
    BOL_SENDER_ROLE_SETTING,
    RESOURCES,
    dlq_name,
    physical_name,
)
from tests.infra.cfn import BOL_SENDER_ROLE, CfnTemplate, queue_names, resources, strip_stage, target

pytestmark = pytest.mark.slow

STAGE = "dev"
SQS_EVENT = "SQS"


@pytest.fixture(scope="module")
def template(dev_template: CfnTemplate) -> Template:
    return Template.from_json(dev_template)


def logical_id(template: CfnTemplate, kind: str, name_property: str, name: str) -> str:
    found = [i for i, props in resources(template, kind).items() if props.get(name_property) == name]
    assert len(found) == 1, f"{kind} {name}: {found}"
    return found[0]


def statements(template: CfnTemplate) -> list[dict[str, Any]]:
    """Every policy statement in the template: role inline policies, managed and resource policies."""
    out: list[dict[str, Any]] = []
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
        documents += [props[k] for k in ("PolicyDocument",) if k in props]
        for document in documents:
            found = document["Statement"]
            out += found if isinstance(found, list) else [found]
    return out


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_tables_have_the_declared_keys_indexes_recovery_ttl_and_stream(template: Template) -> None:
    for table in RESOURCES.tables:
        key = [{"AttributeName": table.partition_key, "KeyType": "HASH"}]
        if table.sort_key:
            key.append({"AttributeName": table.sort_key, "KeyType": "RANGE"})
        indexes = [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in table.indexes
        ]
        template.has_resource_properties(
            "AWS::DynamoDB::Table",
            {
                "TableName": physical_name(table.key, STAGE),
                "KeySchema": key,
                "BillingMode": "PAY_PER_REQUEST",
                "GlobalSecondaryIndexes": indexes if indexes else Match.absent(),
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "TimeToLiveSpecification": {"AttributeName": table.ttl_attribute, "Enabled": True}
                if table.ttl_attribute
                else Match.absent(),
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"} if table.stream else Match.absent(),
            },
        )
    template.resource_count_is("AWS::DynamoDB::Table", len(RESOURCES.tables))


def test_every_queue_has_a_dead_letter_queue_with_the_declared_receive_count(dev_template: CfnTemplate) -> None:
    names = queue_names(dev_template)
    queues = resources(dev_template, "AWS::SQS::Queue")
    for queue in RESOURCES.queues:
        props = queues[logical_id(dev_template, "AWS::SQS::Queue", "QueueName", physical_name(queue.key, STAGE))]
        redrive = props["RedrivePolicy"]
        assert names[target(redrive["deadLetterTargetArn"])] == dlq_name(queue.key, STAGE)
        assert redrive["maxReceiveCount"] == queue.max_receive_count
        assert props["VisibilityTimeout"] == queue.visibility_timeout_s
    assert len(queues) == 2 * len(RESOURCES.queues)


def test_every_sqs_event_source_reports_batch_item_failures(dev_template: CfnTemplate) -> None:
    """Chalice cannot set it; without it one bad message makes the whole batch retry."""
    names = queue_names(dev_template)
    subscribed = {}
    for function_id, props in resources(dev_template, "AWS::Serverless::Function").items():
        for event in props.get("Events", {}).values():
            if event["Type"] == SQS_EVENT:
                assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"], function_id
                subscribed[function_id] = (
                    names[target(event["Properties"]["Queue"])],
                    event["Properties"]["BatchSize"],
                )
    # Any mapping written directly (not through SAM) from a queue must say the same.
    for mapping in resources(dev_template, "AWS::Lambda::EventSourceMapping").values():
        if any(target(mapping["EventSourceArn"]) == queue for queue in names):
            assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert subscribed == {
        logical_id(dev_template, "AWS::Serverless::Function", "Handler", f"app.{q.handler}"): (
            physical_name(q.key, STAGE),
            q.batch_size,
        )
        for q in RESOURCES.queues
    }


def test_rules_on_the_bus_target_their_queues(dev_template: CfnTemplate, template: Template) -> None:
    bus = logical_id(dev_template, "AWS::Events::EventBus", "Name", physical_name(RESOURCES.bus, STAGE))
    for rule in RESOURCES.rules:
        queue = logical_id(dev_template, "AWS::SQS::Queue", "QueueName", physical_name(rule.target_queue, STAGE))
        template.has_resource_properties(
            "AWS::Events::Rule",
            {
                "Name": physical_name(rule.key, STAGE),
                "EventBusName": {"Ref": bus},
                "EventPattern": Match.exact(rule.event_pattern),
                "State": "ENABLED",
                "Targets": [Match.object_like({"Arn": {"Fn::GetAtt": [queue, "Arn"]}})],
            },
        )
        # EventBridge may send to the queue: the queue policy names the rule.
        template.has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "Queues": [{"Ref": queue}],
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [Match.object_like({"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}})]
                    )
                },
            },
        )


def test_the_bus_is_archived_for_replay(dev_template: CfnTemplate, template: Template) -> None:
    bus = logical_id(dev_template, "AWS::Events::EventBus", "Name", physical_name(RESOURCES.bus, STAGE))
    template.has_resource_properties(
        "AWS::Events::Archive",
        {"SourceArn": {"Fn::GetAtt": [bus, "Arn"]}, "RetentionDays": RESOURCES.archive_retention_days},
    )


def test_the_table_stream_invokes_the_outbox_relay(dev_template: CfnTemplate, template: Template) -> None:
    relay = logical_id(dev_template, "AWS::Serverless::Function", "Handler", f"app.{RESOURCES.stream_handler}")
    for table in (t for t in RESOURCES.tables if t.stream):
        table_id = logical_id(dev_template, "AWS::DynamoDB::Table", "TableName", physical_name(table.key, STAGE))
        template.has_resource_properties(
            "AWS::Lambda::EventSourceMapping",
            {
                "EventSourceArn": {"Fn::GetAtt": [table_id, "StreamArn"]},
                "StartingPosition": "LATEST",
                "BisectBatchOnFunctionError": True,
                "MaximumRetryAttempts": Match.any_value(),
            },
        )
        mapping = next(
            m
            for m in resources(dev_template, "AWS::Lambda::EventSourceMapping").values()
            if m["EventSourceArn"] == {"Fn::GetAtt": [table_id, "StreamArn"]}
        )
        assert relay in json.dumps(mapping["FunctionName"])
        assert 0 <= mapping["MaximumRetryAttempts"] <= 10


def test_no_policy_allows_a_wildcard_action(dev_template: CfnTemplate) -> None:
    allowed = [s for s in statements(dev_template) if s["Effect"] == "Allow"]
    assert allowed
    for statement in allowed:
        assert not any("*" in action for action in as_list(statement["Action"])), statement
        # Only X-Ray, which has no resource-level permissions, may name every resource.
        if "*" in as_list(statement["Resource"]):
            assert all(a.startswith("xray:") for a in as_list(statement["Action"])), statement


def test_the_functions_role_reaches_exactly_the_stage_resources(dev_template: CfnTemplate) -> None:
    role_id, role = next(
        (i, p)
        for i, p in resources(dev_template, "AWS::IAM::Role").items()
        if "lambda.amazonaws.com" in json.dumps(p["AssumeRolePolicyDocument"])
    )
    granted: dict[str, str] = {}  # action -> every resource any statement grants it on
    for policy in role["Policies"]:
        for s in policy["PolicyDocument"]["Statement"]:
            for action in as_list(s["Action"]):
                granted[action] = granted.get(action, "") + json.dumps(s["Resource"])
    for table in RESOURCES.tables:
        table_id = logical_id(dev_template, "AWS::DynamoDB::Table", "TableName", physical_name(table.key, STAGE))
        for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"):
            assert table_id in granted[action]
    assert "dynamodb:Scan" not in granted
    for queue in RESOURCES.queues:
        queue_id = logical_id(dev_template, "AWS::SQS::Queue", "QueueName", physical_name(queue.key, STAGE))
        for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
            assert queue_id in granted[action]
    bus = logical_id(dev_template, "AWS::Events::EventBus", "Name", physical_name(RESOURCES.bus, STAGE))
    assert bus in granted["events:PutEvents"]
    functions = resources(dev_template, "AWS::Serverless::Function")
    assert functions
    assert {json.dumps(p["Role"]) for p in functions.values()} == {json.dumps({"Fn::GetAtt": [role_id, "Arn"]})}


def test_functions_are_traced_and_configured_for_the_stage(dev_template: CfnTemplate) -> None:
    for function_id, props in resources(dev_template, "AWS::Serverless::Function").items():
        variables = props["Environment"]["Variables"]
        assert props["Tracing"] == "Active", function_id
        assert variables["OMS_STAGE"] == STAGE
        assert variables["POWERTOOLS_SERVICE_NAME"] == "oms"
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "OMS"
        assert variables["OMS_BUS"] == physical_name(RESOURCES.bus, STAGE)
        for table in RESOURCES.tables:
            assert variables[f"OMS_TABLE_{table.key.upper()}"] == physical_name(table.key, STAGE)
        assert props["FunctionName"].startswith(f"oms-{STAGE}-")
    assert "AWS_ENDPOINT_URL" not in json.dumps(dev_template)


def test_the_api_is_throttled_traced_and_access_logged(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Serverless::Api",
        {
            "TracingEnabled": True,
            "EndpointConfiguration": "REGIONAL",
            "MethodSettings": [
                Match.object_like(
                    {
                        "ResourcePath": "/*",
                        "HttpMethod": "*",
                        "ThrottlingRateLimit": Match.any_value(),
                        "ThrottlingBurstLimit": Match.any_value(),
                    }
                )
            ],
            "AccessLogSetting": {
                "DestinationArn": {"Fn::GetAtt": [Match.any_value(), "Arn"]},
                "Format": Match.any_value(),
            },
        },
    )
    template.resource_count_is("AWS::ApiGateway::Account", 1)


def test_the_access_log_is_one_json_line_an_operator_can_trace_a_failure_by(template: Template) -> None:
    [api] = template.find_resources("AWS::Serverless::Api").values()
    fields = json.loads(api["Properties"]["AccessLogSetting"]["Format"])
    assert fields["requestId"] == "$context.requestId"  # the x-amzn-RequestId the caller saw
    assert fields["xrayTraceId"] == "$context.xrayTraceId"
    assert fields["status"] == "$context.status"
    assert fields["integrationStatus"] == "$context.integrationStatus"
    assert fields["integrationErrorMessage"] == "$context.integrationErrorMessage"
    assert fields["errorMessage"] == "$context.error.message"
    assert {"httpMethod", "resourcePath", "requestTime", "responseLatency", "integrationLatency"} <= set(fields)


def test_the_gateway_answers_problems_and_an_unknown_route_is_a_404(template: Template) -> None:
    problem_type = {"Headers": {"Content-Type": "'application/problem+json'"}}
    [api] = template.find_resources("AWS::Serverless::Api").values()
    responses = api["Properties"]["GatewayResponses"]
    assert set(responses) == {"MISSING_AUTHENTICATION_TOKEN", "INCOMPLETE_SIGNATURE", "DEFAULT_4XX", "DEFAULT_5XX"}
    for response_type in ("MISSING_AUTHENTICATION_TOKEN", "INCOMPLETE_SIGNATURE"):
        assert responses[response_type]["StatusCode"] == "404"
    for response_type, response in responses.items():
        assert response["ResponseParameters"] == problem_type, response_type
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert {"type", "title", "detail", "errors"} <= set(body), response_type
        assert "$" not in response["ResponseTemplates"]["application/json"]  # nothing of the request in it


def test_prod_keeps_its_data_when_the_stack_goes(prod_template: CfnTemplate) -> None:
    for logical, resource in prod_template["Resources"].items():
        if resource["Type"] in ("AWS::DynamoDB::Table", "AWS::SQS::Queue"):
            assert resource["DeletionPolicy"] == "Retain", logical
    for props in resources(prod_template, "AWS::DynamoDB::Table").values():
        assert props["DeletionProtectionEnabled"] is True
        assert props["TableName"].startswith("oms-prod-")
    for props in resources(prod_template, "AWS::Serverless::Function").values():
        assert props["Environment"]["Variables"]["OMS_STAGE"] == "prod"


def test_the_dashboard_watches_every_function_queue_and_dead_letter_queue(dev_template: CfnTemplate) -> None:
    (dashboard,) = resources(dev_template, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["DashboardBody"])
    for props in resources(dev_template, "AWS::Serverless::Function").values():
        assert props["FunctionName"] in body
    for queue in RESOURCES.queues:
        for name in (physical_name(queue.key, STAGE), dlq_name(queue.key, STAGE)):
            assert logical_id(dev_template, "AWS::SQS::Queue", "QueueName", name) in body, name
    assert "IteratorAge" in body
    assert "ApproximateAgeOfOldestMessage" in body


def outside_senders(template: CfnTemplate, stage: str) -> dict[str, list[str]]:
    """Queue key -> the principals (JSON) its policy lets send to it."""
    names = queue_names(template)
    senders: dict[str, list[str]] = {}
    for props in resources(template, "AWS::SQS::QueuePolicy").values():
        for statement in as_list(props["PolicyDocument"]["Statement"]):
            principal = statement.get("Principal", {})
            if statement["Effect"] == "Allow" and isinstance(principal, dict) and "AWS" in principal:
                for queue in props["Queues"]:
                    senders.setdefault(strip_stage(names[target(queue)], stage), []).append(json.dumps(principal))
                assert sorted(as_list(statement["Action"])) == ["sqs:GetQueueAttributes", "sqs:SendMessage"]
    return senders


def test_only_a_queue_that_declares_senders_lets_another_account_send_to_it(
    dev_template: CfnTemplate, prod_template: CfnTemplate
) -> None:
    """Amazon SP-API sends its notifications from its own account, to amazon-notifications only; bol.com
    as the role the stage setting names (set for dev here), to bol-notifications only, and in a stage
    without the setting nobody outside sends there."""
    declared = {q.key: q.senders for q in RESOURCES.queues if q.senders}
    assert declared == {"amazon-notifications": (AMAZON_NOTIFICATIONS_ACCOUNT,)}
    by_role = {q.key: q.sender_role_setting for q in RESOURCES.queues if q.sender_role_setting}
    assert by_role == {"bol-notifications": BOL_SENDER_ROLE_SETTING}

    senders = outside_senders(dev_template, STAGE)
    assert senders.keys() == {"amazon-notifications", "bol-notifications"}
    assert all(f":iam::{AMAZON_NOTIFICATIONS_ACCOUNT}:root" in p for p in senders["amazon-notifications"])
    assert senders["bol-notifications"] == [json.dumps({"AWS": BOL_SENDER_ROLE})]
    assert outside_senders(prod_template, "prod").keys() == {"amazon-notifications"}
