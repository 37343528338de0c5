"""The HTTP contract (../shared/API.md) as pydantic models.

Handlers parse requests with these and answer with them; `/openapi.json` is generated from them.
Unknown fields are refused; money is a decimal string, never a float.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel, Secret, StrictInt, StringConstraints
from pydantic.alias_generators import to_camel

from chalicelib.contracts.config import ClickAndCollectConfig, SourcingConfig
from chalicelib.domain.ids import ID_PATTERN, PRINTABLE_PATTERN
from chalicelib.limits import MAX_ORDER_LINES

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=500, pattern=PRINTABLE_PATTERN)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
DecimalString = Annotated[str, StringConstraints(pattern=r"^-?\d{1,12}(\.\d{1,4})?$"), Field(examples=["19.95"])]
Quantity = Annotated[StrictInt, Field(gt=0, le=100_000)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class Money(Model):
    amount: DecimalString
    currency: Currency

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount)


class Address(Model):
    name: Text | None = None
    company: Text | None = None
    line1: Text
    line2: Text | None = None
    house_number: Text | None = None
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    city: Text
    region: Text | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class HomeDelivery(Model):
    method: Literal["home_delivery"]
    address: Address


class LocationDelivery(Model):
    method: Literal["click_and_collect", "pickup_point", "carry_out"]
    location_id: Id


Delivery = Annotated[HomeDelivery | LocationDelivery, Field(discriminator="method")]


class Customer(Model):
    id: Id
    email: Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    name: Text | None = None
    phone: Annotated[str, StringConstraints(max_length=32)] | None = None


class Payment(Model):
    status: Literal["authorized", "paid"]
    amount: Money


class OrderLineIn(Model):
    line_id: Id
    sku: Id
    quantity: Quantity
    unit_price: Money
    delivery: Delivery | None = None
    ship_from: Id | None = None


class CreateOrder(Model):
    """`POST /orders`."""

    channel: Id
    external_id: Id
    customer: Customer
    placed_at: AwareDatetime
    store_id: Id | None = None
    payment: Payment
    delivery: Delivery | None = None
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=MAX_ORDER_LINES)]


class LineQuantity(Model):
    line_id: Id
    quantity: Quantity


class CancelLines(Model):
    """`POST /orders/{orderId}/cancellations`."""

    lines: Annotated[list[LineQuantity], Field(min_length=1, max_length=500)]
    reason: Text


class CreateToken(Model):
    """`POST /tokens`."""

    role: Annotated[str, StringConstraints(pattern=r"^(admin|ops|cs|(channel|store|dc):[A-Za-z0-9._-]{1,64})$")]
    description: Text | None = None
    # The bounds must match auth.DEFAULT_DAYS and auth.MAX_DAYS (a test checks).
    expires_in_days: Annotated[StrictInt, Field(ge=1, le=365)] = 90


class GeoPoint(Model):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


LocationTypeName = Literal["dc", "external_dc", "store", "pickup_point"]
CapabilityName = Literal["ship", "collect", "carry_out", "return", "reserve"]


class PutLocation(Model):
    """`PUT /locations/{locationId}`."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=PRINTABLE_PATTERN)]
    type: LocationTypeName
    geo: GeoPoint
    address: Address | None = None
    size_class: Literal["S", "M", "L"] | None = None
    capabilities: Annotated[list[CapabilityName], Field(max_length=5)] = []
    active: bool = True
    daily_capacity: Annotated[StrictInt, Field(ge=0, le=1_000_000)] | None = None
    groups: Annotated[list[Id], Field(max_length=20)] = []
    priority: Annotated[StrictInt, Field(ge=-1000, le=1000)] = 0


class PutStock(Model):
    """`PUT /inventory/{locationId}/{sku}`: an absolute count."""

    on_hand: Annotated[StrictInt, Field(ge=0, le=10_000_000)]
    safety_stock: Annotated[StrictInt, Field(ge=0, le=10_000_000)] | None = None


class StockFeedLine(Model):
    sku: Id
    quantity: Annotated[StrictInt, Field(ge=-10_000_000, le=10_000_000)]


class StockFeed(Model):
    """A message on the stock-feed queue: a warehouse's or till's counts (absolute) or movements (delta).

    `feedId` makes a redelivered or resent feed apply once."""

    feed_id: Id
    location_id: Id
    mode: Literal["absolute", "delta"]
    lines: Annotated[list[StockFeedLine], Field(min_length=1, max_length=500)]


