"""Every DynamoDB key the OMS writes is made here, and only here.

One table. An order's header, its fulfilment orders, returns and events (its history and its
outbox) share the partition ORDER#<id>, so reading a whole order is one Query.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

Key = dict[str, str]

ORDER_TIMERS_SK = "TIMERS"  # the order's own workflow timers: its header's GSI3 lists it by status
EVENT_PREFIX = "EVENT#"
FULFILMENT_PREFIX = "FO#"
RETURN_PREFIX = "RETURN#"
EXCHANGE_PREFIX = "EXCHANGE#"
CLAIM_PREFIX = "CLAIM#"


@dataclass(frozen=True)
class Partition:
    """An aggregate's own partition <prefix>#<id>: its header under the sort key `header`, its events
    (and, for an order, its fulfilment orders, returns, exchanges and claims) beside it."""

    prefix: str
    header: str

    def pk(self, item_id: str) -> str:
        return f"{self.prefix}#{item_id}"

    def key(self, item_id: str) -> Key:
        return {"PK": self.pk(item_id), "SK": self.header}


@dataclass(frozen=True)
class Listed(Partition):
    """A kind listed whole, by id, in one small GSI2 partition `listed_in` (read rarely)."""

    listed_in: str

    def listing(self, item_id: str) -> Key:
        return {"GSI2PK": self.listed_in, "GSI2SK": item_id}

    def id_of(self, pk: str) -> str:
        return pk.removeprefix(f"{self.prefix}#")


ORDERS = Partition("ORDER", "ORDER")


def event_sk(version: int, seq: int) -> str:
    # Zero-padded so history sorts in the order it happened.
    return f"{EVENT_PREFIX}{version:09d}#{seq:03d}"


def event_id(order_id: str, version: int, seq: int) -> str:
    # Stable: a re-publish of the same event carries the same id.
    return f"{order_id}.{version}.{seq}"


def external_key(channel: str, external_id: str) -> Key:
    """Uniqueness of (channel, externalId), and the lookup from it to the order."""
    return {"PK": f"EXTERNAL#{channel}#{external_id}", "SK": "EXTERNAL"}


# A token is kept by its hash; tokens are listed whole by an admin, oldest first (token ids sort by creation).
TOKENS = Listed("TOKEN", "TOKEN", listed_in="TOKENS")


def customer_index(customer_id: str, placed_at: str, order_id: str) -> Key:
    return {"GSI1PK": f"CUSTOMER#{customer_id}", "GSI1SK": f"{placed_at}#{order_id}"}


def orders_by_channel_index(channel: str, created_at: str, order_id: str) -> Key:
    return {"GSI2PK": f"CHANNEL#{channel}", "GSI2SK": f"{created_at}#{order_id}"}


def status_index(status: str, created_at: str, order_id: str) -> Key:
    return {"GSI3PK": f"STATUS#{status}", "GSI3SK": f"{created_at}#{order_id}"}


def _shard_of(item_id: str, shards: int) -> int:
    """A stable shard for an id (the same in every process, unlike hash())."""
    return int(hashlib.sha1(item_id.encode()).hexdigest(), 16) % shards


@dataclass(frozen=True)
class Queue:
    """A GSI1 queue: an owner's (a location's, a team's) items in one status, oldest first, in the
    partition <prefix>#<owner>#<status> (the key moves when the status does)."""

    prefix: str

    def pk(self, owner: str, status: str) -> str:
        return f"{self.prefix}#{owner}#{status}"

    def index(self, owner: str, status: str, created_at: str, item_id: str) -> Key:
        return {"GSI1PK": self.pk(owner, status), "GSI1SK": f"{created_at}#{item_id}"}


@dataclass(frozen=True)
class DueIndex:
    """A sparse GSI3 listing by a time (due, expiring, occurred), spread over `shards` partitions
    <prefix>#<shard> so none is hot; a schedule reads every shard for what is up."""

    prefix: str
    shards: int

    def shard(self, shard: int) -> str:
        return f"{self.prefix}#{shard}"

    def partitions(self) -> list[str]:
        return [self.shard(shard) for shard in range(self.shards)]

    def index(self, item_id: str, at: str) -> Key:
        return {"GSI3PK": self.shard(_shard_of(item_id, self.shards)), "GSI3SK": f"{at}#{item_id}"}


