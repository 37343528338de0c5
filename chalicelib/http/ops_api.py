"""Operations: health, the contract as OpenAPI and its page for people, and dead letters."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib.bootstrap import bootstrap
from chalicelib.clock import now
from chalicelib.http.requests import json_response, parse, principal, query
from chalicelib.http.routing import Query, route
from chalicelib.version import VERSION

bp = Blueprint(__name__)


@route(bp, "/health", roles=None, summary="Liveness and the deployed version", response="Health")
def health() -> Response:
    return json_response({"status": "ok", "version": VERSION, "time": now()})


@route(bp, "/openapi.json", roles=None, summary="This contract as an OpenAPI 3.1 document")
def openapi_document() -> Response:
    from chalicelib.openapi import document

    # The cached document says "/"; behind an API Gateway stage the base is e.g. "/api".
    servers = [{"url": _base_path(bp.current_request) or "/", "description": "this deployment"}]
    return json_response({**document(), "servers": servers})


@route(bp, "/docs", roles=None, summary="This contract as a page for people", content_type="text/html")
def docs() -> Response:
    from chalicelib.docs_page import DOCS_PAGE

    return Response(
        body=DOCS_PAGE,
        status_code=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            # Inline only, and only this origin to fetch from: nothing else may run on the page.
            "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
            "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'",
        },
    )


OPERATORS = ("ops", "admin")


@route(
    bp,
    "/ops/dead-letters",
    roles=OPERATORS,
    summary="Per queue, its dead-letter queue: how many messages, and up to 10 of them (left in place) with "
    "why each failed and its body with contact details masked",
    response="DeadLettersOut",
    query=(Query("queue", description="one queue's key (e.g. order-intake); every queue when left out"),),
    errors=(404,),
)
def list_dead_letters() -> Response:
    from chalicelib.service import dead_letters

    return json_response(
        dead_letters.list_dead_letters(bootstrap().table, principal(), query(bp.current_request).get("queue"))
    )


@route(
    bp,
    "/ops/dead-letters/{queue}/redrive",
    methods=["POST"],
    roles=OPERATORS,
    summary="Move dead letters back to their source queue (body and attributes as they were), ten at a time; "
    "`{}` moves up to 100",
    request="RedriveDeadLetters",
    response="RedriveOut",
    errors=(404,),
    if_match=False,
)
def redrive_dead_letters(queue: str) -> Response:
    from chalicelib.contracts.api import RedriveDeadLetters
    from chalicelib.service import dead_letters

    request = bp.current_request
    # Documented as `{}` at least; an operator's bare POST (no body at all) means the same.
    cmd = parse(request, RedriveDeadLetters)[0] if request.raw_body else RedriveDeadLetters()
    return json_response(dead_letters.redrive(queue, cmd, principal()))


def _base_path(request: Request) -> str:
    """The path prefix in front of the routes (the API Gateway stage, or a custom domain's mapping)."""
    context = request.context or {}
    full, resource = str(context.get("path", "")), str(context.get("resourcePath", ""))
    return full[: -len(resource)].rstrip("/") if resource and full.endswith(resource) else ""
