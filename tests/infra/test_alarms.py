"""The synthesised dashboard and alarms: business widgets from the metric registry, per stage; an alarm
for dead letters, error rates, API latency and the outbox backlog, each notifying the stage's topic."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.observability import METRICS, OFF_DASHBOARD
from chalicelib.resources import RESOURCES, dlq_name, physical_name
from infra.alarms import SERVICE
from tests.infra.cfn import CfnTemplate, queue_names, resources, target

pytestmark = pytest.mark.slow

STAGE = "dev"
SEARCH = re.compile(r"SEARCH\('\{OMS\} MetricName=\"(\w+)\" stage=\"(\w+)\"'")


@pytest.fixture(scope="module")
def template(dev_template: CfnTemplate) -> Template:
    return Template.from_json(dev_template)


def dashboard_text(template: CfnTemplate) -> str:
    """The dashboard body as CloudWatch reads it (the Fn::Join's literal parts, references left out)."""
    (dashboard,) = resources(template, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["DashboardBody"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    return "".join(part for part in parts if isinstance(part, str))


def business_searches(template: CfnTemplate) -> list[tuple[str, str]]:
    """(metric, stage) of every SEARCH on the OMS namespace in the dashboard's widgets."""
    out: list[tuple[str, str]] = []
    text = dashboard_text(template)
    for match in re.finditer(r'"expression":"((?:[^"\\]|\\.)*)"', text):
        out += SEARCH.findall(json.loads(f'"{match.group(1)}"'))
    return out


def alarms(template: CfnTemplate) -> dict[str, dict[str, Any]]:
    return {props["AlarmName"]: props for props in resources(template, "AWS::CloudWatch::Alarm").values()}


def test_every_dashboard_business_metric_is_registered_and_every_registered_one_is_placed(
    dev_template: CfnTemplate,
) -> None:
    searched = business_searches(dev_template)
    on_dashboard = {name for name, _ in searched}
    assert on_dashboard, "no business widget found"
    assert sorted(on_dashboard - set(METRICS)) == [], "the dashboard shows a metric no code registers"
    assert sorted(set(METRICS) - on_dashboard - set(OFF_DASHBOARD)) == [], "neither on the dashboard nor named off"
    assert sorted(on_dashboard & set(OFF_DASHBOARD)) == [], "on the dashboard though named off it"
    assert {stage for _, stage in searched} == {STAGE}, "every search keeps to its own stage"


def test_the_dashboard_names_what_is_not_emitted_yet(dev_template: CfnTemplate) -> None:
    text = dashboard_text(dev_template)
    assert "coming with the returns issue" in text.lower()
    for what in ("returns", "refunds"):
        assert what in text
    for emitted in ("SlaBreaches", "OrdersHeld", "TasksOverdue"):  # emitted now: a graph of its own
        assert emitted in text
    for widget in ("Orders created per channel", "split count", "units backordered", "Dead-lettered messages"):
        assert widget in text
    for api in ("4XXError", "5XXError", "p99"):
        assert api in text


def test_alarms_notify_the_stage_topic(dev_template: CfnTemplate, template: Template) -> None:
    template.has_resource_properties("AWS::SNS::Topic", {"TopicName": physical_name("alarms", STAGE)})
    (topic_id,) = [i for i, p in resources(dev_template, "AWS::SNS::Topic").items() if "TopicName" in p]
    found = alarms(dev_template)
    assert found
    for name, props in found.items():
        assert [target(a) for a in props["AlarmActions"]] == [topic_id], name
        assert [target(a) for a in props["OKActions"]] == [topic_id], name


def test_any_dead_letter_raises_an_alarm(dev_template: CfnTemplate) -> None:
    names = queue_names(dev_template)
    watched = set()
    for props in alarms(dev_template).values():
        if props.get("MetricName") != "ApproximateNumberOfMessagesVisible":
            continue
        assert props["Namespace"] == "AWS/SQS"
        assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" and props["Threshold"] == 1
        assert props["EvaluationPeriods"] == 1 and props["TreatMissingData"] == "notBreaching"
        (dimension,) = props["Dimensions"]
        assert dimension["Name"] == "QueueName"
        watched.add(names[target(dimension["Value"])])
    assert watched == {dlq_name(q.key, STAGE) for q in RESOURCES.queues}


def test_every_function_has_an_error_rate_alarm(dev_template: CfnTemplate) -> None:
    functions = {p["FunctionName"] for p in resources(dev_template, "AWS::Serverless::Function").values()}
    found = alarms(dev_template)
    for function in functions:
        props = found[f"{function}-error-rate"]
        assert props["Threshold"] == 1 and props["ComparisonOperator"] == "GreaterThanThreshold"
        (expression,) = [m for m in props["Metrics"] if "Expression" in m]
        assert expression["Expression"] == "IF(invocations > 0, 100 * errors / invocations, 0)"
        stats = {m["Id"]: m["MetricStat"] for m in props["Metrics"] if "MetricStat" in m}
        assert {s["Metric"]["MetricName"] for s in stats.values()} == {"Errors", "Invocations"}
        for stat in stats.values():
            assert stat["Metric"]["Dimensions"] == [{"Name": "FunctionName", "Value": function}]
            assert stat["Period"] == 300 and stat["Stat"] == "Sum"


def test_api_p99_latency_alarm(template: Template) -> None:
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": physical_name("api-latency-p99", STAGE),
            "Namespace": "AWS/ApiGateway",
            "MetricName": "Latency",
            "ExtendedStatistic": "p99",
            "Period": 60,
            "Threshold": 1500,
            "EvaluationPeriods": 5,
            "DatapointsToAlarm": 3,
            "ComparisonOperator": "GreaterThanThreshold",
            "Dimensions": Match.array_with([{"Name": "ApiName", "Value": physical_name("api", STAGE)}]),
        },
    )


def test_an_outbox_backlog_older_than_a_minute_raises_an_alarm(dev_template: CfnTemplate, template: Template) -> None:
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": physical_name("outbox-backlog", STAGE),
            "Namespace": "OMS",
            "MetricName": "OutboxPendingAgeSeconds",
            "Statistic": "Maximum",
            "Threshold": 60,
            "ComparisonOperator": "GreaterThanThreshold",
            "Dimensions": Match.array_equals(
                [{"Name": "service", "Value": SERVICE}, {"Name": "stage", "Value": STAGE}]
            ),
        },
    )
    # The alarm's dimensions are exactly those the functions' metrics carry.
    for props in resources(dev_template, "AWS::Serverless::Function").values():
        assert props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == SERVICE
        assert props["Environment"]["Variables"]["OMS_STAGE"] == STAGE
