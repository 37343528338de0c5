"""Fulfilment orders: the work queue of a store or DC, one fulfilment order, and its events."""

from __future__ import annotations

from typing import Any

from chalicelib.http.routing import Call, Routes, location_queue

bp = Routes(__name__, tag="fulfilment")


@bp.get(
    "/fulfilment-orders",
    roles=("admin", "ops", "cs", "store", "dc"),
    response="FulfilmentOrderPage",
    query=location_queue(
        "the store or DC; a store or DC token may leave it out",
        "released (the default), accepted, picked, packed, shipped, ...",
        "how many per page (default 25)",
    ),
    errors=(422,),
)
def work_queue(call: Call) -> Any:
    """A location's work queue: its fulfilment orders in one status, oldest first (store and DC tokens: their own
    location).
    """
    from chalicelib.service import fulfilment

    return call.serve(fulfilment.work_queue)


@bp.get(
    "/fulfilment-orders/{fulfilment_order_id}",
    roles=("admin", "ops", "cs", "channel", "store", "dc"),
    response="FulfilmentOrderDetail",
    errors=(404,),
)
def get_fulfilment_order(call: Call, fulfilment_order_id: str) -> Any:
    """One fulfilment order."""
    from chalicelib.service import fulfilment

    return call.serve(fulfilment.get_fulfilment_order, fulfilment_order_id)


@bp.post(
    "/fulfilment-orders/{fulfilment_order_id}/events",
    roles=("admin", "ops", "cs", "store", "dc"),
    request="FulfilmentEventIn",
    response="FulfilmentOrderDetail",
    errors=(404, 409),
)
def fulfilment_event(call: Call, fulfilment_order_id: str) -> Any:
    """Report progress on a fulfilment order (accept, reject, pick, pack, ship, ready_for_pickup, collect, deliver)
    under the default workflow; the order, its lines and stock follow in one transaction. reject sources the
    lines again elsewhere (or backorders them); a transition the workflow does not allow is a 409 naming the
    allowed events. Store and DC tokens: their own location's work (the destination store's too for
    ready_for_pickup and collect of a transfer).
    """
    from chalicelib.service import fulfilment

    return call.serve(fulfilment.handle_event, fulfilment_order_id)