OUTBOX = DueIndex("OUTBOX", 8)  # unpublished events, by the time they occurred


# ---- network and stock -------------------------------------------------------------------------
# Locations and channels are listed whole (the network snapshot every sourcing call caches):
# one GSI2 partition each, small and read rarely.
LOCATIONS = Listed("LOCATION", "LOCATION", listed_in="LOCATIONS")
CHANNELS = Listed("CHANNEL", "CHANNEL", listed_in="CHANNELS")
STOCK_LEVEL_PREFIX = "LOC#"
STOCK_SUMMARY_SK = "SUMMARY"


def stock_pk(sku: str) -> str:
    return f"STOCK#{sku}"


def stock_key(sku: str, location_id: str) -> Key:
    """One small item per (SKU, location): reservations write here, cheaply and spread out."""
    return {"PK": stock_pk(sku), "SK": f"{STOCK_LEVEL_PREFIX}{location_id}"}


def stock_summary_key(sku: str) -> Key:
    """Per SKU, every location's availability (capped), kept up to date from events: sourcing
    reads the summaries of a whole cart in one BatchGetItem."""
    return {"PK": stock_pk(sku), "SK": STOCK_SUMMARY_SK}


def stock_event_sk(location_id: str, version: int) -> str:
    return f"{EVENT_PREFIX}{location_id}#{version:09d}"


# ---- live configuration ------------------------------------------------------------------------
# One partition per section: ACTIVE (the pointer every request reads, with a copy of its body, so
# `config.active()` is one GetItem), VERSION#<n> for every saved version (drafts too), and the
# ConfigChanged events under EVENT#<activation>.
CONFIG = Partition("CONFIG", "ACTIVE")
CONFIG_VERSION_PREFIX = "VERSION#"


def config_version_key(section: str, version: int) -> Key:
    # Zero-padded so the newest version is the last key of the partition's VERSION# range.
    return {"PK": CONFIG.pk(section), "SK": f"{CONFIG_VERSION_PREFIX}{version:09d}"}


def config_event_sk(activation: int) -> str:
    # Per activation, not per version: a rollback makes an old version active again.
    return f"{EVENT_PREFIX}{activation:09d}"


def fulfilment_sk(fulfilment_order_id: str) -> str:
    return f"{FULFILMENT_PREFIX}{fulfilment_order_id}"


# A location's fulfilment orders by status (GSI1, overloaded with customers' orders).
WORK_QUEUE = Queue("WORK")
# Fulfilment orders, returns and orders with a workflow timer pending (and exchanges with a charge
# due), by the first one due; the keys go when the last one does.
TIMERS = DueIndex("TIMERS", 4)


# ---- returns -----------------------------------------------------------------------------------
# A return lives in its order's partition (ORDER#<order>, RETURN#<id>): reading the order reads its
# returns, and a return's id names its order, so a return event costs one Query. A location's
# returns to handle by status are GSI1 RETURNS#<location>#<status> (overloaded like WORK#).


def return_key(order_id: str, return_id: str) -> Key:
    return {"PK": ORDERS.pk(order_id), "SK": f"{RETURN_PREFIX}{return_id}"}


def exchange_key(order_id: str, exchange_id: str) -> Key:
    """An exchange lives in its original order's partition, beside its return."""
    return {"PK": ORDERS.pk(order_id), "SK": f"{EXCHANGE_PREFIX}{exchange_id}"}


def claim_key(order_id: str, claim_id: str) -> Key:
    """A claim lives in its order's partition too."""
    return {"PK": ORDERS.pk(order_id), "SK": f"{CLAIM_PREFIX}{claim_id}"}


RETURNS_AT = Queue("RETURNS")  # a location's returns by status


def capacity_key(location_id: str, day: str) -> Key:
    """Fulfilment orders a location was given on one day, against its daily capacity."""
    return {"PK": f"CAPACITY#{location_id}", "SK": f"DAY#{day}"}


