"""`POST /webhooks/{channelId}`: a platform's delivery verified on its raw body, kept once and queued
(channel-inbox). The order is mapped and applied by the queue's consumer (service/channel_orders.py),
so the platform gets its answer in a few milliseconds whatever the order holds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import aws, inbox, secrets
from chalicelib.adapters.channels import connector
from chalicelib.adapters.channels.base import Delivery, Ignored, Ping
from chalicelib.domain.errors import NotFound, Unauthorized
from chalicelib.observability import count, logger

if TYPE_CHECKING:
    from chalicelib.service.unit_of_work import Dependencies

QUEUE = "channel-inbox"


def receive(deps: Dependencies, channel_id: str, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
    channel = deps.network().channels.get(channel_id)
    if channel is None or not channel.active:
        raise NotFound(f"no active channel {channel_id!r}")
    platform = connector(channel.type)
    # No secret, no deliveries: verification fails (a ping needs none).
    keys = secrets.channel_signing_secrets(channel_id) if channel.has_secret else ()
    try:
        delivery = platform.verify({k.lower(): v for k, v in headers.items()}, body, keys)
    except Unauthorized:
        count("ChannelDeliveries", channel=channel_id, outcome="refused")
        logger.warning("webhook refused: bad signature", extra={"channelId": channel_id})
        raise
    if isinstance(delivery, Ping | Ignored):
        outcome = "ping" if isinstance(delivery, Ping) else "ignored"
        count("ChannelDeliveries", channel=channel_id, outcome=outcome)
        logger.info(f"webhook {outcome}", extra={"channelId": channel_id, "topic": getattr(delivery, "topic", None)})
        return 200, {"status": outcome}
    queue_delivery(deps, channel_id, delivery, body)
    return 202, {"status": "accepted"}


def queue_delivery(deps: Dependencies, channel_id: str, delivery: Delivery, body: bytes) -> bool:
    """Keep `body` in the inbox once and queue it for the consumer (webhooks and pollers alike): False
    for a repeat already queued."""
    new = inbox.keep(deps.table, channel_id, delivery.dedup_key, delivery.topic, body)
    if not new and "queuedAt" in (inbox.stored(deps.table, channel_id, delivery.dedup_key) or {}):
        count("ChannelDeliveries", channel=channel_id, outcome="duplicate")
        logger.info("delivery duplicate", extra={"channelId": channel_id, "deliveryKey": delivery.dedup_key})
        return False
    message = json.dumps({"channelId": channel_id, "deliveryKey": delivery.dedup_key})
    sqs = aws.client("sqs")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName=aws.queue_name(QUEUE))["QueueUrl"], MessageBody=message)
    inbox.mark_queued(deps.table, channel_id, delivery.dedup_key)
    count("ChannelDeliveries", channel=channel_id, outcome="queued")
    logger.info(
        "delivery queued", extra={"channelId": channel_id, "topic": delivery.topic, "deliveryKey": delivery.dedup_key}
    )
    return True
