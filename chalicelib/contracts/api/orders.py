"""Orders and their fulfilment orders: what comes in, what is answered."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from chalicelib.contracts.api.base import Customer, Delivery, Id, Model, Money, Payment, Quantity, Text
from chalicelib.domain.ids import PRINTABLE_PATTERN
from chalicelib.limits import MAX_ORDER_LINES

# VAT in percent, as included in the prices: "21", "9", "5.5".
TaxRate = Annotated[str, StringConstraints(pattern=r"^\d{1,2}(\.\d{1,2})?$"), Field(examples=["21"])]


class Discount(Model):
    amount: Money = Field(description="off the line (or the order) as a whole, VAT included")
    code: Annotated[str, StringConstraints(max_length=64, pattern=PRINTABLE_PATTERN)] | None = None


Discounts = Annotated[list[Discount], Field(max_length=20)]


class ShippingIn(Model):
    amount: Money = Field(description="what the customer paid for delivery, VAT included")
    method: Text | None = None


class OrderLineIn(Model):
    line_id: Id
    sku: Id
    quantity: Quantity
    unit_price: Money
    delivery: Delivery | None = None
    ship_from: Id | None = None
    discounts: Discounts = []
    tax_rate: TaxRate | None = None


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
    discounts: Discounts = Field([], description="order-level: spread over the lines by their value, to the cent")
    shipping: ShippingIn | None = None


class LineQuantity(Model):
    line_id: Id
    quantity: Quantity


class CancelLines(Model):
    """`POST /orders/{orderId}/cancellations`."""

    lines: Annotated[list[LineQuantity], Field(min_length=1, max_length=500)]
    reason: Text


class LineQuantityChange(Model):
    line_id: Id
    quantity: Quantity = Field(description="the line's new quantity, its cancelled units not counted")


class EditOrder(Model):
    """`POST /orders/{orderId}/edits`, before the goods it touches ship. `delivery`: the order's new
    delivery, for every line taking the order's (their units not yet on their way are sourced again);
    `addLines`: sourced like intake lines, priced with their own discounts only; `removeLines` and
    lowered quantities: cancelled (stock given back, refunded when paid); raised quantities: sourced.
    What added units add to the total becomes `amountDue`."""

    delivery: Delivery | None = None
    add_lines: Annotated[list[OrderLineIn], Field(max_length=MAX_ORDER_LINES)] = []
    remove_lines: Annotated[list[Id], Field(max_length=MAX_ORDER_LINES)] = []
    change_lines: Annotated[list[LineQuantityChange], Field(max_length=MAX_ORDER_LINES)] = []


class LineAllocationOut(Model):
    fulfilment_order_id: str
    location_id: str
    quantity: int


class LineLedgerOut(Model):
    """What became of a line's units, and its money: paid = value - lineDiscount - orderDiscount."""

    ordered: int
    cancelled: int
    fulfilled: int = Field(description="units whose goods left for the customer")
    return_requested: int
    returned: int
    written_off: int = Field(description="refunded on a claim, never coming back")
    line_discount: Money
    order_discount: Money = Field(description="the line's share of the order's discounts")
    paid: Money
    unit_paid: Money = Field(description="what each unit refunds; the line's last unit takes the rounding remainder")
    refunded_quantity: int
    refunded: Money = Field(description="for its goods so far, before fees")


class ShippingOut(Model):
    amount: Money
    method: str | None = None
    refunded: Money


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
    discounts: list[Discount] = []
    tax_rate: str | None = None
    ledger: LineLedgerOut


class FulfilmentOrderLine(Model):
    line_id: str
    sku: str
    quantity: int


class Tracking(Model):
    carrier: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=PRINTABLE_PATTERN)]
    code: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=PRINTABLE_PATTERN)]
    url: Annotated[str, StringConstraints(max_length=1000)] | None = None


class PendingTimer(Model):
    name: str
    due: str
    event: str = Field(description="what the timer sends the fulfilment order when it fires")
    state: str = Field(description="the state it was set in: it fires only if the order is still there")
    entry: int


