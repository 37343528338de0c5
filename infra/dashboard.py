"""The OMS operations dashboard: one per stage, built from the stack's own resources.

Read top to bottom: is the API answering, are the functions failing, is work piling up (queue age,
dead letters, outbox lag), is the table pushing back, does EventBridge deliver, what the business did.

The business widgets are built from `chalicelib.observability.METRICS` minus `OFF_DASHBOARD`, each a
CloudWatch SEARCH on this stage's `stage` dimension; a metric registered without a widget of its own
still gets a graph, so nothing the code emits is left off unless OFF_DASHBOARD says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw

from chalicelib.observability import METRICS, OFF_DASHBOARD, UNITS
from chalicelib.resources import RESOURCES, physical_name

if TYPE_CHECKING:
    from infra.stack import OmsStack

PERIOD = cdk.Duration.minutes(5)
WIDTH = 8  # three widgets a row (the grid is 24 wide)
# What the code emits that operators watch: every registered metric not deliberately off the dashboard.
BUSINESS_METRICS = tuple(name for name in METRICS if name not in OFF_DASHBOARD)
# Asked for by operators, emitted by no code yet: named on the dashboard, never invented as metrics.
NOT_YET_EMITTED = ("returns and refunds (the returns issue)",)
OUTBOX_AGE_LIMIT_S = 60  # the alarm's threshold too (infra/alarms.py)


def add_dashboard(stack: OmsStack) -> cw.Dashboard:
    dashboard = cw.Dashboard(
        stack,
        "Dashboard",
        dashboard_name=physical_name("operations", stack.stage),
        default_interval=cdk.Duration.hours(3),
    )
    dashboard.add_widgets(*_api(stack))
    dashboard.add_widgets(*_functions(stack))
    dashboard.add_widgets(*_queues(stack))
    dashboard.add_widgets(*_data(stack))
    dashboard.add_widgets(*_business(stack.stage))
    return dashboard


def _graph(title: str, metrics: Sequence[cw.IMetric], right: Sequence[cw.IMetric] = ()) -> cw.GraphWidget:
    return cw.GraphWidget(title=title, left=list(metrics), right=list(right), width=WIDTH, height=6)


def _api(stack: OmsStack) -> list[cw.IWidget]:
    def metric(name: str, statistic: str = "Sum") -> cw.Metric:
        return cw.Metric(
            namespace="AWS/ApiGateway",
            metric_name=name,
            dimensions_map={"ApiName": stack.api_name, "Stage": stack.api_stage},
            statistic=statistic,
            period=PERIOD,
        )

    return [
        _graph("API requests", [metric("Count")]),
        _graph("API errors", [metric("4XXError"), metric("5XXError")]),
        _graph("API latency", [metric("Latency", "p50"), metric("Latency", "p99")]),
    ]


def _functions(stack: OmsStack) -> list[cw.IWidget]:
    def each(name: str, statistic: str) -> list[cw.IMetric]:
        return [
            cw.Metric(
                namespace="AWS/Lambda",
                metric_name=name,
                dimensions_map={"FunctionName": function},
                statistic=statistic,
                period=PERIOD,
                label=function.removeprefix(f"oms-{stack.stage}-"),
            )
            for function in stack.function_names.values()
        ]

    return [
        _graph("Function errors", each("Errors", "Sum"), right=each("Throttles", "Sum")),
        _graph("Function duration p99", each("Duration", "p99")),
        _graph("Outbox relay lag (stream iterator age)", [_iterator_age(stack)]),
    ]


def _iterator_age(stack: OmsStack) -> cw.Metric:
    relay = stack.function_names[stack.stream_function_id]
    return cw.Metric(
        namespace="AWS/Lambda",
        metric_name="IteratorAge",
        dimensions_map={"FunctionName": relay},
        statistic="Maximum",
        period=PERIOD,
    )


def _queues(stack: OmsStack) -> list[cw.IWidget]:
    ages = [
        q.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum", label=key)
        for key, q in stack.queues.items()
    ]
    dead = [
        q.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum", label=f"{key}-dlq")
        for key, q in stack.dlqs.items()
    ]
    deliveries = [
        cw.Metric(
            namespace="AWS/Events",
            metric_name=name,
            dimensions_map={"EventBusName": stack.bus.event_bus_name, "RuleName": rule.rule_name},
            statistic="Sum",
            period=PERIOD,
            label=f"{key} {name}",
        )
        for key, rule in stack.rules.items()
        for name in ("Invocations", "FailedInvocations")
    ]
    return [
        _graph("Oldest message age (s)", ages),
        _graph("Dead-lettered messages", dead),
        _graph("Rule deliveries", deliveries),
    ]


def _data(stack: OmsStack) -> list[cw.IWidget]:
    def each(name: str) -> list[cw.IMetric]:
        return [
            cw.Metric(
                namespace="AWS/DynamoDB",
                metric_name=name,
                dimensions_map={"TableName": table.table_name},
                statistic="Sum",
                period=PERIOD,
                label=key,
            )
            for key, table in stack.tables.items()
        ]

    return [
        _graph("Table capacity used", each("ConsumedReadCapacityUnits"), right=each("ConsumedWriteCapacityUnits")),
        _graph("Conflicts (conditional checks failed)", each("ConditionalCheckFailedRequests")),
        _graph("Table errors", each("UserErrors") + each("SystemErrors")),
    ]


def search(name: str, stage: str, statistic: str | None = None) -> str:
    """Every series of one OMS metric in one stage (one a channel, type, mode...)."""
    statistic = statistic or ("Maximum" if UNITS.get(name) == "Seconds" else "Sum")
    return f"SEARCH('{{OMS}} MetricName=\"{name}\" stage=\"{stage}\"', '{statistic}', {PERIOD.to_seconds()})"


def _series(name: str, stage: str, label: str) -> cw.MathExpression:
    return cw.MathExpression(expression=search(name, stage), label=label, period=PERIOD)


def _business(stage: str) -> list[cw.IWidget]:
    per_channel = "${PROP('Dim.channel')}"
    split = cw.MathExpression(
        expression=f"SUM({search('FulfilmentOrdersCreated', stage)}) / SUM({search('OrdersCreated', stage)})",
        label="fulfilment orders per order (split count)",
        period=PERIOD,
    )
    widgets: list[tuple[cw.IWidget, tuple[str, ...]]] = [
        (_graph("Orders created per channel", [_series("OrdersCreated", stage, per_channel)]), ("OrdersCreated",)),
        (
            _graph(
                "Sourcing: split count (left), units backordered per channel (right)",
                [split],
                right=[_series("UnitsBackordered", stage, per_channel)],
            ),
            ("FulfilmentOrdersCreated", "OrdersCreated", "UnitsBackordered"),
        ),
        (
            _graph(
                "Cancellation requests (left) and edits (right) per channel",
                [_series("OrderLinesCancelled", stage, per_channel)],
                right=[_series("OrdersEdited", stage, per_channel)],
            ),
            ("OrderLinesCancelled", "OrdersEdited"),
        ),
        (
            _graph(
                "Channel updates per event type and channel",
                [_series("ChannelUpdates", stage, "${PROP('Dim.type')} ${PROP('Dim.channel')}")],
            ),
            ("ChannelUpdates",),
        ),
        (
            _graph(
                "Stock feed lines applied per mode", [_series("StockFeedLinesApplied", stage, "${PROP('Dim.mode')}")]
            ),
            ("StockFeedLinesApplied",),
        ),
        (
            _graph(
                "Store reservations",
                [_series(name, stage, name.removeprefix("Reservations").lower()) for name in _reservations()],
            ),
            _reservations(),
        ),
        (
            cw.GraphWidget(
                title="Outbox backlog: oldest unpublished event (s)",
                left=[_series("OutboxPendingAgeSeconds", stage, "oldest pending")],
                left_annotations=[cw.HorizontalAnnotation(value=OUTBOX_AGE_LIMIT_S, label="alarm")],
                width=WIDTH,
                height=6,
            ),
            ("OutboxPendingAgeSeconds",),
        ),
    ]
    placed = {name for _, names in widgets for name in names}
    unplaced = [name for name in BUSINESS_METRICS if name not in placed]
    return (
        [widget for widget, _ in widgets]
        + [_graph(name, [_series(name, stage, "${LABEL}")]) for name in unplaced]
        + [_not_yet_emitted(), _archive_note()]
    )


def _reservations() -> tuple[str, ...]:
    return tuple(name for name in BUSINESS_METRICS if name.startswith("Reservations"))


def _not_yet_emitted() -> cw.TextWidget:
    items = "\n".join(f"- {what}" for what in NOT_YET_EMITTED)
    return cw.TextWidget(
        markdown=f"**Coming with the returns issue** (no code emits them yet):\n{items}",
        width=WIDTH,
        height=6,
    )


def _archive_note() -> cw.TextWidget:
    return cw.TextWidget(
        markdown=(
            f"**Replay**: the bus `{RESOURCES.bus}` is archived for {RESOURCES.archive_retention_days} days "
            "(EventBridge console, Archives, Start replay). Dead letters: redrive from the SQS console."
        ),
        width=WIDTH,
        height=6,
    )
