"""Order routes: intake, the whole order, lists, a customer's history, cancellations."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import bootstrap
from chalicelib.http.requests import if_match, json_response, parse, principal, query, query_int
from chalicelib.http.routing import Query, route

bp = Blueprint(__name__)

ORDER_WRITERS = ("admin", "cs", "channel", "store")
ORDER_READERS = ("admin", "ops", "cs", "channel", "store", "dc")
# The bounds must match orders.MAX_PAGE (a test checks): importing the service here would slow cold starts.
PAGE = (
    Query("limit", "integer", "how many items per page (default 25)", minimum=1, maximum=100),
    Query("cursor", description="`nextCursor` of the previous page"),
)


@route(
    bp,
    "/orders",
    methods=["POST"],
    roles=ORDER_WRITERS,
    summary="Take in an order from a channel or store",
    request="CreateOrder",
    response="OrderOut",
    status=201,
)
def create_order() -> Response:
    from chalicelib.contracts.api import CreateOrder
    from chalicelib.service import orders

    request = bp.current_request
    cmd, raw = parse(request, CreateOrder)
    status, body = orders.create_order(
        bootstrap(), cmd, principal(), idempotency_key=request.headers.get("idempotency-key"), raw_body=raw
    )
    return json_response(body, status, {"Location": f"/orders/{body['orderId']}"} if status == 201 else None)


@route(
    bp,
    "/orders",
    methods=["GET"],
    roles=ORDER_READERS,
    summary="List orders by channel, status or external id, newest first",
    response="OrderPage",
    query=(
        Query("channel", description="channel id; a channel token lists its own channel only"),
        Query("status", description="order status, e.g. open or cancelled"),
        Query("externalId", description="the channel's own order id (needs channel)"),
        Query("since", description="placed at or after this ISO-8601 time"),
        Query("until", description="placed at or before this ISO-8601 time"),
        *PAGE,
    ),
    errors=(422,),
)
def list_orders() -> Response:
    from chalicelib.service import orders

    request = bp.current_request
    q = query(request)
    return json_response(
        orders.list_orders(
            bootstrap(),
            principal(),
            channel=q.get("channel"),
            status=q.get("status"),
            external_id=q.get("externalId"),
            since=q.get("since"),
            until=q.get("until"),
            limit=query_int(request, "limit", 25, low=1, high=orders.MAX_PAGE),
            cursor=q.get("cursor"),
        )
    )


@route(
    bp,
    "/orders/{order_id}",
    methods=["GET"],
    roles=ORDER_READERS,
    summary="The whole order: lines, fulfilment orders, returns, refunds, history",
    response="OrderOut",
    errors=(404,),
)
def get_order(order_id: str) -> Response:
    from chalicelib.service import orders

    return json_response(orders.get_order(bootstrap(), order_id, principal()))


@route(
    bp,
    "/orders/{order_id}/cancellations",
    methods=["POST"],
    roles=ORDER_WRITERS,
    summary="Cancel quantities of lines; releases stock and requests a refund when paid",
    request="CancelLines",
    response="OrderOut",
    errors=(404, 409),
)
def cancel_lines(order_id: str) -> Response:
    from chalicelib.contracts.api import CancelLines
    from chalicelib.service import orders

    request = bp.current_request
    cmd, _ = parse(request, CancelLines)
    return json_response(orders.cancel_lines(bootstrap(), order_id, cmd, principal(), if_match=if_match(request)))


@route(
    bp,
    "/customers/{customer_id}/orders",
    methods=["GET"],
    roles=("admin", "ops", "cs", "store", "channel"),
    summary="A customer's orders from every channel and store, newest first",
    response="OrderPage",
    query=PAGE,
    errors=(422,),
)
def customer_orders(customer_id: str) -> Response:
    from chalicelib.service import orders

    request = bp.current_request
    return json_response(
        orders.customer_orders(
            bootstrap(),
            customer_id,
            principal(),
            limit=query_int(request, "limit", 25, low=1, high=orders.MAX_PAGE),
            cursor=query(request).get("cursor"),
        )
    )