class FulfilmentOrderOut(Model):
    fulfilment_order_id: str
    order_id: str
    location_id: str
    method: str
    destination: dict[str, Any]
    status: str = Field(description="the state of its workflow (the built-in ones: released ... collected)")
    category: str = Field(description="what the state means: open, in_progress, picked, shipped, ready, done, ...")
    workflow: str = Field(description="the workflow definition it follows, pinned when it was created")
    workflow_version: int = Field(description="the version of the `workflows` section it was pinned from (0: built-in)")
    timers: list[PendingTimer] = []
    version: int
    lines: list[FulfilmentOrderLine]
    tracking: Tracking | None = Field(None, description="the carrier's, once reported (usually with `ship`)")
    allowed_events: list[str] | None = Field(
        None, description="the events a location may send it now (on the fulfilment order's own answers)"
    )


# An event's name: the `on` of some transition of the entity's workflow.
EventName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


class FulfilmentEventIn(Model):
    """`POST /fulfilment-orders/{id}/events`: a location reports progress under the workflow the
    fulfilment order is pinned to (`workflow`, `workflowVersion`; its answer lists `allowedEvents`).
    The built-in workflows:

    released -accept-> accepted -pick-> picked -pack-> packed -ship-> shipped (also picked -ship->);
    released|accepted -reject-> rejected (the lines are sourced again elsewhere, or backordered).
    After shipping: home delivery -deliver-> delivered; pick-up point -deliver-> ready_for_pickup
    -collect-> collected; click & collect sent from elsewhere -ready_for_pickup-> ready_for_pickup
    (the destination store's token may report it) -collect-> collected. Click & collect from the
    store's own shelf: picked|packed -ready_for_pickup-> ready_for_pickup -collect-> collected.
    Anything else is a 409 naming the current status and the allowed events."""

    type: EventName = Field(
        examples=["accept", "reject", "pick", "pack", "ship", "ready_for_pickup", "collect", "deliver"]
    )
    reason: Text | None = None
    tracking: Tracking | None = None


class OrderEventIn(Model):
    """`POST /orders/{id}/events`: an event for the order's own workflow, when a binding gave it one
    (`workflow`, `workflowVersion`, `workflowState`; its answer lists `allowedEvents`): a payment
    authorised, a review's decision. A held order (status `on_hold`) that the event releases is
    sourced and handed to its locations at once; one the event ends is cancelled (refunded when
    paid). Anything its workflow does not allow now is a 409 naming the allowed events."""

    type: EventName = Field(examples=["release", "payment_authorised", "cancel"])
    reason: Text | None = None


class RefundEventIn(Model):
    """`POST /refunds/{refundId}/events`: the payment side's answer on a refund it was asked to pay
    (`executor` `payment`, status `requested`). `succeeded`: paid, once (again is a 409); `failed`:
    asked again (`RefundRequested` with the next `attempt`) up to 3 attempts, then the refund is
    `failed` and a `refund-failed` task goes to team `customer-service`. A refund paid by its channel,
    a till or as store credit takes no answer (409)."""

    type: Literal["succeeded", "failed"]
    reference: Text | None = Field(None, description="the payment side's own reference for the payout")
    reason: Text | None = Field(None, description="why it failed")


class FulfilmentOrderDetail(FulfilmentOrderOut):
    rule: str = ""
    created_at: str
    updated_at: str


class FulfilmentOrderPage(Model):
    items: list[FulfilmentOrderDetail]
    next_cursor: str | None = None


class RefundBreakdown(Model):
    """In the refund's currency: goods + shipping - fees = amount."""

    goods: str
    shipping: str
    fees: str


class RefundOut(Model):
    refund_id: str
    amount: Money
    status: str = Field(
        description="requested (waiting for the payment side), succeeded (paid), failed (every attempt: a task "
        "for customer service), refunded_by_channel (the marketplace refunds its own customer) or credited (kept "
        "toward an exchange's new items)"
    )
    reason: str
    breakdown: RefundBreakdown | None = Field(None, description="absent on refunds made before the ledger")
    executor: Literal["payment", "till", "channel", "store_credit", "exchange"] = Field(
        "payment",
        description="who pays it out (exchange: the returned units' value kept toward an exchange's new items, "
        "status credited, no money moves); refunds made before executors were the payment's",
    )
    attempts: int = Field(1, description="how many times the payment side was asked")
    reference: str | None = Field(None, description="the payment's reference; a store credit's credit id")
    failure: str | None = Field(None, description="why the last attempt failed")


