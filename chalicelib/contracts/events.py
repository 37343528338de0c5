"""Published event contracts: the `detail` of each event on the bus (source `oms`).

Every detail carries a stable `eventId` (a re-publish repeats it, so consumers drop duplicates), the
aggregate's `version` after the change, `occurredAt` and the `actor`; samples in tests/events/.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.contracts.event_parts import (
    EventDetail,
    LineRef,
    MoneyDetail,
    OrderEvent,
    StockRef,
    WorkflowMove,
)
from chalicelib.contracts.reservation_events import (
    ReservationCancelled,
    ReservationCompleted,
    ReservationCreated,
    ReservationExpired,
)
from chalicelib.contracts.return_events import (
    ClaimCreated,
    ExchangeCancelled,
    ExchangeCharged,
    ExchangeCreated,
    ReturnAuthorized,
    ReturnReceived,
    ReturnUpdated,
)


class OrderCreated(OrderEvent):
    channel: str
    externalId: str
    customerId: str
    storeId: str | None
    total: MoneyDetail
    lines: list[LineRef]


class FulfilmentRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fulfilmentOrderId: str
    locationId: str
    method: str
    lines: list[LineRef]


class BackorderRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lineId: str
    sku: str
    quantity: int
    reason: str


class OrderSourced(OrderEvent):
    """Where each line comes from: fulfilment orders, backorders, and the stock it reserved or took."""

    fulfilmentOrders: list[FulfilmentRef]
    backorders: list[BackorderRef]
    stock: list[StockRef]


class FulfilmentOrderDispatched(OrderEvent):
    """Work handed to a location (or, for an external DC, to the partner)."""

    fulfilmentOrderId: str
    locationId: str
    method: str
    destination: dict[str, Any]
    lines: list[LineRef]


class Tracking(BaseModel):
    model_config = ConfigDict(extra="forbid")
    carrier: str
    code: str
    url: str | None = None


class FulfilmentOrderUpdated(OrderEvent):
    """A location reported progress on a fulfilment order (`from` -> `to`); `stock` is what that
    moved at the location: reservations released (rejected) or taken as the goods left (shipped,
    or collected from the shelf)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)
    fulfilmentOrderId: str
    locationId: str
    from_: str = Field(alias="from")
    to: str
    stock: list[StockRef] = []
    tracking: Tracking | None = None
    reason: str | None = None


class OrderLinesCancelled(OrderEvent):
    reason: str
    lines: list[LineRef]
    stock: list[StockRef] = []  # reservations given back


class LineQuantityRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lineId: str
    quantity: int


class OrderEdited(OrderEvent):
    """An edit applied before shipping (`POST /orders/{id}/edits`): the order's new `delivery`, lines
    added, removed (their cancellation is its own `OrderLinesCancelled`) and changed to a new quantity;
    `resourced`: units taken off their locations for the new delivery (`stock`: their reservations
    given back), sourced again in the `OrderSourced` that follows. `priceDifference`: what the customer
    pays more (negative: is refunded); `amountDue`: what the order's edits added, still to collect."""

    channel: str
    delivery: dict[str, Any] | None = None
    addedLines: list[LineRef]
    removedLines: list[LineQuantityRef]
    changedLines: list[LineQuantityRef]
    resourced: list[LineQuantityRef]
    priceDifference: MoneyDetail
    amountDue: MoneyDetail
    stock: list[StockRef]


class RefundBreakdown(BaseModel):
    """What a refund is made of, in its currency: goods + shipping - fees = amount."""

    model_config = ConfigDict(extra="forbid")
    goods: str
    shipping: str
    fees: str


class RefundEvent(OrderEvent):
    refundId: str
    amount: MoneyDetail


class RefundRequested(RefundEvent):
    reason: str
    breakdown: RefundBreakdown | None = None  # absent from events before the ledger
    # Absent before payouts (all the payment's); only executor `payment` is for the payment side.
    channel: str | None = None
    executor: Literal["payment", "till", "channel", "store_credit"] | None = None
    attempt: int | None = None


class RefundSucceeded(RefundEvent):
    """A refund paid out by the payment, a till or as store credit (its credit id the `reference`)."""

    channel: str
    executor: Literal["payment", "till", "store_credit"]
    reference: str | None = None


class OrderStatusChanged(OrderEvent):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)
    from_: str = Field(alias="from")
    to: str


class OrderWorkflowUpdated(WorkflowMove, OrderEvent):
    """The order's own workflow moved it (`from` -> `to`, on `event`): `category` `open` holds it
    before dispatch, `cancelled`/`rejected` ends it, any other releases it."""

    workflow: str


class InventoryChanged(EventDetail):
    """A location's stock of one SKU was counted or moved."""

    sku: str
    locationId: str
    onHand: int
    reserved: int
    safetyStock: int
    available: int
    reason: str