class PutChannel(Model):
    """`PUT /channels/{channelId}`."""

    type: Literal["webshop", "app", "store", "cs", "shopify", "woocommerce", "bol", "amazon", "zalando", "magento"]
    name: Text | None = None
    active: bool = True
    # The webhook signing secret or API credentials (JSON) the marketplace gave: kept in Secrets
    # Manager, never returned (ChannelOut.hasSecret says whether there is one). Left out: unchanged;
    # null: removed.
    secret: Secret[Annotated[str, StringConstraints(min_length=16, max_length=4096)]] | None = Field(
        default=None, json_schema_extra={"writeOnly": True}
    )


# ---- responses -------------------------------------------------------------------------------


class LineAllocationOut(Model):
    fulfilment_order_id: str
    location_id: str
    quantity: int


class OrderLineOut(Model):
    line_id: str
    sku: str
    quantity: int
    cancelled_quantity: int
    unit_price: Money
    status: str
    delivery: dict[str, Any]
    ship_from: str | None = None
    backordered_quantity: int = Field(0, description="units no location can serve now")
    held_quantity: int = Field(0, description="units held for a team's decision (a sourcing-hold task)")
    hold_task_id: str | None = Field(None, description="the task that decides about the held units")
    allocations: list[LineAllocationOut] = Field([], description="where the sourced units come from")


class FulfilmentOrderLine(Model):
    line_id: str
    sku: str
    quantity: int


class Tracking(Model):
    carrier: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=PRINTABLE_PATTERN)]
    code: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=PRINTABLE_PATTERN)]
    url: Annotated[str, StringConstraints(max_length=1000)] | None = None


class FulfilmentOrderOut(Model):
    fulfilment_order_id: str
    order_id: str
    location_id: str
    method: str
    destination: dict[str, Any]
    status: str
    version: int
    lines: list[FulfilmentOrderLine]
    tracking: Tracking | None = Field(None, description="the carrier's, once reported (usually with `ship`)")


class FulfilmentEventIn(Model):
    """`POST /fulfilment-orders/{id}/events`: a location reports progress under the default workflow.

    released -accept-> accepted -pick-> picked -pack-> packed -ship-> shipped (also picked -ship->);
    released|accepted -reject-> rejected (the lines are sourced again elsewhere, or backordered).
    After shipping: home delivery -deliver-> delivered; pick-up point -deliver-> ready_for_pickup
    -collect-> collected; click & collect sent from elsewhere -ready_for_pickup-> ready_for_pickup
    (the destination store's token may report it) -collect-> collected. Click & collect from the
    store's own shelf: picked|packed -ready_for_pickup-> ready_for_pickup -collect-> collected.
    Anything else is a 409 naming the current status and the allowed events."""

    type: Literal["accept", "reject", "pick", "pack", "ship", "ready_for_pickup", "collect", "deliver"]
    reason: Text | None = None
    tracking: Tracking | None = None


class FulfilmentOrderDetail(FulfilmentOrderOut):
    rule: str = ""
    created_at: str
    updated_at: str


class FulfilmentOrderPage(Model):
    items: list[FulfilmentOrderDetail]
    next_cursor: str | None = None


class RefundOut(Model):
    refund_id: str
    amount: Money
    status: str
    reason: str


class HistoryEntry(Model):
    at: str
    type: str
    actor: str
    detail: dict[str, Any]


class OrderOut(Model):
    order_id: str
    channel: str
    external_id: str
    customer: Customer
    placed_at: str
    store_id: str | None = None
    payment: Payment
    delivery: dict[str, Any] | None = None
    status: str
    version: int
    total: Money
    created_at: str
    updated_at: str
    lines: list[OrderLineOut]
    fulfilment_orders: list[FulfilmentOrderDetail] = []
    returns: list[dict[str, Any]] = []
    refunds: list[RefundOut] = []
    history: list[HistoryEntry] = []


class OrderSummary(Model):
    order_id: str
    channel: str
    external_id: str
    customer_id: str
    placed_at: str
    status: str
    version: int
    total: Money
    store_id: str | None = None
    refunds: list[RefundOut] = []


class OrderPage(Model):
    items: list[OrderSummary]
    next_cursor: str | None = None


class TokenInfo(Model):
    """A token as `GET /tokens` shows it: never the token or its hash."""

    token_id: str
    role: str
    scope: str | None = None
    description: str | None = None
    created_at: datetime
    created_by: str | None = None
    expires_at: datetime


class TokenOut(TokenInfo):
    """The new token, shown this once."""

    token: str


class TokenPage(Model):
    items: list[TokenInfo]
    next_cursor: str | None = None


class Health(Model):
    status: Literal["ok"]
    version: str
    time: datetime


class ProblemError(Model):
    loc: list[str | int]
    msg: str


class Problem(Model):
    """RFC 9457 problem details, as every error is answered."""

    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=True)

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ProblemError] = []