class HistoryEntry(Model):
    at: str
    type: str
    actor: str
    detail: dict[str, Any]


class ExchangeOut(Model):
    exchange_id: str
    order_id: str
    channel: str
    return_id: str
    replacement_order_id: str
    mode: Literal["advance", "on_receipt"]
    status: Literal["awaiting_payment", "awaiting_return", "released", "completed", "charged", "cancelled"] = Field(
        description="awaiting_payment: the customer owes the difference; awaiting_return: on_receipt, the return "
        "is not in yet; released: the replacement is on its way; completed: released and the return received; "
        "charged: advance, the return did not come back in time and its value was charged (less what units came "
        "back); cancelled: the return was cancelled or expired before the replacement went, which was cancelled"
    )
    new_items_price: Money
    returned_value: Money = Field(description="what the returned units refund: items less fees (no shipping)")
    price_difference: Money = Field(description="new items - returned value: positive is paid, negative refunded")
    charged: Money | None = Field(None, description="what was charged when an advance return did not come back")
    charge_returned: bool = Field(False, description="the return came back after the charge, which was given back")
    paid: bool
    released: bool
    received: bool
    charge_due: str | None = Field(None, description="advance: the return should be received by then")
    created_by: str
    version: int
    created_at: str
    updated_at: str


class ClaimLineOut(Model):
    line_id: str
    sku: str
    quantity: int
    kind: str


class ClaimOut(Model):
    claim_id: str
    order_id: str
    channel: str
    lines: list[ClaimLineOut]
    resolution: Literal["refund", "replace"]
    refund_id: str | None = Field(None, description="refund: the order's refund it made")
    replacement_order_id: str | None = Field(None, description="replace: the order that sends the units again")
    created_by: str
    version: int
    created_at: str


class RecordStatuses(Model):
    """What became of an order's returns, exchanges and claims, kept on its header (a customer's
    history reads them in its one Query): id -> status; a claim's is its resolution."""

    returns: dict[str, str] = {}
    exchanges: dict[str, str] = {}
    claims: dict[str, str] = {}


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
    workflow: str | None = Field(None, description="the order's own workflow, when a binding gave it one")
    workflow_version: int | None = None
    workflow_state: str | None = None
    workflow_category: str | None = None
    allowed_events: list[str] = Field([], description="what POST /orders/{id}/events takes now")
    version: int
    total: Money = Field(description="the lines after every discount, plus shipping")
    discounts: list[Discount] = []
    shipping: ShippingOut | None = None
    amount_due: Money | None = Field(None, description="what edits added to the total, for the payment side to collect")
    created_at: str
    updated_at: str
    lines: list[OrderLineOut]
    fulfilment_orders: list[FulfilmentOrderDetail] = []
    returns: list[dict[str, Any]] = Field(
        [], description="the order's returns (GET /orders/{id}; answers to changes leave them out)"
    )
    exchanges: list[ExchangeOut] = Field(
        [], description="the order's exchanges (GET /orders/{id}; answers to changes leave them out)"
    )
    claims: list[ClaimOut] = Field(
        [], description="the order's claims (GET /orders/{id}; answers to changes leave them out)"
    )
    refunds: list[RefundOut] = []
    records: RecordStatuses = Field(default_factory=RecordStatuses)
    refunds_paid: Money | None = Field(None, description="what the refunds paid out so far (succeeded) add up to")
    history: list[HistoryEntry] = []


class Resourced(Model):
    line_id: str
    quantity: int = Field(description="units taken off their locations for the new delivery")


class EditOut(Model):
    preview: bool = Field(description="true: nothing was written, this is the order as the edit would leave it")
    price_difference: Money = Field(
        description="what the customer pays more for the order as edited (negative: the removed units' refund)"
    )
    amount_due: Money = Field(description="what the added units add to the total, to be collected")
    resourced: list[Resourced] = Field([], description="units whose new delivery has them sourced again")
    fulfilment_orders: list[str] = Field([], description="the fulfilment orders the edit made")


class EditedOrderOut(OrderOut):
    edit: EditOut


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
    records: RecordStatuses = Field(default_factory=RecordStatuses)


class OrderPage(Model):
    items: list[OrderSummary]
    next_cursor: str | None = None
