"""Stock out to the marketplaces: each active channel whose connector takes stock (a `StockTaker`: bol
offer stock, Amazon listings quantity, Zalando stock) is told what it may sell of a SKU when that changes.

Two queues. `stock-out` takes every event that changes stock (the rule the sourcing summary has): for
each SKU it names and each such channel the SKU's mark counts the change, and only the first change
since the last push queues a push on `stock-push`, delayed by the live `stockOut.coalesceSeconds`, so a
burst of sales makes one call. The push reads what the channel may sell now (never a number from a
message: chalicelib/domain/sourcing/sellable.py, less the buffer), takes a token from the channel
account's bucket (none: the push is queued again for when there is one), tells the platform unless it
was told that very number last, and clears the mark; a change during the push schedules another.

Failures as on channel-status: a 429 pauses the channel's bucket and brings the message back after its
Retry-After; a 5xx or no answer after the visibility timeout; a refusal goes to the dead-letter queue
at once, with the platform's reason.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from pydantic import BaseModel, ConfigDict

from chalicelib import clock
from chalicelib.adapters import aws, dead_letters, keys, outbound, secrets
from chalicelib.adapters.buckets import pause, take_token
from chalicelib.adapters.channels import CONNECTORS, connector
from chalicelib.adapters.channels.base import StockTaker
from chalicelib.adapters.stock_out import Marks
from chalicelib.adapters.stock_repo import StockRepository
from chalicelib.domain.network import Rate
from chalicelib.domain.sourcing.sellable import may_sell
from chalicelib.observability import count, logger
from chalicelib.service import config
from chalicelib.service.channel_status import platform_errors
from chalicelib.service.stock_messages import stock_changed_by

if TYPE_CHECKING:
    from chalicelib.contracts.config import StockOutConfig
    from chalicelib.domain.network import Channel, Network
    from chalicelib.service.unit_of_work import Dependencies

QUEUE = "stock-push"
# A mark scheduled this long ago whose push never cleared it counts as lost (a queue send that failed
# after the mark was set): the next change schedules again. Longer than any delay SQS allows (15 min).
STALE = timedelta(hours=1)


class StockPush(BaseModel):
    """A message on stock-push: which channel to tell about which SKU (what, it reads when it pushes)."""

    model_config = ConfigDict(extra="forbid")
    channelId: str
    sku: str


def schedule(body: str) -> None:
    """A stock event from the bus: a push scheduled per marketplace channel for each SKU it names,
    unless one is already on its way."""
    from chalicelib.bootstrap import bootstrap
    from chalicelib.contracts.messages import BusEvent

    deps = bootstrap()
    skus = sorted({sku for sku, _ in stock_changed_by(BusEvent.model_validate_json(body).detail)})
    window = config.active(deps.table, "stockOut").coalesce_seconds
    marks, at = Marks(deps.table), clock.moment()
    for channel in told_stock(deps.network()):
        for sku in skus:
            if channel.listings and sku not in channel.listings:
                continue
            if marks.changed(channel.channel_id, sku, at=at, stale=STALE):
                _queue(StockPush(channelId=channel.channel_id, sku=sku), delay_s=window)


def told_stock(network: Network) -> list[Channel]:
    """The active channels whose platform takes stock."""
    return [
        c
        for c in network.channels.values()
        if c.active and c.type in CONNECTORS and isinstance(connector(c.type), StockTaker)
    ]


def push(body: str) -> None:
    from chalicelib.bootstrap import bootstrap

    deps = bootstrap()
    message = StockPush.model_validate_json(body)
    channel_id, sku = message.channelId, message.sku
    marks = Marks(deps.table)
    channel = next((c for c in told_stock(deps.network()) if c.channel_id == channel_id), None)
    if channel is None:  # removed, made inactive, or its platform no longer takes stock
        marks.dropped(channel_id, sku)
        count("StockPushed", channel=channel_id, outcome="skipped")
        return
    section = config.active(deps.table, "stockOut")
    read = marks.read(channel_id, sku)
    quantity = sellable(deps, section, channel_id, sku)
    outcome = "unchanged"
    if quantity != read.pushed:
        at = clock.moment()
        bucket, rate = keys.push_bucket_key(channel_id), Rate.per_minute(section.pushes_per_minute)
        wait_s = take_token(deps.table, bucket, rate=rate, at=at)
        if wait_s:
            marks.still_scheduled(channel_id, sku, at=at)
            _queue(message, delay_s=math.ceil(wait_s))
            count("StockPushed", channel=channel_id, outcome="waiting")
            return
        credentials = secrets.secret(secrets.CREDENTIALS, channel_id)
        taker = cast("StockTaker", connector(channel.type))
        try:
            with platform_errors(lambda reason: count("StockPushFailures", channel=channel_id, reason=reason)):
                outcome = taker.push_stock(channel, credentials, sku, quantity)
        except outbound.Throttled as exc:
            pause(deps.table, bucket, until=clock.moment() + timedelta(seconds=exc.seconds))
            raise
    if not marks.pushed(channel_id, sku, read, quantity, at=clock.moment()):
        _queue(message, delay_s=section.coalesce_seconds)  # it changed while we pushed: once more
    count("StockPushed", channel=channel_id, outcome=outcome)
    logger.info("stock pushed", extra={"channelId": channel_id, "sku": sku, "quantity": quantity, "outcome": outcome})


def sellable(deps: Dependencies, section: StockOutConfig, channel_id: str, sku: str) -> int:
    """What `channel_id` may sell of `sku` now: available where its sourcing may ship from, less its buffer."""
    available = {level.location_id: level.available for level in StockRepository(deps.table).levels(sku)}
    buffer = section.buffer_by_sku.get(sku, section.buffer_by_channel.get(channel_id, section.buffer))
    return may_sell(available, deps.network().locations, deps.sourcing_rules(), channel=channel_id, buffer=buffer)


def _queue(message: StockPush, *, delay_s: int) -> None:
    aws.client("sqs").send_message(
        QueueUrl=dead_letters.queue_url(QUEUE),
        MessageBody=message.model_dump_json(),
        DelaySeconds=min(delay_s, 900),
    )
