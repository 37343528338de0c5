"""The stage's alarms, all notifying one SNS topic `oms-<stage>-alarms` the stage's operators subscribe to.

- a message in any dead-letter queue (one alarm per DLQ): something failed `maxReceiveCount` times;
- a function's error rate above 1 % over 5 minutes (one alarm per function, metric math);
- API latency p99 above 1.5 s in 3 of 5 minutes;
- an outbox backlog older than a minute: an event committed with its change still not on the bus;
- a task overdue with no team to escalate it to (TasksOverdue, escalated=no).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from chalice.utils import to_cfn_resource_name

from chalicelib.resources import physical_name
from infra.dashboard import OUTBOX_AGE_LIMIT_S

if TYPE_CHECKING:
    from infra.stack import OmsStack

SERVICE = "oms"  # POWERTOOLS_SERVICE_NAME (infra/stack.py): Powertools adds it to every metric as `service`
ERROR_RATE_PERCENT = 1.0
ERROR_RATE_PERIOD = cdk.Duration.minutes(5)
API_P99_MS = 1500
API_P99_PERIODS = 5  # one-minute periods looked at
API_P99_BREACHING = 3  # of which this many over the threshold raise the alarm
MINUTE = cdk.Duration.minutes(1)


@dataclass(frozen=True)
class Alarms:
    topic: sns.Topic
    dead_letters: dict[str, cw.Alarm]  # queue key -> alarm on its DLQ
    error_rates: dict[str, cw.Alarm]  # function name -> alarm
    api_latency: cw.Alarm
    outbox_backlog: cw.Alarm
    tasks_overdue: cw.Alarm

    def all(self) -> list[cw.Alarm]:
        return [
            *self.dead_letters.values(),
            *self.error_rates.values(),
            self.api_latency,
            self.outbox_backlog,
            self.tasks_overdue,
        ]


def add_alarms(stack: OmsStack) -> Alarms:
    topic = sns.Topic(
        stack,
        "AlarmTopic",
        topic_name=physical_name("alarms", stack.stage),
        display_name=f"OMS {stack.stage} alarms",
        enforce_ssl=True,
    )
    action = cw_actions.SnsAction(topic)
    alarms = Alarms(
        topic=topic,
        dead_letters={key: _dead_letters(stack, key) for key in stack.dlqs},
        error_rates={name: _error_rate(stack, logical_id, name) for logical_id, name in stack.function_names.items()},
        api_latency=_api_latency(stack),
        outbox_backlog=_outbox_backlog(stack),
        tasks_overdue=_tasks_overdue(stack),
    )
    for alarm in alarms.all():
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
    return alarms


def _alarm(
    stack: OmsStack,
    logical_id: str,
    name: str,
    description: str,
    metric: cw.IMetric,
    *,
    threshold: float,
    at_threshold: bool = False,
    periods: int = 1,
    breaching: int | None = None,
) -> cw.Alarm:
    """An alarm on `metric` above `threshold` (or at it) in `breaching` of `periods` periods (all of
    them by default); no data is no alarm."""
    return cw.Alarm(
        stack,
        logical_id,
        alarm_name=name,
        alarm_description=description,
        metric=metric,
        threshold=threshold,
        comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        if at_threshold
        else cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluation_periods=periods,
        datapoints_to_alarm=breaching,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
    )


def _metric(
    namespace: str, name: str, dimensions: dict[str, str], statistic: str, period: cdk.Duration = MINUTE
) -> cw.Metric:
    return cw.Metric(
        namespace=namespace, metric_name=name, dimensions_map=dimensions, statistic=statistic, period=period
    )


def _dead_letters(stack: OmsStack, key: str) -> cw.Alarm:
    dlq = stack.dlqs[key]
    return _alarm(
        stack,
        f"{to_cfn_resource_name(key)}DlqAlarm",
        physical_name(f"{key}-dlq-not-empty", stack.stage),
        f"A message is in {dlq.queue_name}: it failed {key} repeatedly. Read it, fix the cause, "
        "then redrive it to the source queue (SQS console, Start DLQ redrive).",
        dlq.metric_approximate_number_of_messages_visible(period=MINUTE, statistic="Maximum"),
        threshold=1,
        at_threshold=True,
    )


def _error_rate(stack: OmsStack, logical_id: str, function: str) -> cw.Alarm:
    def metric(name: str) -> cw.Metric:
        return _metric("AWS/Lambda", name, {"FunctionName": function}, "Sum", ERROR_RATE_PERIOD)

    rate = cw.MathExpression(
        expression="IF(invocations > 0, 100 * errors / invocations, 0)",
        using_metrics={"errors": metric("Errors"), "invocations": metric("Invocations")},
        label=f"{function} error rate (%)",
        period=ERROR_RATE_PERIOD,
    )
    return _alarm(
        stack,
        f"{logical_id}ErrorRateAlarm",
        f"{function}-error-rate",
        f"More than {ERROR_RATE_PERCENT:g} % of {function}'s invocations failed over 5 minutes.",
        rate,
        threshold=ERROR_RATE_PERCENT,
    )


def _api_latency(stack: OmsStack) -> cw.Alarm:
    dimensions = {"ApiName": stack.api_name, "Stage": stack.api_stage}
    return _alarm(
        stack,
        "ApiLatencyAlarm",
        physical_name("api-latency-p99", stack.stage),
        f"API latency p99 above {API_P99_MS} ms in {API_P99_BREACHING} of {API_P99_PERIODS} minutes.",
        _metric("AWS/ApiGateway", "Latency", dimensions, "p99"),
        threshold=API_P99_MS,
        periods=API_P99_PERIODS,
        breaching=API_P99_BREACHING,
    )


def _outbox_backlog(stack: OmsStack) -> cw.Alarm:
    return _alarm(
        stack,
        "OutboxBacklogAlarm",
        physical_name("outbox-backlog", stack.stage),
        f"An event committed with its change has waited more than {OUTBOX_AGE_LIMIT_S} s for the bus "
        "(OutboxPendingAgeSeconds, measured by the outbox sweep each minute): is PutEvents failing or "
        "throttled? A failing sweep itself raises its function's error-rate alarm.",
        _metric("OMS", "OutboxPendingAgeSeconds", {"service": SERVICE, "stage": stack.stage}, "Maximum"),
        threshold=OUTBOX_AGE_LIMIT_S,
    )


def _tasks_overdue(stack: OmsStack) -> cw.Alarm:
    # Escalated ones have a team on them already; these have nobody else to go to.
    dimensions = {"escalated": "no", "service": SERVICE, "stage": stack.stage}
    return _alarm(
        stack,
        "TasksOverdueAlarm",
        physical_name("tasks-overdue", stack.stage),
        "A team's task is still undecided past its due time and its workflow names no team to escalate it "
        "to (TasksOverdue): the task's `overdueAt` is set; find it in GET /tasks?team= and get it decided.",
        _metric("OMS", "TasksOverdue", dimensions, "Sum", ERROR_RATE_PERIOD),
        threshold=1,
        at_threshold=True,
    )
