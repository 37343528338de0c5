"""Fulfilment orders: the work queue of a store or DC, and one fulfilment order."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.adapters.dynamo import Table
from chalicelib.http.requests import json_response, principal, query, query_int
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
            Table(),
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

    return json_response(fulfilment.get_fulfilment_order(Table(), fulfilment_order_id, principal()))
