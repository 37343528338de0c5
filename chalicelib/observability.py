"""Powertools Logger, Metrics and Tracer, shared by every handler; and PII masking for logs."""

from __future__ import annotations

import functools
import json
import os
import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="oms")
metrics = Metrics(namespace="OMS", service="oms")
# Points with their own dimensions go out through single_metric (`count`): the per-invocation
# flush of log_metrics often has nothing left, which is no news.
warnings.filterwarnings("ignore", message="No application metrics to publish")

# What may identify a customer; never logged in clear.
PII_FIELDS = [
    "$..email",
    "$..phone",
    "$..name",
    "$..address",
    "$..customer.name",
]


@functools.cache
def _tracing() -> Callable[..., Any] | None:
    """Powertools Tracer as Chalice middleware, built on first use: the X-Ray SDK alone costs
    ~200 ms of imports, paid only where tracing is on (Lambda), never at import or locally."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("1", "true"):
        return None
    from aws_lambda_powertools import Tracer
    from chalice.app import ConvertToMiddleware

    return ConvertToMiddleware(Tracer(service="oms").capture_lambda_handler)


def tracing_middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    traced = _tracing()
    return get_response(event) if traced is None else traced(event, get_response)


@functools.cache
def _masker() -> Any:
    from aws_lambda_powertools.utilities.data_masking import DataMasking

    return DataMasking(raise_on_missing_field=False)


def masked(data: Any) -> Any:
    """A copy of `data` with customer contact details erased, fit for a log line."""
    if not isinstance(data, dict | list):
        return data
    with warnings.catch_warnings():  # a field absent from this payload is no news
        warnings.simplefilter("ignore")
        return _masker().erase(data, fields=PII_FIELDS)


def masked_body(body: str) -> Any:
    """A queue message's body fit for a log line or an operator's screen: the JSON it holds, masked;
    anything else (not JSON) cut to its first 500 characters."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:500]
    return masked(data)


