"""Every DynamoDB key the OMS writes is made here, and only here.

One table. An order's header, its fulfilment orders, returns and events (its history and its
outbox) share the partition ORDER#<id>, so reading a whole order is one Query.
"""

from __future__ import annotations

import hashlib

Key = dict[str, str]

ORDER_SK = "ORDER"
EVENT_PREFIX = "EVENT#"
FULFILMENT_PREFIX = "FO#"
RETURN_PREFIX = "RETURN#"
OUTBOX_SHARDS = 8  # spreads unpublished events over partitions of the sparse GSI3


def order_pk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def order_key(order_id: str) -> Key:
    return {"PK": order_pk(order_id), "SK": ORDER_SK}


def event_sk(version: int, seq: int) -> str:
    # Zero-padded so history sorts in the order it happened.
    return f"{EVENT_PREFIX}{version:09d}#{seq:03d}"


def event_id(order_id: str, version: int, seq: int) -> str:
    # Stable: a re-publish of the same event carries the same id.
    return f"{order_id}.{version}.{seq}"


def external_key(channel: str, external_id: str) -> Key:
    """Uniqueness of (channel, externalId), and the lookup from it to the order."""
    return {"PK": f"EXTERNAL#{channel}#{external_id}", "SK": "EXTERNAL"}


def token_key(token_hash: str) -> Key:
    return {"PK": f"TOKEN#{token_hash}", "SK": "TOKEN"}


def customer_index(customer_id: str, placed_at: str, order_id: str) -> Key:
    return {"GSI1PK": f"CUSTOMER#{customer_id}", "GSI1SK": f"{placed_at}#{order_id}"}


def channel_index(channel: str, created_at: str, order_id: str) -> Key:
    return {"GSI2PK": f"CHANNEL#{channel}", "GSI2SK": f"{created_at}#{order_id}"}


def status_index(status: str, created_at: str, order_id: str) -> Key:
    return {"GSI3PK": f"STATUS#{status}", "GSI3SK": f"{created_at}#{order_id}"}


def outbox_shard(shard: int) -> str:
    return f"OUTBOX#{shard}"


def outbox_index(evt_id: str, occurred_at: str) -> Key:
    shard = int(hashlib.sha1(evt_id.encode()).hexdigest(), 16) % OUTBOX_SHARDS
    return {"GSI3PK": outbox_shard(shard), "GSI3SK": f"{occurred_at}#{evt_id}"}
