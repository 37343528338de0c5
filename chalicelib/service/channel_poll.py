"""The channel-poll schedule: every active polled channel (bol.com, Amazon: POLLED) asked for the orders changed since
its high-water mark, less an overlap (a change bol records late, clocks apart), each changed order
fetched whole and put on the channel-inbox queue as a webhook's delivery is. The inbox keeps each
state of an order once (keyed by a hash of it), so the overlap re-fetches but never re-applies.
A platform that lists the returns its customers announce (`ListsReturns`: Zalando) has those of
the same window queued too, each once by its own id, for the inbox's consumer to create.

Every call a run makes (list pages, order fetches; not logins) first takes a token from the channel
account's poll bucket (chalicelib/adapters/buckets.py, as the stock pushes do from theirs), at the
platform's usage plan or the channel's own `pollRate`. An empty bucket stops the run before its next
call, and a 429 pauses the bucket until its Retry-After has passed; either way the mark stays where
it was, so the next run reads from there again: what was queued is not queued twice (the inbox keeps
each state once) and nothing is skipped, whatever order the platform lists its orders in. The mark
only moves after a whole run succeeded. Where the platform takes an exact window (Amazon, Zalando), a
run that ran out of tokens halves the window the next one reads (`narrowTo`), until one fits the
bucket: otherwise a backlog bigger than a burst would be read from its start every run and never
get through (Amazon refills less than two pages in five minutes). bol lists changes up to now only.
A channel with `pollEverySeconds` is polled no more often.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.adapters import keys, outbound, secrets
from chalicelib.adapters.buckets import pause, take_token
from chalicelib.adapters.channels import POLLED, poller
from chalicelib.adapters.channels.api import paced
from chalicelib.adapters.channels.base import ANNOUNCED_RETURN, SEEN_AT, Delivery, ListsReturns
from chalicelib.domain.network import Rate
from chalicelib.domain.timestamps import iso
from chalicelib.observability import count, logger
from chalicelib.service.webhooks import queue_delivery

if TYPE_CHECKING:
    from chalicelib.domain.network import Channel
    from chalicelib.service.unit_of_work import Dependencies

OVERLAP = timedelta(minutes=10)
FIRST_LOOK_BACK = timedelta(days=1)  # a channel's first run: orders changed since yesterday
TOPIC = "poll"
EXACT_WINDOWS = frozenset({"amazon", "zalando", "magento"})  # their lists take any from-to (bol's: up to now)
# A schedule that fires a little early still polls a channel whose pollEverySeconds is just due.
EARLY = timedelta(seconds=30)
# Each platform's usage plan for the poller's calls, unless the channel has its own `pollRate`.
RATES = {
    "amazon": Rate(Decimal("0.0056"), 20),  # searchOrders' documented plan (its answers are whole orders)
    # bol and Zalando publish no figure for their order lists: an order a second, a burst of a page's worth
    "bol": Rate(Decimal(1), 50),
    "zalando": Rate(Decimal(1), 50),
    "magento": Rate(Decimal(1), 50),  # the shop's own server: no plan, so as gentle as the others
}


class _Spent(Exception):
    """The poll bucket is empty: the run stops before its next call."""


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
    if channel.poll_every_seconds and str(state.get("ranAt") or "") > iso(
        started - timedelta(seconds=channel.poll_every_seconds) + EARLY
    ):
        return "not due"
    bucket = keys.poll_bucket_key(channel.channel_id)
    rate = channel.poll_rate or RATES[channel.type]
    calls = 0

    def take() -> None:
        nonlocal calls
        if take_token(deps.table, bucket, rate=rate, at=clock.moment()):
            raise _Spent
        calls += 1

    credentials = secrets.secret(secrets.CREDENTIALS, channel.channel_id)
    mark = _moment(state.get("polledThrough")) or started - FIRST_LOOK_BACK
    since = mark - OVERLAP
    until = min(_moment(state.get("narrowTo")) or started, started)
    queued = 0
    try:
        with paced(take):
            platform = poller(channel.type)
            for order_id, order in platform.changed_orders(channel, credentials, since, until):
                queued += _queue(deps, channel, order_id, order)
            if isinstance(platform, ListsReturns):
                for name, announced in platform.announced_returns(channel, credentials, since, until):
                    once = Delivery(f"return-{name}", ANNOUNCED_RETURN)  # an announced return does not change
                    body = json.dumps(announced, default=str).encode()
                    queued += queue_delivery(deps, channel.channel_id, once, body)
    except _Spent:
        if not calls:
            return "paused"
        narrow = channel.type in EXACT_WINDOWS and until > mark
        deps.table.update(
            key,
            "SET ranAt = :r" + (", narrowTo = :n" if narrow else ""),
            values={":r": iso(started), **({":n": iso(mark + (until - mark) / 2)} if narrow else {})},
        )
        logger.info(
            "channel poll stopped: its bucket is empty", extra={"channelId": channel.channel_id, "queued": queued}
        )
        return "stopped early"
    except outbound.Throttled as exc:
        paused = clock.moment() + timedelta(seconds=exc.seconds)
        pause(deps.table, bucket, until=paused)
        deps.table.update(key, "SET ranAt = :r", values={":r": iso(started)})
        logger.warning("channel poll throttled", extra={"channelId": channel.channel_id, "pausedUntil": iso(paused)})
        return "throttled"
    deps.table.update(
        key, "SET polledThrough = :t, ranAt = :r REMOVE narrowTo", values={":t": iso(until), ":r": iso(started)}
    )
    logger.info("channel polled", extra={"channelId": channel.channel_id, "queued": queued})
    return "queued" if queued else "nothing new"


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


def _queue(deps: Dependencies, channel: Channel, order_id: str, order: dict[str, Any]) -> int:
    """The order onto the inbox once per state: its dedup key hashes what the platform answered
    (anything it changes may matter, and an unchanged order answers the same); `omsSeenAt` is added
    after, so the first sighting of a state is its update time where the platform gives none (bol)."""
    state = json.dumps(order, sort_keys=True, default=str)
    dedup_key = f"order-{order_id}-{hashlib.sha256(state.encode()).hexdigest()[:32]}"
    body = json.dumps({**order, SEEN_AT: clock.now()}, default=str).encode()
    return int(queue_delivery(deps, channel.channel_id, Delivery(dedup_key, TOPIC), body))
