"""The OMS on AWS Chalice: routes and event handlers only. Everything else is in chalicelib/."""

from __future__ import annotations

import sys
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, ConvertToMiddleware, Rate, SQSEvent

from chalicelib.http import (
    admin_api,
    checkout_api,
    config_api,
    network_api,
    ops_api,
    orders_api,
    returns_api,
    webhooks_api,
)
from chalicelib.http.routing import http_middleware, use_case_named
from chalicelib.observability import logger, metrics, tracing_middleware
from chalicelib.resources import RESOURCES, physical_name

app = Chalice(app_name="oms")
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context(clear_state=True)))
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))
app.register_middleware(tracing_middleware)
app.register_middleware(http_middleware, "http")

if "chalice.local" in sys.modules:  # chalice local, chalice.test.Client, `make run`: no API Gateway in front
    from chalicelib.http.gateway import answer_locally

    answer_locally()

for blueprint in (
    orders_api.orders,
    checkout_api.bp,
    network_api.bp,
    config_api.bp,
    orders_api.fulfilment,
    admin_api.bp,
    ops_api.bp,
    orders_api.reservations,
    returns_api.bp,
    orders_api.tasks,
    webhooks_api.bp,
):
    app.register_blueprint(blueprint)


def _consumer(queue: str, use_case: str) -> Any:
    """The Lambda for one queue: each message to `use_case` ("module.function" in chalicelib.service,
    imported on first use: cold start), named as the queue's handler in chalicelib.resources."""
    declared = RESOURCES.queue(queue)

    def consume(event: SQSEvent) -> dict[str, Any]:
        from chalicelib.service.batches import each_record

        return each_record(event, use_case_named(use_case), queue=queue)

    # Lambda finds the handler as app.<name>: the function's own name, and this module's attribute.
    consume.__name__ = consume.__qualname__ = declared.handler
    return app.on_sqs_message(queue=physical_name(queue), batch_size=declared.batch_size)(consume)


order_intake = _consumer("order-intake", "intake.handle")
channel_updates = _consumer("channel-updates", "channel_updates.handle")
stock_feed = _consumer("stock-feed", "stock_messages.apply_feed")
stock_summary = _consumer("stock-summary", "stock_messages.refresh_summary")
partner_dispatch = _consumer("partner-dispatch", "partners.dispatch")
channel_inbox = _consumer("channel-inbox", "channel_orders.handle")
channel_status = _consumer("channel-status", "channel_status.push")
stock_out = _consumer("stock-out", "stock_out.schedule")
stock_push = _consumer("stock-push", "stock_out.push")
amazon_notifications = _consumer("amazon-notifications", "channel_notifications.receive_amazon")
bol_notifications = _consumer("bol-notifications", "channel_notifications.receive_bol")


@app.schedule(Rate(RESOURCES.schedule("outbox-sweep").rate_minutes, unit=Rate.MINUTES), name="outbox_sweep")
def outbox_sweep(event: CloudWatchEvent) -> None:
    from chalicelib.adapters import outbox
    from chalicelib.bootstrap import bootstrap

    outbox.sweep(bootstrap().table)


@app.lambda_function(name="outbox_stream")
def outbox_stream(event: dict[str, Any], context: Any) -> None:
    """The table's stream (wired in infra/): new events are published within a second."""
    from chalicelib.adapters import outbox
    from chalicelib.bootstrap import bootstrap

    outbox.relay_stream_records(bootstrap().table, event.get("Records", []))


@app.schedule(
    Rate(RESOURCES.schedule("reservation-expiry").rate_minutes, unit=Rate.MINUTES), name="expire_reservations"
)
def expire_reservations(event: CloudWatchEvent) -> None:
    """Active reservations past their time give their stock back (ReservationExpired)."""
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import reservations

    reservations.expire_due(bootstrap())


@app.schedule(Rate(RESOURCES.schedule("workflow-timers").rate_minutes, unit=Rate.MINUTES), name="fire_timers")
def fire_timers(event: CloudWatchEvent) -> None:
    """Workflow timers due (a state's SLA, a wait) fire their events on their fulfilment orders; tasks
    undecided at their due time escalate (the same minute's clock: no schedule of their own)."""
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import tasks, timers

    deps = bootstrap()
    timers.fire_due(deps)
    tasks.escalate_due(deps)


@app.schedule(Rate(RESOURCES.schedule("channel-poll").rate_minutes, unit=Rate.MINUTES), name="poll_channels")
def poll_channels(event: CloudWatchEvent) -> None:
    """Polled marketplaces' changed orders onto the channel inbox (bol.com, Amazon)."""
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import channel_poll

    channel_poll.poll_all(bootstrap())