class LocationOut(Model):
    location_id: str
    name: str
    type: str
    geo: GeoPoint
    address: dict[str, Any] = {}
    size_class: str | None = None
    capabilities: list[str]
    active: bool
    daily_capacity: int | None = None
    groups: list[str] = []
    priority: int = 0
    version: int


class LocationPage(Model):
    items: list[LocationOut]
    next_cursor: str | None = None


class StockOut(Model):
    location_id: str
    sku: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int
    version: int


class StockPage(Model):
    sku: str
    items: list[StockOut]
    next_cursor: str | None = None


class ChannelOut(Model):
    channel_id: str
    type: str
    name: str | None = None
    active: bool
    native: bool
    has_secret: bool
    version: int


class ChannelPage(Model):
    items: list[ChannelOut]
    next_cursor: str | None = None


# ---- live configuration ------------------------------------------------------------------------


class ConfigSectionIn(RootModel[SourcingConfig | ClickAndCollectConfig]):
    """`PUT /config/{section}`: the body is the section itself, `sourcing` (SourcingConfig) or
    `clickAndCollect` (ClickAndCollectConfig), validated against the shape the path names."""


class ActivateConfig(Model):
    """`POST /config/{section}/activate`: make a saved version (a draft, or an older one: a rollback) active."""

    version: Annotated[StrictInt, Field(ge=1)]


class ConfigChange(Model):
    path: str = Field(description="e.g. `maxStores` or `rules[1].excludeSizeClasses`")
    op: Literal["added", "removed", "changed"]
    before: Any = None
    after: Any = None


class ConfigSectionOut(Model):
    section: str
    version: int = Field(description="0: never set, the built-in default applies")
    active: bool = Field(description="this version governs requests now")
    draft: bool = Field(description="saved with ?draft=true, so not made active when saved")
    body: dict[str, Any]
    saved_at: str | None = None
    saved_by: str | None = None
    based_on: int | None = Field(None, description="the active version when this was saved; `changes` are against it")
    changes: list[ConfigChange] = []


class ConfigOut(Model):
    """`GET /config`: the active version of every section."""

    sections: dict[str, ConfigSectionOut]


class ConfigHistory(Model):
    """Every saved version of one section, drafts included, newest first."""

    section: str
    active_version: int
    items: list[ConfigSectionOut]
    next_cursor: str | None = None


# ---- before checkout ---------------------------------------------------------------------------


class CartLine(Model):
    sku: Id
    quantity: Quantity


class GeoCustomer(Model):
    geo: GeoPoint


class PostalCustomer(Model):
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class FulfilmentOptionsRequest(Model):
    """`POST /fulfilment-options`. Without `customer`, the CloudFront viewer headers locate the caller."""

    channel: Id
    # At most 100 SKUs: the cart's availability is one BatchGetItem.
    lines: Annotated[list[CartLine], Field(min_length=1, max_length=100)]
    customer: GeoCustomer | PostalCustomer | None = None


class NearbyLocation(Model):
    location_id: str
    name: str
    distance_km: float


class HomeDeliveryOption(Model):
    method: Literal["home_delivery"]
    available: bool


class ClickAndCollectOption(Model):
    method: Literal["click_and_collect"]
    stores: list[NearbyLocation] = Field(description="nearest first, by the live clickAndCollect rules")


class PickupPointOption(Model):
    method: Literal["pickup_point"]
    points: list[NearbyLocation] = Field(description="nearest first; empty when home delivery is not available")


class FulfilmentOptionsOut(Model):
    options: list[
        Annotated[HomeDeliveryOption | ClickAndCollectOption | PickupPointOption, Field(discriminator="method")]
    ]
    located_by: Literal["geo", "postalCode", "viewer"] = Field(
        description="how the customer was placed: their position, their postal code's area, or CloudFront's"
    )


# ---- reservations ------------------------------------------------------------------------------


class ReservationLine(Model):
    sku: Id
    quantity: Quantity


class CreateReservation(Model):
    """`POST /reservations`: hold a store's stock for a customer who buys it there."""

    location_id: Id = Field(description="an active store with the `reserve` capability")
    lines: Annotated[list[ReservationLine], Field(min_length=1, max_length=50)]
    customer: Customer
    expires_at: AwareDatetime | None = Field(None, description="default 48 hours from now; at most 14 days ahead")


class SaleLine(Model):
    sku: Id
    quantity: Quantity | None = Field(None, description="default: every unit reserved; fewer go back to the shelf")
    unit_price: Money


class ReservationEventIn(Model):
    """`POST /reservations/{reservationId}/events`: `complete` at the till (with payment and a
    unit price per reserved SKU: it becomes a carry-out order) or `cancel`."""

    type: Literal["complete", "cancel"]
    payment: Payment | None = None
    lines: Annotated[list[SaleLine], Field(min_length=1, max_length=50)] | None = None
    reason: Text | None = None


