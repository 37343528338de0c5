"""Before checkout: the delivery methods, stores and pick-up points a cart can have."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import bootstrap
from chalicelib.http.requests import json_response, parse, principal
from chalicelib.http.routing import route

bp = Blueprint(__name__)


@route(
    bp,
    "/fulfilment-options",
    methods=["POST"],
    roles=("channel", "cs", "store", "admin", "ops"),
    summary="Delivery options for a cart near the customer (by position, postal code or CloudFront viewer "
    "headers), under the live clickAndCollect rules",
    request="FulfilmentOptionsRequest",
    response="FulfilmentOptionsOut",
    if_match=False,  # a question, not a change
    idempotency_key=False,
    errors=(422,),
)
def fulfilment_options() -> Response:
    from chalicelib.contracts.api import FulfilmentOptionsRequest
    from chalicelib.service import fulfilment_options as options

    request = bp.current_request
    cmd, _ = parse(request, FulfilmentOptionsRequest)
    viewer = (request.headers.get("cloudfront-viewer-latitude"), request.headers.get("cloudfront-viewer-longitude"))
    return json_response(options.options_for(bootstrap().table, cmd, principal(), viewer=viewer))
