"""Order use cases: create, read, list, cancel lines."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.orders_repo import order_summary, order_view
from chalicelib.domain.access import Principal
from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.delivery import Delivery, DeliveryMethod
from chalicelib.domain.errors import Conflict, Forbidden, Invalid, expect_version
from chalicelib.domain.money import Money
from chalicelib.domain.orders.holds import ORDER_HOLD
from chalicelib.domain.orders.ledger import Discount, Shipping
from chalicelib.domain.orders.lines import LineCancellation, NewLine
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.state import Customer, OrderStatus, Payment
from chalicelib.domain.timestamps import iso
from chalicelib.observability import count, logger
from chalicelib.service import idempotency, listing, refunds, sourcing, workflows
from chalicelib.service.ids import new_id

if TYPE_CHECKING:
    from chalicelib.contracts import api
    from chalicelib.service.unit_of_work import Dependencies, UnitOfWork

MAX_PAGE = listing.MAX_PAGE  # as every list; the contract says so (tests/functional/test_openapi.py)


def create_order(
    deps: Dependencies, cmd: api.CreateOrder, principal: Principal, *, idempotency_key: str | None, raw_body: Any
) -> tuple[int, dict[str, Any]]:
    principal.may_create_order_for(cmd.channel, cmd.store_id)
    if not deps.network().channel_active(cmd.channel):
        raise Invalid(
            f"channel {cmd.channel!r} is not a known, active channel",
            errors=[{"loc": ["body", "channel"], "msg": "register it with PUT /channels/{channelId}"}],
        )

    pin = workflows.order_pin(deps, cmd.channel, cmd.delivery.method if cmd.delivery else None)

    def build() -> Order:
        order = order_from_command(cmd, principal, deps.now())
        if pin is not None:
            refunds.tell_terms(deps, order)
            order.begin_workflow(
                pin.definition,
                pin.version,
                actor=principal.actor,
                now=order.created_at,
                new_task_id=lambda: new_id("task"),
            )
        return order

    def work() -> tuple[int, dict[str, Any]]:
        order = sourcing.place(deps, build, actor=principal.actor)
        if order.held:
            count("OrdersHeld", channel=order.channel)
        count("OrdersCreated", channel=order.channel)
        count("FulfilmentOrdersCreated", value=len(order.fulfilment_orders), channel=order.channel)
        backordered = sum(ln.backordered_quantity for ln in order.lines)
        if backordered:
            count("UnitsBackordered", value=backordered, channel=order.channel)
        if order.new_tasks:
            count("TasksCreated", value=len(order.new_tasks), kind=order.new_tasks[0].kind)
        logger.info(
            "order created",
            extra={"orderId": order.order_id, "channel": order.channel, "lines": len(order.lines)},
        )
        return 201, workflows.order_answer(deps, order)

    return idempotency.once(f"{principal.role}:POST /orders", idempotency_key, raw_body, work)


def order_from_command(cmd: api.CreateOrder, principal: Principal, now: str) -> Order:
    """A new order from `POST /orders`, with a fresh id; not yet sourced."""
    return Order.place(
        order_id=new_id("ord"),
        channel=cmd.channel,
        external_id=cmd.external_id,
        customer=Customer(cmd.customer.id, cmd.customer.email, cmd.customer.name, cmd.customer.phone),
        placed_at=iso(cmd.placed_at),
        store_id=cmd.store_id,
        payment=Payment(cmd.payment.status, _money(cmd.payment.amount)),
        delivery=delivery_of(cmd.delivery),
        discounts=_discounts(cmd.discounts),
        shipping=Shipping(_money(cmd.shipping.amount), cmd.shipping.method) if cmd.shipping else None,
        lines=[new_line(ln) for ln in cmd.lines],
        actor=principal.actor,
        now=now,
    )


def new_line(ln: api.OrderLineIn) -> NewLine:
    """A line as `POST /orders` (or an edit adding it) names it."""
    return NewLine(
        line_id=ln.line_id,
        sku=ln.sku,
        quantity=ln.quantity,
        unit_price=_money(ln.unit_price),
        delivery=delivery_of(ln.delivery),
        ship_from=ln.ship_from,
        discounts=tuple(_discounts(ln.discounts)),
        tax_rate=Decimal(ln.tax_rate) if ln.tax_rate is not None else None,
    )


def get_order(deps: Dependencies, order_id: str, principal: Principal) -> dict[str, Any]:
    """The whole order as customer service reads it: per line what was ordered, cancelled, shipped,
    returned and refunded (its ledger), its fulfilment orders with tracking, its returns and refunds,
    and its history, every event in the order it happened: one Query of its partition."""
    order, records = deps.uow().orders.with_records(order_id)
    view = workflows.order_answer(deps, order)
    principal.may_see_order(view)
    return {**view, **records}


def cancel_lines(
    deps: Dependencies,
    order_id: str,
    cmd: api.CancelLines,
    principal: Principal,
    *,
    if_match: int | None,
    refunded_by_channel: bool = False,
) -> dict[str, Any]:
    """`refunded_by_channel`: the sales channel refunded these units itself (the refund is recorded
    as its own, never paid by the OMS)."""
    principal.require("admin", "cs", "channel", "store")
    uow, order = to_change(deps, order_id, principal, if_match)
    refunds.tell_terms(deps, order, by_channel=refunded_by_channel)
    order.cancel_lines(
        [LineCancellation(ln.line_id, ln.quantity) for ln in cmd.lines],
        reason=cmd.reason,
        actor=principal.actor,
        now=deps.now(),
    )
    uow.commit()
    count("OrderLinesCancelled", channel=order.channel)
    return workflows.order_answer(deps, order)


def handle_event(
    deps: Dependencies, order_id: str, cmd: api.OrderEventIn, principal: Principal, *, if_match: int | None
) -> dict[str, Any]:
    """An event for the order's own workflow (a payment authorised, a review's decision): it moves as
    its workflow says; a held order it releases is sourced and dispatched in the same transaction."""
    principal.require("admin", "ops", "cs", "channel")
    uow, order = to_change(deps, order_id, principal, if_match)
    order = run_event(deps, uow, order, cmd.type, actor=principal.actor, reason=cmd.reason)
    return workflows.order_answer(deps, order)


def to_change(
    deps: Dependencies, order_id: str, principal: Principal, if_match: int | None
) -> tuple[UnitOfWork, Order]:
    """The order loaded to be changed by `principal`, at the version the caller saw (If-Match)."""
    uow = deps.uow()
    order = uow.orders.get(order_id)
    principal.may_change_order(order_view(order))
    expect_version(f"order {order_id}", order.version, if_match)
    return uow, order


def run_event(
    deps: Dependencies,
    uow: UnitOfWork,
    order: Order,
    event: str,
    *,
    actor: str,
    reason: str | None = None,
    also: Sequence[Aggregate] = (),
) -> Order:
    """Move `order` (loaded through `uow`) by `event` under its own workflow and commit it with `also`
    (the task whose outcome this is); returns the order as written."""
    if order.workflow is None:
        raise Conflict(f"order {order.order_id} follows no workflow of its own", orderId=order.order_id)
    definition = deps.workflow(order.workflow, order.workflow_version)
    refunds.tell_terms(deps, order)
    released = order.order_event(
        definition,
        event,
        actor=actor,
        now=deps.now(),
        reason=reason,
        new_task_id=lambda: new_id("task"),
    )
    if released:
        count("OrdersReleased", channel=order.channel)
        return sourcing.resource_hold(deps, order, ORDER_HOLD, actor=actor, also=also)
    for aggregate in also:
        uow.track(aggregate)
    uow.commit()
    return order


def find_by_external_id(deps: Dependencies, channel: str, external_id: str, principal: Principal) -> dict[str, Any]:
    order_id = deps.uow().orders.id_for(channel, external_id)
    if order_id is None:
        return {"items": [], "nextCursor": None}
    view = get_order(deps, order_id, principal)
    return {"items": [order_summary(view)], "nextCursor": None}


def list_orders(
    deps: Dependencies,
    principal: Principal,
    *,
    channel: str | None,
    status: str | None,
    external_id: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    if principal.kind == "dc":
        raise Forbidden("DC tokens see their work at /fulfilment-orders")
    channel = principal.own_scope(
        channel, scoped=("channel",), others=("admin", "ops", "cs", "store"), sees="lists channel"
    )
    if status is not None:
        listing.known_status(status, OrderStatus)
    if external_id is not None:
        if channel is None:
            raise Invalid("externalId needs channel", errors=[{"loc": ["query", "channel"], "msg": "required"}])
        return find_by_external_id(deps, channel, external_id, principal)
    window = (since or "0", (until or "9") + "~") if since or until else None
    if channel is not None:
        headers, next_cursor = deps.table.query_index(
            "GSI2",
            f"CHANNEL#{channel}",
            limit=limit,
            cursor=cursor,
            newest_first=True,
            sk_between=window,
            filter_status=status,
        )
    elif status is not None:
        headers, next_cursor = deps.table.query_index(
            "GSI3", f"STATUS#{status}", limit=limit, cursor=cursor, newest_first=True, sk_between=window
        )
    else:
        raise Invalid(
            "filter by channel, status or externalId",
            errors=[{"loc": ["query"], "msg": "one of channel, status, externalId is required"}],
        )
    return listing.page(headers, next_cursor, order_summary)


def customer_orders(
    deps: Dependencies, customer_id: str, principal: Principal, *, limit: int, cursor: str | None
) -> dict[str, Any]:
    """Every order of one customer, from every channel and store, newest first: one Query."""
    principal.require("admin", "ops", "cs", "store", "channel")
    headers, next_cursor = deps.table.query_index(
        "GSI1", f"CUSTOMER#{customer_id}", limit=limit, cursor=cursor, newest_first=True
    )
    if principal.kind == "channel":
        # A channel knows its own customers' orders, not what they bought elsewhere.
        headers = [h for h in headers if h["channel"] == principal.scope]
    return listing.page(headers, next_cursor, order_summary)


def _money(m: api.Money) -> Money:
    return Money(m.decimal, m.currency)


def _discounts(discounts: Sequence[api.Discount]) -> list[Discount]:
    return [Discount(_money(d.amount), d.code) for d in discounts]


def delivery_of(d: api.HomeDelivery | api.LocationDelivery | None) -> Delivery | None:
    if d is None:
        return None
    if d.method == "home_delivery":
        return Delivery(DeliveryMethod.HOME_DELIVERY, address=d.address.model_dump(exclude_none=True))
    return Delivery(DeliveryMethod(d.method), location_id=d.location_id)
