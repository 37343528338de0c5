"""Return routes: what a return would refund, under the live return policy."""

from __future__ import annotations

from typing import Any

from chalicelib.http.routing import Call, Routes

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
