"""Return routes: what a return would refund under the live return policy; asking for a return, its
events, one return, a location's returns to handle; exchanges and claims. Each only calls its use case, so each is
declared as data (`Routes.serves`)."""

from __future__ import annotations

from chalicelib.http.queries import location_queue
from chalicelib.http.routing import Routes

bp = Routes(__name__, tag="returns")


def asked_on_order(kind: str, use_case: str, **declared: str) -> None:
    """The route of what `return_flow.asked_on_order` makes a use case of: `POST /orders/{order_id}/<kind>`,
    creating a return, an exchange or a claim of the order."""
    bp.serves(
        f"POST /orders/{{order_id}}/{kind}",
        use_case,
        roles=("admin", "cs", "channel", "store"),
        status=201,
        errors=(404, 409),
        **declared,
    )


bp.serves(
    "POST /returns/quote",
    "returns.quote",
    operation="quote_return",
    summary="What returning lines of an order to a location would refund now (per line: returnable or why not, and "
    "the refund to the cent: items, shipping, fees), under the live `returns` section; writes nothing.",
    roles=("admin", "cs", "channel", "store"),
    request="QuoteReturn",
    response="ReturnQuoteOut",
    if_match=False,  # a question, not a change
    idempotency_key=False,
    errors=(404, 409, 422),
)
asked_on_order(
    "returns",
    "return_flow.create",
    operation="create_return",
    location="/returns/{returnId}",
    summary="Ask to return lines of an order: the live `returns` section approves it (its units expected back, an "
    "expiry timer set) or declines it with its reasons, in one transaction with the order's ledger; the answer has "
    "the quote. `receivedAt` instead of `returnTo`: handed in at that store's counter, received at once (each "
    "line's disposition; restock adds to that store's stock). Stores: their own counter; channels: their own "
    "orders.",
    request="CreateReturn",
    response="ReturnCreated",
)
bp.serves(
    "GET /returns",
    "returns.returns_at",
    operation="list_returns",
    summary="A location's returns to handle: in one status, oldest first (store and DC tokens: their own location).",
    roles=("admin", "ops", "cs", "store", "dc"),
    response="ReturnPage",
    query=location_queue(
        "the store or DC; a store or DC token may leave it out",
        "approved (the default), in_transit, partially_received, received, inspected, ... (any state of a return "
        "workflow)",
    ),
    errors=(422,),
)
bp.serves(
    "GET /returns/{return_id}",
    "returns.get_return",
    operation="get_return",
    summary="One return, with the events its workflow allows now.",
    roles=("admin", "ops", "cs", "channel", "store", "dc"),
    response="ReturnOut",
    errors=(404,),
)
bp.serves(
    "POST /returns/{return_id}/events",
    "return_flow.handle_event",
    operation="return_event",
    summary="An event on a return under the workflow it was pinned to: receive (at any location the policy allows, "
    "per line a disposition: restock adds the units to that location's stock; damaged, refurbish and missing do "
    "not), ship, inspect, approve, decline, cancel. The refund follows the policy's refundTiming (on request, on "
    "receipt, on inspection). One transaction with the order's ledger and stock; a transition the workflow does "
    "not allow is a 409 naming the allowed events.",
    roles=("admin", "ops", "cs", "channel", "store", "dc"),
    request="ReturnEventIn",
    response="ReturnOut",
    errors=(404, 409),
)
asked_on_order(
    "exchanges",
    "exchanges.create",
    operation="create_exchange",
    location="/exchanges/{exchangeId}",
    summary="Exchange units of an order for new items: a return (approved by the live `returns` section; declined "
    "is a 409 with its reasons), a linked replacement order and the exchange, in one transaction. priceDifference "
    "= the new items (unitPrice, else what a returned unit of the same SKU was paid) - the returned units' value "
    "(items less fees): positive waits for `paid`, negative is refunded when the return's refund falls due "
    "(instead of it). mode advance releases the replacement at once (its value charged if the return is not "
    "received within the policy's approvedExpiry: ExchangeCharged); on_receipt when the return is received. "
    "`receivedAt`: at that store's counter, the return received and the new items carried out there at once. "
    "`shipFrom`: who sends it.",
    request="CreateExchange",
    response="ExchangeOut",
)
bp.serves(
    "GET /exchanges/{exchange_id}",
    "exchanges.get_exchange",
    operation="get_exchange",
    summary="One exchange: its return, replacement order, price difference and status.",
    roles=("admin", "ops", "cs", "channel", "store"),
    response="ExchangeOut",
    errors=(404,),
)
bp.serves(
    "POST /exchanges/{exchange_id}/events",
    "exchanges.handle_event",
    operation="exchange_event",
    summary="`paid`: the customer paid a positive price difference; the replacement is released when the exchange's "
    "mode allows (advance: now; on_receipt: once the return is received). Nothing owed: 409.",
    roles=("admin", "cs", "channel", "store"),
    request="ExchangeEventIn",
    response="ExchangeOut",
    if_match=False,
    errors=(404, 409),
)
asked_on_order(
    "claims",
    "claims.create",
    operation="create_claim",
    location="/claims/{claimId}",
    summary="Claim units damaged, missing or wrong, with no goods coming back: only units sent to the customer and "
    "still theirs (409 saying why otherwise), written off on the ledger. `refund`: refunded to the cent through the "
    "refund function (a marketplace order's by its channel, never by the OMS); `replace`: a linked order at no "
    "charge. One transaction; `ClaimCreated` names the channel.",
    request="CreateClaim",
    response="ClaimOut",
)
bp.serves(
    "GET /claims/{claim_id}",
    "claims.get_claim",
    operation="get_claim",
    summary="One claim: its lines, resolution, and the refund or replacement order it made.",
    roles=("admin", "ops", "cs", "channel", "store"),
    response="ClaimOut",
    errors=(404,),
)
