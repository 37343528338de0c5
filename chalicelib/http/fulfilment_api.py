"""Fulfilment orders: the work queue of a store or DC, one fulfilment order, and its events."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import bootstrap
from chalicelib.http.requests import if_match, json_response, parse, principal, query, query_int
from chalicelib.http.routing import Query, route

bp = Blueprint(__name__)


@route(
    bp,
    "/fulfilment-orders",
    roles=("admin", "ops", "cs", "store", "dc"),
    summary="A location's work queue: its fulfilment orders in one status, oldest first "
    "(store and DC tokens: their own location)",
    response="FulfilmentOrderPage",
    query=(
        Query("locationId", description="the store or DC; a store or DC token may leave it out"),
        Query("status", description="released (the default), accepted, picked, packed, shipped, ..."),
        # The bounds must match fulfilment.MAX_PAGE: importing the service here would slow cold starts.
        Query("limit", "integer", "how many per page (default 25)", minimum=1, maximum=100),
        Query("cursor", description="`nextCursor` of the previous page"),
    ),
    errors=(422,),
)
def work_queue() -> Response:
    from chalicelib.service import fulfilment

    request = bp.current_request
    q = query(request)
    return json_response(
        fulfilment.work_queue(
            bootstrap(),
            principal(),
            location_id=q.get("locationId"),
            status=q.get("status"),
            limit=query_int(request, "limit", 25, low=1, high=fulfilment.MAX_PAGE),
            cursor=q.get("cursor"),
        )
    )


@route(
    bp,
    "/fulfilment-orders/{fulfilment_order_id}",
    roles=("admin", "ops", "cs", "channel", "store", "dc"),
    summary="One fulfilment order",
    response="FulfilmentOrderDetail",
    errors=(404,),
)
def get_fulfilment_order(fulfilment_order_id: str) -> Response:
    from chalicelib.service import fulfilment

    return json_response(fulfilment.get_fulfilment_order(bootstrap(), fulfilment_order_id, principal()))


@route(
    bp,
    "/fulfilment-orders/{fulfilment_order_id}/events",
    methods=["POST"],
    roles=("admin", "ops", "cs", "store", "dc"),
    summary="Report progress on a fulfilment order (accept, reject, pick, pack, ship, ready_for_pickup, collect, "
    "deliver) under the default workflow; the order, its lines and stock follow in one transaction. "
    "reject sources the lines again elsewhere (or backorders them); a transition the workflow does not "
    "allow is a 409 naming the allowed events. Store and DC tokens: their own location's work "
    "(the destination store's too for ready_for_pickup and collect of a transfer)",
    request="FulfilmentEventIn",
    response="FulfilmentOrderDetail",
    errors=(404, 409),
)
def fulfilment_event(fulfilment_order_id: str) -> Response:
    from chalicelib.contracts.api import FulfilmentEventIn
    from chalicelib.service import fulfilment

    request = bp.current_request
    cmd, _ = parse(request, FulfilmentEventIn)
    return json_response(
        fulfilment.handle_event(bootstrap(), fulfilment_order_id, cmd, principal(), if_match=if_match(request))
    )
