"""Return routes: what a return would refund under the live return policy; asking for a return, its
events, one return, a location's returns to handle."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.http.requests import created
from chalicelib.http.routing import Call, Routes, location_queue

bp = Routes(__name__)


@bp.post(
    "/returns/quote",
    roles=("admin", "cs", "channel", "store"),
    request="QuoteReturn",
    response="ReturnQuoteOut",
    if_match=False,  # a question, not a change
    idempotency_key=False,
    errors=(404, 409, 422),
)
def quote_return(call: Call) -> Any:
    """What returning lines of an order to a location would refund now (per line: returnable or why not, and the
    refund to the cent: items, shipping, fees), under the live `returns` section; writes nothing.
    """
    from chalicelib.service import returns

    return returns.quote(call.deps, call.body, call.caller)


@bp.post(
    "/orders/{order_id}/returns",
    roles=("admin", "cs", "channel", "store"),
    request="CreateReturn",
    response="ReturnCreated",
    status=201,
    errors=(404, 409),
)
def create_return(call: Call, order_id: str) -> Response:
    """Ask to return lines of an order: the live `returns` section approves it (its units expected back, an expiry
    timer set) or declines it with its reasons, in one transaction with the order's ledger; the answer has the
    quote. `receivedAt` instead of `returnTo`: handed in at that store's counter, received at once (each line's
    disposition; restock adds to that store's stock). Stores: their own counter; channels: their own orders.
    """
    from chalicelib.service import return_flow

    answer = return_flow.create(
        call.deps, order_id, call.body, call.caller, idempotency_key=call.idempotency_key, raw_body=call.raw
    )
    return created(answer, "/returns/{returnId}")


@bp.get(
    "/returns",
    roles=("admin", "ops", "cs", "store", "dc"),
    response="ReturnPage",
    query=location_queue(
        "the store or DC; a store or DC token may leave it out",
        "approved (the default), in_transit, partially_received, received, inspected, ... (any state of a return "
        "workflow)",
    ),
    errors=(422,),
)
def list_returns(call: Call) -> Any:
    """A location's returns to handle: in one status, oldest first (store and DC tokens: their own location)."""
    from chalicelib.service import returns

    return returns.returns_at(call.deps, call.caller, **call.query)


@bp.get(
    "/returns/{return_id}", roles=("admin", "ops", "cs", "channel", "store", "dc"), response="ReturnOut", errors=(404,)
)
def get_return(call: Call, return_id: str) -> Any:
    """One return, with the events its workflow allows now."""
    from chalicelib.service import returns

    return returns.get_return(call.deps, return_id, call.caller)


@bp.post(
    "/returns/{return_id}/events",
    roles=("admin", "ops", "cs", "channel", "store", "dc"),
    request="ReturnEventIn",
    response="ReturnOut",
    errors=(404, 409),
)
def return_event(call: Call, return_id: str) -> Any:
    """An event on a return under the workflow it was pinned to: receive (at any location the policy allows, per
    line a disposition: restock adds the units to that location's stock; damaged, refurbish and missing do not),
    ship, inspect, approve, decline, cancel. The refund follows the policy's refundTiming (on request, on receipt,
    on inspection). One transaction with the order's ledger and stock; a transition the workflow does not allow is
    a 409 naming the allowed events.
    """
    from chalicelib.service import return_flow

    return return_flow.handle_event(call.deps, return_id, call.body, call.caller, if_match=call.if_match)
