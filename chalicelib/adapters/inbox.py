"""The channels' inbox in the table: each verified webhook delivery as it came, kept once (its key
is the platform's delivery id, or what makes a repeat a repeat there), and per platform order the
platform's update time the OMS applied last."""

from __future__ import annotations

import time

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Item, Table
from chalicelib.clock import now

# Longer than a dead letter is kept (14 days): a delivery redriven on the DLQ's last day is still here,
# and a platform's late retry of it is still a duplicate.
KEEP_DAYS = 30


def keep(table: Table, channel_id: str, dedup_key: str, topic: str, body: bytes) -> bool:
    """Store the delivery unless it is there already (one conditional write): True when it is new."""
    return table.update(
        keys.delivery_key(channel_id, dedup_key),
        "SET channelId = :c, dedupKey = :k, deliveryTopic = :t, rawBody = :b, receivedAt = :r, expiresAt = :e",
        condition="attribute_not_exists(PK)",
        values={
            ":c": channel_id,
            ":k": dedup_key,
            ":t": topic,
            # The platforms send UTF-8 JSON; anything else fails, readably, in the consumer.
            ":b": body.decode("utf-8", errors="replace"),
            ":r": now(),
            ":e": int(time.time()) + KEEP_DAYS * 86_400,
        },
    )


def stored(table: Table, channel_id: str, dedup_key: str) -> Item | None:
    return table.get(keys.delivery_key(channel_id, dedup_key), consistent=True)


def mark_queued(table: Table, channel_id: str, dedup_key: str) -> None:
    """Queued: a repeat of it queues nothing. Until then a repeat queues it (the first try stored it
    and then failed to send: the platform's retry must not find it a duplicate and lose it)."""
    table.update(keys.delivery_key(channel_id, dedup_key), "SET queuedAt = :q", values={":q": now()})


def applied_at(table: Table, channel_id: str, external_id: str) -> str | None:
    """The platform's update time of its order that the OMS applied last (iso, UTC), if any."""
    item = table.get(keys.channel_order_key(channel_id, external_id), consistent=True)
    return str(item["channelUpdatedAt"]) if item else None


def applied(table: Table, channel_id: str, external_id: str, order_id: str, updated_at: str) -> bool:
    """Record that the order as of `updated_at` is applied, unless a newer one already is."""
    return table.update(
        keys.channel_order_key(channel_id, external_id),
        "SET channelUpdatedAt = :u, orderId = :o",
        condition="attribute_not_exists(PK) OR channelUpdatedAt < :u",
        values={":u": updated_at, ":o": order_id},
    )