# ---- reservations ------------------------------------------------------------------------------
# A reservation and its events share the partition RESERVATION#<id> (header SK "RESERVATION",
# events EVENT#<version>#<seq>). A store's reservations by status are GSI1 RESERVATIONS#<loc>#<status>
# (overloaded like WORK#: the key moves when the status does). While active, a reservation is also in
# the sparse GSI3 under EXPIRES#<shard> / <expiresAt>#<id> (sharded like the outbox), so the expiry
# schedule reads only what is due; the keys are removed when it ends.
RESERVATIONS = Partition("RESERVATION", "RESERVATION")
RESERVATIONS_AT = Queue("RESERVATIONS")  # a store's reservations by status
EXPIRIES = DueIndex("EXPIRES", 4)  # active reservations, by the time they end


# ---- tasks -------------------------------------------------------------------------------------
# A task for a team (a sourcing hold to decide about) and its events share the partition TASK#<id>
# (header SK "TASK", events EVENT#<version>#<seq>). A team's tasks by status are GSI1
# TASKS#<team>#<status> / <createdAt>#<id>, oldest first (overloaded like WORK#: the key moves with
# the status). While undecided and not yet overdue, a task with a due time is also in the sparse GSI3
# under TASKDUE#<shard> / <due>#<id> (as reservations' expiry), so the escalation schedule reads only
# what is due; the keys go when it is completed or escalated.
TASKS = Partition("TASK", "TASK")
TASKS_OF = Queue("TASKS")  # a team's tasks by status
TASK_DUE = DueIndex("TASKDUE", 4)  # undecided tasks, by the time they become overdue


# ---- dead letters ------------------------------------------------------------------------------
# Why a queue message failed, under FAILURE#<queue key> / <messageId> (SQS keeps the messageId when it
# moves a message to the queue's DLQ, so `GET /ops/dead-letters` joins the two with one BatchGetItem).
# Written once per failed receive (rare); gone by TTL with the DLQ's retention.


def failure_key(queue_key: str, message_id: str) -> Key:
    return {"PK": f"FAILURE#{queue_key}", "SK": message_id}


# ---- channel inbox -------------------------------------------------------------------------------
# A platform's webhook delivery as it came (raw body), one partition each so a busy shop spreads;
# its existence is the deduplication (on the platform's delivery id or its own (resource, modified)).
# The platform's update time the OMS applied last for one of its orders: older deliveries are stale.


def delivery_key(channel_id: str, dedup_key: str) -> Key:
    return {"PK": f"DELIVERY#{channel_id}#{dedup_key}", "SK": "DELIVERY"}


def channel_poll_key(channel_id: str) -> Key:
    return {"PK": f"CHANNELPOLL#{channel_id}", "SK": "MARK"}


def channel_order_key(channel_id: str, external_id: str) -> Key:
    return {"PK": f"CHANNELORDER#{channel_id}#{external_id}", "SK": "APPLIED"}


def channel_push_key(channel_id: str, event_id: str) -> Key:
    """What a connector sent for one status update that its platform takes asynchronously (an Amazon
    feed's id), by the update's event id, until the platform has done with it."""
    return {"PK": f"CHANNELPUSH#{channel_id}#{event_id}", "SK": "SENT"}


def stock_out_key(channel_id: str, sku: str) -> Key:
    """One marketplace channel's stock-out mark for one SKU: a push scheduled, and what was last pushed."""
    return {"PK": f"STOCKOUT#{channel_id}#{sku}", "SK": "MARK"}


def push_bucket_key(channel_id: str) -> Key:
    """A channel account's token bucket for stock calls (and how long a 429 paused it)."""
    return {"PK": f"PUSHBUCKET#{channel_id}", "SK": "BUCKET"}


def poll_bucket_key(channel_id: str) -> Key:
    """A channel account's token bucket for the poller's calls (list pages, order fetches)."""
    return {"PK": f"POLLBUCKET#{channel_id}", "SK": "BUCKET"}
