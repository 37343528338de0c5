"""Before checkout: the delivery methods, stores and pick-up points a cart can have."""

from __future__ import annotations

from typing import Any

from chalicelib.http.routing import Call, Routes

bp = Routes(__name__, tag="checkout")


@bp.post(
    "/fulfilment-options",
    roles=("channel", "cs", "store", "admin", "ops"),
    request="FulfilmentOptionsRequest",
    response="FulfilmentOptionsOut",
    if_match=False,  # a question, not a change
    idempotency_key=False,
    errors=(422,),
)
def fulfilment_options(call: Call) -> Any:
    """Delivery options for a cart near the customer (by position, postal code or CloudFront viewer headers), under
    the live clickAndCollect rules.
    """
    from chalicelib.service import fulfilment_options as options

    headers = call.request.headers
    viewer = (headers.get("cloudfront-viewer-latitude"), headers.get("cloudfront-viewer-longitude"))
    return options.options_for(call.deps.table, call.body, call.caller, viewer=viewer)
