"""Every AWS resource the OMS uses, declared once.

The CDK app (`infra/`) and the local stack (`infra/local.py`) both build from these
definitions, and app.py takes queue names from here, so the three cannot drift apart.
Pure data: importing this costs nothing at cold start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Index:
    """A global secondary index of the single table; its keys are named after it (GSI1: GSI1PK and
    GSI1SK), as `chalicelib/adapters/keys.py` writes them."""

    name: str

    @property
    def partition_key(self) -> str:
        return f"{self.name}PK"

    @property
    def sort_key(self) -> str:
        return f"{self.name}SK"


@dataclass(frozen=True)
class Table:
    key: str  # short name; the physical name is "oms-<stage>-<key>"
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    stream: bool = False


@dataclass(frozen=True)
class Queue:
    key: str
    handler: str  # the app.py function Lambda (and the local pump) calls
    batch_size: int = 10
    max_receive_count: int = 3
    visibility_timeout_s: int = 60
    # First in, first out per message group (its DLQ too); SQS wants the names to end in ".fifo".
    fifo: bool = False
    # AWS accounts outside ours that may send to it (the queue's policy): a platform's notifications.
    senders: tuple[str, ...] = ()
    # The stage setting (CDK context key, infra/stack.py) holding the ARN of an IAM role that may send
    # to it: a platform's notifications sent as a role the operator names (bol's subscription identity).
    sender_role_setting: str | None = None


@dataclass(frozen=True)
class Rule:
    key: str
    event_pattern: dict[str, object]
    target_queue: str


@dataclass(frozen=True)
class Schedule:
    key: str
    handler: str
    rate_minutes: int


@dataclass(frozen=True)
class Resources:
    tables: tuple[Table, ...]
    queues: tuple[Queue, ...]
    rules: tuple[Rule, ...]
    schedules: tuple[Schedule, ...]
    bus: str = "events"
    archive_retention_days: int = 30
    stream_handler: str = "outbox_stream"

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def queue(self, key: str) -> Queue:
        return next(q for q in self.queues if q.key == key)

    def schedule(self, key: str) -> Schedule:
        return next(s for s in self.schedules if s.key == key)


EVENT_SOURCE = "oms"
# The account SP-API sends notifications from (its docs' SQS destination policy names it).
AMAZON_NOTIFICATIONS_ACCOUNT = "437568002678"
# The CDK context key of the IAM role bol.com sends its notifications as (`cdk deploy -c stage=prod -c
# bolNotificationsRole=arn:aws:iam::<account>:role/<name>`): the `identity` of the AWS_SQS subscription.
# Unset, the queue is made but nobody outside the stack may send to it.
BOL_SENDER_ROLE_SETTING = "bolNotificationsRole"
# How long a dead letter is kept (every queue's DLQ), and with it the record of why it failed.
DLQ_RETENTION_DAYS = 14

ORDERS_TABLE = Table(
    key="orders",
    partition_key="PK",
    sort_key="SK",
    indexes=(
        # Overloaded: a customer's orders newest first; a location's work queue oldest first.
        Index("GSI1"),
        # Orders by channel and date.
        Index("GSI2"),
        # Orders by status and date; events not yet published (sparse, sharded).
        Index("GSI3"),
    ),
    ttl_attribute="expiresAt",
    stream=True,
)

# Every event that changes stock somewhere (counted, reserved, released, taken at the till, dispatched,
# restocked from a return), each naming the SKUs and locations it touched.
STOCK_EVENTS = (
    "InventoryChanged",
    "OrderSourced",
    "OrderLinesCancelled",
    "OrderEdited",
    "FulfilmentOrderUpdated",
    "ReservationCreated",
    "ReservationCancelled",
    "ReservationExpired",
    "ReservationCompleted",
    "ReturnReceived",
)

IDEMPOTENCY_TABLE = Table(key="idempotency", partition_key="id", ttl_attribute="expiration")

RESOURCES = Resources(
    tables=(ORDERS_TABLE, IDEMPOTENCY_TABLE),
    queues=(
        # Orders that arrive asynchronously (webhooks, bulk intake) are created from here.
        Queue(key="order-intake", handler="order_intake"),
        # OMS events routed back to the channels that sold the order.
        Queue(key="channel-updates", handler="channel_updates"),
        # Bulk counts and movements from warehouses and tills.
        Queue(key="stock-feed", handler="stock_feed"),
        # Stock changes, to refresh the per-SKU availability summary sourcing reads.
        Queue(key="stock-summary", handler="stock_summary"),
        # Fulfilment orders handed to drop-ship partners (signed POSTs to their URL). A partner's
        # outage outlasts a few quick retries: 8 receives, 5 minutes apart, before the DLQ (~40 min).
        Queue(key="partner-dispatch", handler="partner_dispatch", max_receive_count=8, visibility_timeout_s=300),
        # Verified webhook deliveries from the sales platforms (POST /webhooks/{channelId}), each to be
        # mapped to the canonical order and applied when newer than what the OMS has.
        Queue(key="channel-inbox", handler="channel_inbox"),
        # Amazon SP-API's notifications (ORDER_CHANGE), sent by Amazon's own account: each onto the
        # channel inbox of its seller's channel (service/channel_notifications.py).
        Queue(key="amazon-notifications", handler="amazon_notifications", senders=(AMAZON_NOTIFICATIONS_ACCOUNT,)),
        # bol.com's push notifications (a subscription of type AWS_SQS), sent as the IAM role its
        # `identity` names, which the stage setting gives: each ORDER push onto the channel inbox of its
        # retailer's channel (service/channel_notifications.py).
        Queue(key="bol-notifications", handler="bol_notifications", sender_role_setting=BOL_SENDER_ROLE_SETTING),
        # Status going back to the channels (shipped with tracking, cancelled, refunded), one message
        # group per order: a cancellation never overtakes the shipment queued before it, and a
        # platform's outage holds back only its own orders. Fed by the channel-updates consumer.
        Queue(key="channel-status", handler="channel_status", fifo=True, max_receive_count=5),
        # Stock changes, to schedule a push per marketplace channel and SKU (the first change since the
        # last push does; the rest are counted on its mark: chalicelib/service/stock_out.py).
        Queue(key="stock-out", handler="stock_out"),
        # Those pushes, each delayed by the coalescing window (or until the channel's bucket has a
        # token), then sent to the platform with what the channel may sell now.
        Queue(key="stock-push", handler="stock_push", max_receive_count=5),
    ),
    rules=(
        Rule(
            key="order-events-to-channels",
            event_pattern={
                "source": [EVENT_SOURCE],
                "detail-type": [
                    "OrderCreated",
                    "OrderStatusChanged",
                    "OrderLinesCancelled",
                    "OrderEdited",
                    "FulfilmentOrderUpdated",
                    "RefundRequested",
                    "RefundSucceeded",
                    "ChannelNotificationRequested",
                    "ReturnAuthorized",
                    "ReturnReceived",
                    "ReturnUpdated",
                ],
            },
            target_queue="channel-updates",
        ),
        Rule(
            key="stock-changes-to-summary",
            event_pattern={"source": [EVENT_SOURCE], "detail-type": list(STOCK_EVENTS)},
            target_queue="stock-summary",
        ),
        Rule(
            key="stock-changes-to-marketplaces",
            event_pattern={"source": [EVENT_SOURCE], "detail-type": list(STOCK_EVENTS)},
            target_queue="stock-out",
        ),
        # Every dispatch, not only external DCs': the event names the location, not its type (the
        # order's pure domain knows ids only), so the consumer looks the type up in the cached network.
        Rule(
            key="dispatches-to-partners",
            event_pattern={"source": [EVENT_SOURCE], "detail-type": ["FulfilmentOrderDispatched"]},
            target_queue="partner-dispatch",
        ),
    ),
    schedules=(
        # Publishes outbox events the stream relay could not (throttling, bus outage).
        Schedule(key="outbox-sweep", handler="outbox_sweep", rate_minutes=1),
        # Active reservations past their time release the store stock they hold.
        Schedule(key="reservation-expiry", handler="expire_reservations", rate_minutes=5),
        Schedule(key="workflow-timers", handler="fire_timers", rate_minutes=1),
        # Polled marketplaces (bol.com, Amazon): the orders changed since each channel's high-water mark.
        Schedule(key="channel-poll", handler="poll_channels", rate_minutes=5),
    ),
)


def stage() -> str:
    return os.environ.get("OMS_STAGE", "dev")


def physical_name(key: str, stage_name: str | None = None) -> str:
    return f"oms-{stage_name or stage()}-{key}{fifo_suffix(key)}"


def dlq_name(queue_key: str, stage_name: str | None = None) -> str:
    return physical_name(f"{queue_key}-dlq", stage_name)


def fifo_suffix(key: str) -> str:
    """ ".fifo" for a FIFO queue's key or its DLQ's (`<key>-dlq`), else nothing."""
    fifo = {q.key for q in RESOURCES.queues if q.fifo}
    return ".fifo" if key in fifo or key.removesuffix("-dlq") in fifo else ""


def channel_secrets_prefix(stage_name: str | None = None) -> str:
    """Secrets Manager names of the channels' secrets: `oms-<stage>/channels/<channelId>`.

    Made on demand by `PUT /channels/{channelId}` (chalicelib/adapters/secrets.py), not by the
    stacks; the functions' role may touch these names and the partners' (below), no other secret
    (infra/stack.py)."""
    return f"oms-{stage_name or stage()}/channels"


def partner_secrets_prefix(stage_name: str | None = None) -> str:
    """Secrets Manager names of the drop-ship partners' signing secrets: `oms-<stage>/partners/<locationId>`,
    made on demand by `PUT /locations/{locationId}` like the channels'."""
    return f"oms-{stage_name or stage()}/partners"