class ReservationOut(Model):
    reservation_id: str
    status: Literal["active", "completed", "cancelled", "expired"]
    location_id: str
    lines: list[ReservationLine]
    customer: Customer
    expires_at: str
    version: int
    created_at: str
    updated_at: str
    order_id: str | None = Field(None, description="the carry-out order a completed reservation became")


class ReservationPage(Model):
    items: list[ReservationOut]
    next_cursor: str | None = None


class SimulateConfig(Model):
    """`POST /config/sourcing/simulate`: which rules (an inline body, a saved version, or by default
    the newest saved version, usually the draft) against which orders (named, or the newest)."""

    version: Annotated[StrictInt, Field(ge=1)] | None = None
    body: dict[str, Any] | None = None
    orders: Annotated[list[Id], Field(max_length=200)] = []
    last: Annotated[StrictInt, Field(ge=1, le=200)] = 20
    channel: Id | None = None


class SimulatedFigures(Model):
    shipments: int
    sources: list[str]
    backordered_units: int
    held_units: int
    distance_km: float


class SimulatedOrder(Model):
    order_id: str
    changed: bool
    before: SimulatedFigures
    after: SimulatedFigures


class BeforeAfter(Model):
    before: float
    after: float


class SimulationOut(Model):
    orders: int
    changed_orders: int
    shipments: BeforeAfter
    backordered_units: BeforeAfter
    held_units: BeforeAfter
    distance_km: BeforeAfter
    locations_gaining_work: dict[str, int]
    locations_losing_work: dict[str, int]
    results: list[SimulatedOrder]


# ---- tasks -------------------------------------------------------------------------------------


class TaskLine(Model):
    line_id: str
    sku: str
    quantity: int


class TaskOut(Model):
    """Work for a team: `sourcing-hold` when a sourcing rule held lines nothing could serve."""

    task_id: str
    team: str
    kind: Literal["sourcing-hold"]
    status: Literal["open", "completed"]
    order_id: str
    lines: list[TaskLine] = Field(description="the units held when the task was opened")
    reason: str
    rule: str = Field(description="the sourcing rule that held them")
    outcome: Literal["resource", "backorder", "cancel"] | None = None
    note: str | None = None
    completed_by: str | None = None
    completed_at: str | None = None
    version: int
    created_at: str
    updated_at: str


class TaskPage(Model):
    items: list[TaskOut]
    next_cursor: str | None = None


class TaskEventIn(Model):
    """`POST /tasks/{taskId}/events`: complete a task with its outcome. For `sourcing-hold`:
    `resource` (source the units still held again under the live rules; what still finds no
    location is backordered, never held again), `backorder`, or `cancel` (a refund when paid)."""

    type: Literal["complete"]
    outcome: Literal["resource", "backorder", "cancel"]
    note: Text | None = None


# ---- dead letters ------------------------------------------------------------------------------

MessageId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class DeadLetterOut(Model):
    message_id: str = Field(description="SQS's id; the same on the source queue and in its DLQ")
    receive_count: int | None = Field(
        description="deliveries before it was dead-lettered, as recorded at its last failure "
        "(without a recorded failure: the DLQ's own count)"
    )
    sent_at: str | None = Field(description="when it was first sent to the source queue")
    reason: str | None = Field(
        description="why the handler last failed: exception type and message, at most 1,000 characters, "
        "no customer data (null: no failure recorded, e.g. EventBridge could not deliver it)"
    )
    body: Any = Field(
        description="the body, contact details masked (`*****`): the JSON it holds, else its first 500 characters"
    )


class DeadLetterQueueOut(Model):
    queue: str = Field(description="the source queue's key, e.g. order-intake")
    dead_letter_queue: str = Field(description="the DLQ's name")
    approximate_count: int = Field(description="messages in the DLQ (approximate, as SQS counts)")
    messages: list[DeadLetterOut] = Field(description="up to 10, peeked at without consuming them")


class DeadLettersOut(Model):
    """`GET /ops/dead-letters`: per queue, its DLQ."""

    queues: list[DeadLetterQueueOut]


class RedriveDeadLetters(Model):
    """`POST /ops/dead-letters/{queue}/redrive`: move dead letters back to their source queue.
    `{}` moves up to 100 messages, in the order SQS hands them out."""

    max_messages: Annotated[StrictInt, Field(ge=1, le=1000, alias="max")] = 100
    message_ids: Annotated[list[MessageId], Field(min_length=1, max_length=1000)] | None = Field(
        default=None, description="only these messages (by messageId); the rest stay in the DLQ"
    )


class RedriveOut(Model):
    queue: str
    moved: int = Field(description="messages sent back to the source queue and removed from the DLQ")
    left: int = Field(description="messages still in the DLQ (approximate)")
