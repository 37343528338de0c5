"""The OMS on AWS Chalice: routes and event handlers only. Everything else is in chalicelib/."""

from __future__ import annotations

import sys
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, ConvertToMiddleware, Rate, SQSEvent

from chalicelib.http import (
    admin_api,
    checkout_api,
    config_api,
    fulfilment_api,
    network_api,
    ops_api,
    orders_api,
    reservations_api,
    tasks_api,
)
from chalicelib.http.routing import http_middleware
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
    orders_api.bp,
    checkout_api.bp,
    network_api.bp,
    config_api.bp,
    fulfilment_api.bp,
    admin_api.bp,
    ops_api.bp,
    reservations_api.bp,
    tasks_api.bp,
):
    app.register_blueprint(blueprint)


@app.on_sqs_message(queue=physical_name("order-intake"), batch_size=RESOURCES.queue("order-intake").batch_size)
def order_intake(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.service import intake
    from chalicelib.service.batches import each_record

    return each_record(event, intake.handle, queue="order-intake")


@app.on_sqs_message(queue=physical_name("channel-updates"), batch_size=RESOURCES.queue("channel-updates").batch_size)
def channel_updates(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.service import channel_updates as updates
    from chalicelib.service.batches import each_record

    return each_record(event, updates.handle, queue="channel-updates")


@app.on_sqs_message(queue=physical_name("stock-feed"), batch_size=RESOURCES.queue("stock-feed").batch_size)
def stock_feed(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.service import stock_messages
    from chalicelib.service.batches import each_record

    return each_record(event, stock_messages.apply_feed, queue="stock-feed")


@app.on_sqs_message(queue=physical_name("stock-summary"), batch_size=RESOURCES.queue("stock-summary").batch_size)
def stock_summary(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.service import stock_messages
    from chalicelib.service.batches import each_record

    return each_record(event, stock_messages.refresh_summary, queue="stock-summary")


@app.schedule(Rate(RESOURCES.schedule("outbox-sweep").rate_minutes, unit=Rate.MINUTES), name="outbox_sweep")
def outbox_sweep(event: CloudWatchEvent) -> None:
    from chalicelib.adapters import outbox
    from chalicelib.adapters.dynamo import Table

    outbox.sweep(Table())


@app.lambda_function(name="outbox_stream")
def outbox_stream(event: dict[str, Any], context: Any) -> None:
    """The table's stream (wired in infra/): new events are published within a second."""
    from chalicelib.adapters import outbox
    from chalicelib.adapters.dynamo import Table

    outbox.relay_stream_records(Table(), event.get("Records", []))


@app.schedule(
    Rate(RESOURCES.schedule("reservation-expiry").rate_minutes, unit=Rate.MINUTES), name="expire_reservations"
)
def expire_reservations(event: CloudWatchEvent) -> None:
    """Active reservations past their time give their stock back (ReservationExpired)."""
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import reservations

    reservations.expire_due(bootstrap())
