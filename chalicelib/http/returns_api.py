"""Return routes: what a return would refund under the live return policy; asking for a return, its
events, one return, a location's returns to handle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.http.routing import Call, Routes, location_queue

bp = Routes(__name__, tag="returns")


def asked_on_order(kind: str, *, request: str, response: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The route of what `return_flow.asked_on_order` makes a use case of: `POST /orders/{order_id}/<kind>`,
    creating a return, an exchange or a claim of the order."""
    return bp.post(
        f"/orders/{{order_id}}/{kind}",
        roles=("admin", "cs", "channel", "store"),
        request=request,
        response=response,
        status=201,
        errors=(404, 409),
    )


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

    return call.serve(returns.quote)


@asked_on_order("returns", request="CreateReturn", response="ReturnCreated")
def create_return(call: Call, order_id: str) -> Any:
    """Ask to return lines of an order: the live `returns` section approves it (its units expected back, an expiry
    timer set) or declines it with its reasons, in one transaction with the order's ledger; the answer has the
    quote. `receivedAt` instead of `returnTo`: handed in at that store's counter, received at once (each line's
    disposition; restock adds to that store's stock). Stores: their own counter; channels: their own orders.
    """
    from chalicelib.service import return_flow

    return call.serve(return_flow.create, order_id, location="/returns/{returnId}")


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

    return call.serve(returns.returns_at)


@bp.get(
    "/returns/{return_id}", roles=("admin", "ops", "cs", "channel", "store", "dc"), response="ReturnOut", errors=(404,)
)
def get_return(call: Call, return_id: str) -> Any:
    """One return, with the events its workflow allows now."""
    from chalicelib.service import returns

    return call.serve(returns.get_return, return_id)


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

    return call.serve(return_flow.handle_event, return_id)


@asked_on_order("exchanges", request="CreateExchange", response="ExchangeOut")
def create_exchange(call: Call, order_id: str) -> Any:
    """Exchange units of an order for new items: a return (approved by the live `returns` section; declined is a
    409 with its reasons), a linked replacement order and the exchange, in one transaction. priceDifference = the
    new items (unitPrice, else what a returned unit of the same SKU was paid) - the returned units' value (items
    less fees): positive waits for `paid`, negative is refunded when the return's refund falls due (instead of it).
    mode advance releases the replacement at once (its value charged if the return is not received within the
    policy's approvedExpiry: ExchangeCharged); on_receipt when the return is received. `receivedAt`: at that
    store's counter, the return received and the new items carried out there at once. `shipFrom`: who sends it.
    """
    from chalicelib.service import exchanges

    return call.serve(exchanges.create, order_id, location="/exchanges/{exchangeId}")


@bp.get(
    "/exchanges/{exchange_id}", roles=("admin", "ops", "cs", "channel", "store"), response="ExchangeOut", errors=(404,)
)
def get_exchange(call: Call, exchange_id: str) -> Any:
    """One exchange: its return, replacement order, price difference and status."""
    from chalicelib.service import exchanges

    return call.serve(exchanges.get_exchange, exchange_id)


@bp.post(
    "/exchanges/{exchange_id}/events",
    roles=("admin", "cs", "channel", "store"),
    request="ExchangeEventIn",
    response="ExchangeOut",
    if_match=False,
    errors=(404, 409),
)
def exchange_event(call: Call, exchange_id: str) -> Any:
    """`paid`: the customer paid a positive price difference; the replacement is released when the exchange's mode
    allows (advance: now; on_receipt: once the return is received). Nothing owed: 409.
    """
    from chalicelib.service import exchanges

    return call.serve(exchanges.handle_event, exchange_id)


@asked_on_order("claims", request="CreateClaim", response="ClaimOut")
def create_claim(call: Call, order_id: str) -> Any:
    """Claim units damaged, missing or wrong, with no goods coming back: only units sent to the customer and still
    theirs (409 saying why otherwise), written off on the ledger. `refund`: refunded to the cent through the refund
    function (a marketplace order's by its channel, never by the OMS); `replace`: a linked order at no charge. One
    transaction; `ClaimCreated` names the channel.
    """
    from chalicelib.service import claims

    return call.serve(claims.create, order_id, location="/claims/{claimId}")


@bp.get("/claims/{claim_id}", roles=("admin", "ops", "cs", "channel", "store"), response="ClaimOut", errors=(404,))
def get_claim(call: Call, claim_id: str) -> Any:
    """One claim: its lines, resolution, and the refund or replacement order it made."""
    from chalicelib.service import claims

    return call.serve(claims.get_claim, claim_id)
