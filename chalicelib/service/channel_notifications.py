"""Platforms' notifications that arrive on a queue of ours rather than by webhook: Amazon SP-API sends
them to the `amazon-notifications` queue, bol.com (an AWS_SQS subscription) to `bol-notifications`,
each trusted through its queue's policy (chalicelib/resources.py). Each goes onto the channel inbox like
a verified webhook delivery, kept once by what makes a repeat a repeat, so a notification delivered
twice queues the order once; the inbox's consumer fetches the order it names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from chalicelib.adapters import secrets
from chalicelib.adapters.channels import amazon, bol
from chalicelib.adapters.channels.base import Delivery
from chalicelib.bootstrap import bootstrap
from chalicelib.domain.errors import Refused
from chalicelib.observability import count, logger
from chalicelib.service.webhooks import queue_delivery

if TYPE_CHECKING:
    from chalicelib.domain.network import Channel
    from chalicelib.service.unit_of_work import Dependencies


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
    how = {c.channel_id: amazon.addressed_to(c, credentials, note) for c, credentials in _active(deps, "amazon")}
    channel_id = _addressee(
        by_id=[channel_id for channel_id, named in how.items() if named == "seller"],
        # A channel without a sellerId is named by its marketplace alone: only when it is the one there.
        unnamed=[channel_id for channel_id, named in how.items() if named == "marketplace"],
        ambiguous=lambda channels: (
            f"amazon channels {channels} all sell in marketplace {note.marketplace_id} without a sellerId in their "
            "credentials: set it, then redrive this message"
        ),
        unknown=(
            f"no active amazon channel has seller {note.seller_id} and marketplace {note.marketplace_id} in its "
            "credentials: PUT /channels/{channelId} with them, then redrive this message"
        ),
    )
    delivery = Delivery(dedup_key=f"notification-{note.notification_id}", topic=note.type)
    queue_delivery(deps, channel_id, delivery, note.raw.encode())


def receive_bol(body: str) -> None:
    """One SQS message: an ORDER push onto the inbox of the bol channel of its retailer (or of the one
    bol channel without a retailerId). Other resources are counted and dropped: a PROCESS_STATUS push
    answers a write of ours, which the status push follows itself (chalicelib/adapters/channels/bol.py);
    shipments are ours to begin with; offers and TEST are not the OMS's."""
    note = bol.notification(body)
    if note.resource != bol.ORDER:
        count("ChannelDeliveries", channel="bol", outcome="ignored")
        logger.info("bol notification ignored", extra={"resource": note.resource, "type": note.event_type})
        return
    deps = bootstrap()
    retailers = {c.channel_id: bol.retailer_of(c, credentials) for c, credentials in _active(deps, "bol")}
    channel_id = _addressee(
        by_id=[channel_id for channel_id, retailer in retailers.items() if retailer == note.retailer_id],
        unnamed=[channel_id for channel_id, retailer in retailers.items() if retailer is None],
        ambiguous=lambda channels: (
            f"bol channels {channels} have no retailerId in their credentials, so none is known to be retailer "
            f"{note.retailer_id}'s: PUT /channels/{{channelId}} with credentials including retailerId, then "
            "redrive this message"
        ),
        unknown=(
            f"no active bol channel has retailerId {note.retailer_id} in its credentials: PUT /channels/{{channelId}} "
            "with credentials including it, then redrive this message"
        ),
    )
    queue_delivery(deps, channel_id, Delivery(dedup_key=note.dedup_key, topic=bol.ORDER), note.raw.encode())


def _active(deps: Dependencies, channel_type: str) -> Iterator[tuple[Channel, str | None]]:
    """The active channels of a type, each with its stored API credentials."""
    for channel in deps.network().channels.values():
        if channel.active and channel.type == channel_type:
            yield channel, secrets.secret(secrets.CREDENTIALS, channel.channel_id)


def _addressee(by_id: list[str], unnamed: list[str], *, ambiguous: Callable[[str], str], unknown: str) -> str:
    """The channel a notification is for: one whose credentials name its account, else the one that
    names no account (several such: no telling which, so `ambiguous` of them; none: `unknown`)."""
    if by_id or len(unnamed) == 1:
        return sorted(by_id or unnamed)[0]
    if unnamed:
        raise Refused(ambiguous(", ".join(sorted(unnamed))))
    raise Refused(unknown)
