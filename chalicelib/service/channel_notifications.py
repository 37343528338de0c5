"""Platforms' notifications that arrive on a queue of ours rather than by webhook: Amazon SP-API sends
them to the `amazon-notifications` queue (trusted through its policy, chalicelib/resources.py). Each
goes onto the channel inbox like a verified webhook delivery, kept once by its notification id, so a
notification delivered twice queues the order once; the inbox's consumer fetches the order it names.
"""

from __future__ import annotations

from chalicelib.adapters import secrets
from chalicelib.adapters.channels import amazon
from chalicelib.adapters.channels.base import Delivery
from chalicelib.bootstrap import bootstrap
from chalicelib.domain.errors import Refused
from chalicelib.observability import count, logger
from chalicelib.service.webhooks import queue_delivery


def receive_amazon(body: str) -> None:
    """One SQS message: an ORDER_CHANGE onto the inbox of the Amazon channel of its seller and
    marketplace; other notification types, and orders Amazon fulfils itself, are not the OMS's
    (counted, dropped)."""
    note = amazon.notification(body)
    if note.type != amazon.ORDER_CHANGE or note.fulfilled_by_amazon:
        count("ChannelDeliveries", channel="amazon", outcome="ignored")
        logger.info("amazon notification ignored", extra={"type": note.type, "notificationId": note.notification_id})
        return
    deps = bootstrap()
    channel = next(
        (
            c
            for c in deps.network().channels.values()
            if c.active
            and c.type == "amazon"
            and amazon.addressed_to(c, secrets.secret(secrets.CREDENTIALS, c.channel_id), note)
        ),
        None,
    )
    if channel is None:
        raise Refused(
            f"no active amazon channel has seller {note.seller_id} and marketplace {note.marketplace_id} in its "
            "credentials: PUT /channels/{channelId} with them, then redrive this message"
        )
    delivery = Delivery(dedup_key=f"notification-{note.notification_id}", topic=note.type)
    queue_delivery(deps, channel.channel_id, delivery, note.raw.encode())
