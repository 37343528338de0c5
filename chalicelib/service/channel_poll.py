"""The channel-poll schedule: every active polled channel (bol.com, Amazon: POLLED) asked for the orders changed since
its high-water mark, less an overlap (a change bol records late, clocks apart), each changed order
fetched whole and put on the channel-inbox queue as a webhook's delivery is. The inbox keeps each
state of an order once (keyed by a hash of it), so the overlap re-fetches but never re-applies.

A 429 stops that channel's run: its mark stays where it was (the next run catches up) and it is left
alone until the Retry-After has passed. The mark only moves after a whole run succeeded.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.adapters import keys, outbound, secrets
from chalicelib.adapters.channels import POLLED, poller
from chalicelib.adapters.channels.base import SEEN_AT, Delivery
from chalicelib.domain.timestamps import iso
from chalicelib.observability import count, logger
from chalicelib.service.webhooks import queue_delivery

if TYPE_CHECKING:
    from chalicelib.domain.network import Channel
    from chalicelib.service.unit_of_work import Dependencies

OVERLAP = timedelta(minutes=10)
FIRST_LOOK_BACK = timedelta(days=1)  # a channel's first run: orders changed since yesterday
TOPIC = "poll"


def poll_all(deps: Dependencies) -> dict[str, str]:
    """Each active polled channel's run (one failing does not stop the others): channel -> outcome."""
    outcomes: dict[str, str] = {}
    for channel in deps.network().channels.values():
        if not channel.active or channel.type not in POLLED:
            continue
        try:
            outcomes[channel.channel_id] = poll(deps, channel)
        except Exception:  # logged with its type only: the next run tries again
            logger.exception("channel poll failed", extra={"channelId": channel.channel_id})
            outcomes[channel.channel_id] = "failed"
        count("ChannelPolls", channel=channel.channel_id, outcome=outcomes[channel.channel_id])
    return outcomes


def poll(deps: Dependencies, channel: Channel) -> str:
    key = keys.channel_poll_key(channel.channel_id)
    state = deps.table.get(key, consistent=True) or {}
    started = clock.moment()
    if str(state.get("pausedUntil") or "") > iso(started):
        return "paused"
    credentials = secrets.secret(secrets.CREDENTIALS, channel.channel_id)
    mark = state.get("polledThrough")
    since = (datetime.fromisoformat(str(mark).replace("Z", "+00:00")) if mark else started - FIRST_LOOK_BACK) - OVERLAP
    queued = 0
    try:
        for order_id, order in poller(channel.type).changed_orders(channel, credentials, since, started):
            queued += _queue(deps, channel, order_id, order)
    except outbound.Throttled as exc:
        paused = iso(clock.moment() + timedelta(seconds=exc.seconds))
        deps.table.update(key, "SET pausedUntil = :p", values={":p": paused})
        logger.warning("channel poll throttled", extra={"channelId": channel.channel_id, "pausedUntil": paused})
        return "throttled"
    deps.table.update(key, "SET polledThrough = :t REMOVE pausedUntil", values={":t": iso(started)})
    logger.info("channel polled", extra={"channelId": channel.channel_id, "queued": queued})
    return "queued" if queued else "nothing new"


def _queue(deps: Dependencies, channel: Channel, order_id: str, order: dict[str, Any]) -> int:
    """The order onto the inbox once per state: its dedup key hashes what the platform answered
    (anything it changes may matter, and an unchanged order answers the same); `omsSeenAt` is added
    after, so the first sighting of a state is its update time where the platform gives none (bol)."""
    state = json.dumps(order, sort_keys=True, default=str)
    dedup_key = f"order-{order_id}-{hashlib.sha256(state.encode()).hexdigest()[:32]}"
    body = json.dumps({**order, SEEN_AT: clock.now()}, default=str).encode()
    return int(queue_delivery(deps, channel.channel_id, Delivery(dedup_key, TOPIC), body))