# Every business metric the code emits (namespace OMS): name -> what one point counts, and its
# dimensions. `count` refuses any other name, so a new metric is registered (and put on the dashboard,
# infra/dashboard.py, or in OFF_DASHBOARD) before it can be emitted. Every metric also carries
# `stage` (dev, prod: a deployed stage's metrics never mix with another's) and Powertools' `service`.
METRICS: dict[str, str] = {
    "OrdersCreated": "orders taken in, store reservations collected included; dimensions: channel",
    "FulfilmentOrdersCreated": (
        "fulfilment orders sourcing made for a new order (value: how many; / OrdersCreated = the split count); "
        "dimensions: channel"
    ),
    "UnitsBackordered": "units of a new order no location could serve (emitted only when > 0); dimensions: channel",
    "OrderLinesCancelled": "cancellation requests on an order (one point a request, however many lines); "
    "dimensions: channel",
    "OrdersEdited": "edits applied to an order (previews not counted); dimensions: channel",
    "ChannelUpdates": "OMS events delivered back to the channel that sold the order; dimensions: type, channel",
    "StockFeedLinesApplied": "stock feed lines that changed a level (value: how many per feed); dimensions: mode",
    "ReservationsCreated": "store reservations (click and reserve) placed; no dimensions",
    "ReservationsCancelled": "store reservations cancelled; no dimensions",
    "ReservationsCompleted": "store reservations collected (each also counts as OrdersCreated); no dimensions",
    "ReservationsExpired": "store reservations released by the expiry schedule (value: how many per run); "
    "no dimensions",
    "OutboxPendingAgeSeconds": (
        "age in seconds of the oldest event still unpublished after an outbox sweep (0 when none), "
        "once a sweep (every minute); no dimensions"
    ),
    "ConfigSaved": "configuration versions saved; dimensions: section, draft (true, false)",
    "ConfigActivated": "configuration versions activated (a draft or a rollback); dimensions: section",
    "TasksCreated": "tasks opened for a team (value: how many per order, e.g. lines a sourcing rule held); "
    "dimensions: kind",
    "TasksCompleted": "tasks a team completed; dimensions: kind, outcome",
    "TasksOverdue": "tasks still undecided at their due time, each counted once; dimensions: escalated (yes: "
    "moved to another team's queue; no: nowhere to go, marked overdue, and alarmed)",
    "FulfilmentRejections": "fulfilment orders a store or DC rejected (their lines sourced again elsewhere, or "
    "backordered); dimensions: outcome (resourced, backordered, partly)",
    "SlaBreaches": "workflow SLA timers that ran out on a fulfilment order and moved it on (a location that did "
    "not accept in time loses the work: also counted in FulfilmentRejections; a click & collect order not "
    "collected in time is cancelled); dimensions: state (the state whose SLA ran out)",
    "WorkflowTimersFired": "other workflow timers that fired their event (a wait a transition started); "
    "dimensions: timer",
    "ReturnsRequested": "returns asked for; dimensions: outcome (approved, declined, received: handed in at a counter)",
    "ExchangesCreated": "exchanges made (a return and a replacement order); dimensions: channel, mode",
    "ExchangesPaid": "exchanges whose customer paid a dearer replacement's difference; dimensions: channel",
    "ExchangesReleased": "exchange replacements released after waiting (payment, the return); dimensions: channel",
    "ExchangesCharged": "advance exchanges charged: the return did not come back in time; dimensions: channel",
    "ExchangesCancelled": "exchanges whose return was cancelled or expired before the replacement went: the "
    "replacement cancelled; dimensions: channel",
    "ClaimsCreated": "claims made (no goods back); dimensions: channel, resolution (refund, replace)",
    "ReturnTimersFired": "return timers that fired their event (an approved return expiring); dimensions: timer",
    "WorkflowTimersIgnored": "workflow timers dropped unheard: the fulfilment order or return had moved on, or nothing "
    "takes the event there now; dimensions: timer",
    "OrdersHeld": "orders their own workflow held before dispatch (a review, an approval); dimensions: channel",
    "OrdersReleased": "held orders released, their units sourced and handed to locations; dimensions: channel",
    "PartnerDispatches": "fulfilment orders of external DCs the partner-dispatch queue dealt with; dimensions: "
    "location, outcome (sent: the partner's URL answered 2xx; no_url: none configured, the partner reads its work "
    "queue; moved_on: the fulfilment order was no longer open, nothing sent)",
    "PartnerDispatchFailures": "dispatch attempts that failed and go back to the queue (retried, then "
    "dead-lettered); dimensions: location, reason (unavailable: 5xx, 408, 429, timeout or no connection; "
    "refused: any other answer; no_secret)",
    "ChannelDeliveries": "webhook deliveries from sales platforms at POST /webhooks/{channelId}, and their "
    "notifications on a queue (Amazon's); dimensions: channel (`amazon` for a notification the OMS does not "
    "take), outcome (queued; duplicate: seen before, nothing queued; refused: the signature did not hold; "
    "ping: a platform checking the URL; ignored: a topic the OMS does not take)",
    "ChannelOrdersApplied": "platform orders the channel-inbox queue dealt with; dimensions: channel, outcome "
    "(created; edited: its delivery or lines changed, through the order edit; cancelled: the platform cancelled it "
    "and its open units were cancelled; unchanged: newer, nothing the OMS applies changed; stale: not newer than "
    "what the OMS has, left alone; refused: an edit the order no longer allows, dead-lettered at once)",
    "ChannelReturnsAnnounced": "returns a platform's customer announced (Zalando) or its merchant approved (Shopify) "
    "that the channel-inbox queue dealt with, per attempt; dimensions: channel, outcome (approved; declined: the "
    "return policy refused it, the declined return says why; unknown_order: the OMS has no such order (yet): "
    "retried, then dead-lettered; refused: its lines or reason do not match the order or the policy, dead-lettered "
    "at once; withdrawn: declined or cancelled at the platform before it was read, nothing created)",
    "ChannelOrderAdjustments": "platform orders whose total differs from their lines, discounts, shipping and tax "
    "(reconciled: see chalicelib/adapters/channels/money.py); dimensions: channel, kind (less: charged less, an "
    "order discount platform-adjustment; more: charged more, kept in the payment)",
    "ChannelPolls": "runs of a polled channel (bol.com, Amazon, Zalando); dimensions: channel, outcome (queued, "
    "nothing new, throttled: a 429 stopped the run, stopped early: its poll bucket ran empty, paused: no token "
    "(an empty bucket or a 429's Retry-After), not due: polled within its pollEverySeconds, failed)",
    "ChannelStatusPushes": "status updates (shipped, cancelled, refunded) the channel-status queue dealt with; "
    "dimensions: channel, status, outcome (pushed; already: the platform had it so; recorded: not pushed, logged; "
    "skipped: nothing to tell this channel)",
    "ChannelStatusFailures": "status pushes that failed; dimensions: channel, reason (throttled: 429, back after "
    "Retry-After; unavailable: 5xx or no answer, retried; refused: another 4xx, dead-lettered at once; pending: sent, "
    "the platform not yet done with it (an Amazon feed), checked again later)",
    "StockPushed": "stock-push messages dealt with; dimensions: channel, outcome (pushed: the platform told what the "
    "channel may sell; unchanged: the same number as last pushed, not sent; recorded: the platform has no listing of "
    "the SKU; waiting: no token in the channel's bucket, queued again; skipped: the channel is inactive or gone)",
    "StockPushFailures": "stock pushes that failed; dimensions: channel, reason (throttled: 429, the channel paused "
    "until Retry-After; unavailable: 5xx or no answer, retried; refused: another 4xx, dead-lettered at once)",
    "DeadLettersRedriven": "dead letters an operator moved back to their source queue (value: how many per "
    "POST /ops/dead-letters/{queue}/redrive, 0 included); dimensions: queue",
}

# Registered, emitted, and deliberately not on the operators' dashboard: name -> why.
OFF_DASHBOARD: dict[str, str] = {
    "ConfigSaved": "an administrator's action, a few a day: audited per version in the config history, not a rate",
    "ConfigActivated": "an administrator's action, a few a day: audited per version in the config history, not a rate",
}

# The unit a metric is recorded in, where it is not a count.
UNITS: dict[str, str] = {"OutboxPendingAgeSeconds": "Seconds"}


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """One metric point with its own dimensions and the stage's (EMF, namespace OMS).

    `name` must be a key of METRICS: an unregistered metric raises ValueError.
    """
    if name not in METRICS:
        raise ValueError(f"metric {name!r} is not registered in chalicelib.observability.METRICS")
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("1", "true"):
        return  # Powertools' single_metric prints regardless (the local stack turns metrics off)
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    from chalicelib.resources import stage

    unit = MetricUnit(UNITS.get(name, MetricUnit.Count.value))
    with single_metric(name=name, unit=unit, value=value, namespace="OMS") as metric:
        for key, val in {**dimensions, "stage": stage()}.items():
            metric.add_dimension(name=key, value=val)
