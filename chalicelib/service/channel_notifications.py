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
    marketplace (or of its marketplace alone, for a channel without a sellerId); other notification
    types, and orders Amazon fulfils itself, are not the OMS's (counted, dropped)."""
    note = amazon.notification(body)
    if note.type != amazon.ORDER_CHANGE or note.fulfilled_by_amazon:
        count("ChannelDeliveries", channel="amazon", outcome="ignored")
        logger.info("amazon notification ignored", extra={"type": note.type, "notificationId": note.notification_id})
        return
    deps = bootstrap()
    how = {
        c.channel_id: amazon.addressed_to(c, secrets.secret(secrets.CREDENTIALS, c.channel_id), note)
        for c in deps.network().channels.values()
        if c.active and c.type == "amazon"
    }
    by_seller = [channel_id for channel_id, named in how.items() if named == "seller"]
    # A channel without a sellerId is named by its marketplace alone: only when it is the one there.
    by_marketplace = [channel_id for channel_id, named in how.items() if named == "marketplace"]
    if by_seller or len(by_marketplace) == 1:
        channel_id = (by_seller or by_marketplace)[0]
    elif by_marketplace:
        raise Refused(
            f"amazon channels {', '.join(sorted(by_marketplace))} all sell in marketplace {note.marketplace_id} "
            "without a sellerId in their credentials: set it, then redrive this message"
        )
    else:
        raise Refused(
            f"no active amazon channel has seller {note.seller_id} and marketplace {note.marketplace_id} in its "
            "credentials: PUT /channels/{channelId} with them, then redrive this message"
        )
    delivery = Delivery(dedup_key=f"notification-{note.notification_id}", topic=note.type)
    queue_delivery(deps, channel_id, delivery, note.raw.encode())
