"""Order routes: intake, the whole order, lists, a customer's history, cancellations, edits, refunds' answers."""

from __future__ import annotations

from typing import Any

from chalicelib.http.routing import Call, Query, Routes, page

bp = Routes(__name__, tag="orders")

ORDER_WRITERS = ("admin", "cs", "channel", "store")
ORDER_READERS = ("admin", "ops", "cs", "channel", "store", "dc")


@bp.post("/orders", roles=ORDER_WRITERS, request="CreateOrder", response="OrderOut", status=201)
def create_order(call: Call) -> Any:
    """Take in an order from a channel or store."""
    from chalicelib.service import orders

    return call.serve(orders.create_order, location="/orders/{orderId}")


@bp.get(
    "/orders",
    roles=ORDER_READERS,
    response="OrderPage",
    query=(
        Query("channel", description="channel id; a channel token lists its own channel only"),
        Query("status", description="order status, e.g. open or cancelled"),
        Query("externalId", description="the channel's own order id (needs channel)"),
        Query("since", description="placed at or after this ISO-8601 time"),
        Query("until", description="placed at or before this ISO-8601 time"),
        *page(),
    ),
    errors=(422,),
)
def list_orders(call: Call) -> Any:
    """List orders by channel, status or external id, newest first."""
    from chalicelib.service import orders

    return call.serve(orders.list_orders)


@bp.get("/orders/{order_id}", roles=ORDER_READERS, response="OrderOut", errors=(404,))
def get_order(call: Call, order_id: str) -> Any:
    """The whole order: lines, fulfilment orders, returns, refunds, history."""
    from chalicelib.service import orders

    return call.serve(orders.get_order, order_id)


@bp.post(
    "/orders/{order_id}/cancellations",
    roles=ORDER_WRITERS,
    request="CancelLines",
    response="OrderOut",
    errors=(404, 409),
)
def cancel_lines(call: Call, order_id: str) -> Any:
    """Cancel quantities of lines; releases stock and requests a refund when paid."""
    from chalicelib.service import orders

    return call.serve(orders.cancel_lines, order_id)


@bp.post(
    "/orders/{order_id}/edits",
    roles=ORDER_WRITERS,
    request="EditOrder",
    response="EditedOrderOut",
    query=(
        Query("preview", type="boolean", default=False, description="true: answer the edited order, write nothing"),
    ),
    errors=(404, 409),
)
def edit_order(call: Call, order_id: str) -> Any:
    """Edit an order before it ships: its delivery, lines added, removed or changed; sources again only
    what changed. `?preview=true` answers the order as it would become and writes nothing."""
    from chalicelib.service import edits

    return call.serve(edits.edit_order, order_id)


@bp.post(
    "/orders/{order_id}/events",
    roles=("admin", "ops", "cs", "channel"),
    request="OrderEventIn",
    response="OrderOut",
    errors=(404, 409),
)
def order_event(call: Call, order_id: str) -> Any:
    """An event for the order's own workflow (a payment authorised, a review's decision); releasing a held order
    sources it and hands it to its locations, ending it cancels what it held; a 409 names the events allowed
    now.
    """
    from chalicelib.service import orders

    return call.serve(orders.handle_event, order_id)


@bp.post(
    "/refunds/{refund_id}/events",
    roles=("admin", "ops", "cs"),
    request="RefundEventIn",
    response="OrderOut",
    errors=(404, 409),
)
def refund_event(call: Call, refund_id: str) -> Any:
    """The payment side's answer on a refund: succeeded (paid, once) or failed (asked again up to three
    attempts, then a task for customer service); answers the refund's order."""
    from chalicelib.service import refunds

    return call.serve(refunds.handle_event, refund_id)


@bp.get(
    "/customers/{customer_id}/orders",
    roles=("admin", "ops", "cs", "store", "channel"),
    response="OrderPage",
    query=page(),
    errors=(422,),
)
def customer_orders(call: Call, customer_id: str) -> Any:
    """A customer's orders from every channel and store, newest first."""
    from chalicelib.service import orders

    return call.serve(orders.customer_orders, customer_id)