class ConfigChanged(EventDetail):
    """Another version of a live configuration section became active (saved, activated, rolled back).

    `version` is the now active version; `paths` name what differs from the previous one (read the
    section itself for the values)."""

    section: str
    previousVersion: int  # 0: the built-in default
    activation: int  # counts activations of this section; a rollback repeats a version, not this
    reason: Literal["saved", "activated"]
    paths: list[str]


class LocationChanged(EventDetail):
    """An admin created or replaced a location (read it for the rest: it may have moved, closed, or
    changed what it can do); `version` is the location's."""

    locationId: str
    active: bool


class ChannelChanged(EventDetail):
    """An admin registered or changed a sales channel; `version` is the channel's."""

    channelId: str
    active: bool


class WorkflowEvent(OrderEvent):
    """What a workflow did, as the business named it in the definition: a fulfilment order's (with
    its id and location) or the order's own (without)."""

    fulfilmentOrderId: str | None = None
    locationId: str | None = None
    state: str = Field(description="the state the transition took it to")


class WorkflowEventEmitted(WorkflowEvent):
    """An `emit_event` action: a business event of the business's own (e.g. QualityCheckFailed)."""

    name: str


class ChannelNotificationRequested(WorkflowEvent):
    """A `notify_channel` action: the channel that sold the order is to be told (routed to the
    channel-updates queue, like the order's own events)."""

    message: str | None = None


class TaskLineRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lineId: str
    sku: str
    quantity: int


TaskKind = Literal["sourcing-hold", "workflow", "refund-failed"]


class TaskCreated(OrderEvent):
    """A team has a decision to make about an order: for kind `sourcing-hold`, `lines` are units no
    location could serve, held by a rule for `team`; for kind `workflow`, a fulfilment order's
    workflow asks it (its `outcomes`, each the event it sends the fulfilment order). An order event:
    `version` is the order's."""

    taskId: str
    team: str
    kind: TaskKind
    lines: list[TaskLineRef]
    reason: str
    fulfilmentOrderId: str | None = None
    outcomes: dict[str, str] | None = None
    due: str | None = None


class TaskEvent(EventDetail):
    """What became of a task about the order `orderId`, in `team`'s queue."""

    taskId: str
    orderId: str
    team: str


class TaskCompleted(TaskEvent):
    """The team decided (`version` is the task's). The order's own events say what it did to it."""

    kind: TaskKind
    outcome: str  # sourcing-hold: resource, backorder or cancel; workflow: one of the task's outcomes
    note: str | None = None


class TaskEscalated(TaskEvent):
    """Still undecided at its `due` time, the task moved from `fromTeam` to `team`'s queue, open and
    unclaimed (`version` is the task's). Once: an escalated task is not escalated again."""

    fromTeam: str
    kind: TaskKind
    due: str


EVENT_MODELS: dict[str, type[EventDetail]] = {
    "OrderSourced": OrderSourced,
    "FulfilmentOrderDispatched": FulfilmentOrderDispatched,
    "FulfilmentOrderUpdated": FulfilmentOrderUpdated,
    "ConfigChanged": ConfigChanged,
    "InventoryChanged": InventoryChanged,
    "LocationChanged": LocationChanged,
    "WorkflowEventEmitted": WorkflowEventEmitted,
    "ChannelNotificationRequested": ChannelNotificationRequested,
    "ChannelChanged": ChannelChanged,
    "OrderCreated": OrderCreated,
    "OrderLinesCancelled": OrderLinesCancelled,
    "OrderEdited": OrderEdited,
    "RefundRequested": RefundRequested,
    "RefundSucceeded": RefundSucceeded,
    "OrderStatusChanged": OrderStatusChanged,
    "ReservationCreated": ReservationCreated,
    "ReservationCompleted": ReservationCompleted,
    "ReservationCancelled": ReservationCancelled,
    "ReservationExpired": ReservationExpired,
    "TaskCreated": TaskCreated,
    "OrderWorkflowUpdated": OrderWorkflowUpdated,
    "TaskCompleted": TaskCompleted,
    "TaskEscalated": TaskEscalated,
    "ReturnAuthorized": ReturnAuthorized,
    "ReturnReceived": ReturnReceived,
    "ReturnUpdated": ReturnUpdated,
    "ExchangeCreated": ExchangeCreated,
    "ExchangeCharged": ExchangeCharged,
    "ExchangeCancelled": ExchangeCancelled,
    "ClaimCreated": ClaimCreated,
}


def parse_detail(detail_type: str, detail: dict[str, Any]) -> EventDetail:
    """Validate an event's detail against its contract; unknown types are refused."""
    try:
        model = EVENT_MODELS[detail_type]
    except KeyError:
        raise ValueError(f"unknown event type {detail_type!r}") from None
    return model.model_validate(detail)
