"""Operations: health, the contract as OpenAPI and its page for people, and dead letters."""

from __future__ import annotations

from typing import Any

from chalice.app import Request, Response

from chalicelib.clock import now
from chalicelib.http.queries import Query
from chalicelib.http.routing import Call, Routes
from chalicelib.version import VERSION

bp = Routes(__name__, tag="ops")


@bp.get("/health", roles=None, response="Health")
def health(call: Call) -> Any:
    """Liveness and the deployed version."""

    return {"status": "ok", "version": VERSION, "time": now()}


@bp.get("/openapi.json", roles=None)
def openapi_document(call: Call) -> Any:
    """This contract as an OpenAPI 3.1 document."""
    from chalicelib.openapi import document

    # The cached document says "/"; behind an API Gateway stage the base is e.g. "/api".
    servers = [{"url": _base_path(call.request) or "/", "description": "this deployment"}]
    return {**document(), "servers": servers}


@bp.get("/docs", roles=None, content_type="text/html")
def docs(call: Call) -> Response:
    """This contract as a page for people."""
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


@bp.get(
    "/ops/dead-letters",
    roles=OPERATORS,
    response="DeadLettersOut",
    query=(Query("queue", description="one queue's key (e.g. order-intake); every queue when left out"),),
    errors=(404,),
)
def list_dead_letters(call: Call) -> Any:
    """Per queue, its dead-letter queue: how many messages, and up to 10 of them (left in place) with why each
    failed and its body with contact details masked.
    """
    from chalicelib.service import dead_letters

    return dead_letters.list_dead_letters(call.deps.table, call.caller, **call.query)


@bp.post(
    "/ops/dead-letters/{queue}/redrive",
    roles=OPERATORS,
    request="RedriveDeadLetters",
    response="RedriveOut",
    errors=(404,),
    if_match=False,
)
def redrive_dead_letters(call: Call, queue: str) -> Any:
    """Move dead letters back to their source queue (body and attributes as they were), ten at a time; `{}` moves
    up to 100.
    """
    from chalicelib.contracts.api import RedriveDeadLetters
    from chalicelib.service import dead_letters

    # Documented as `{}` at least; an operator's bare POST (no body at all) means the same.
    cmd = call.body if call.request.raw_body else RedriveDeadLetters()
    return dead_letters.redrive(queue, cmd, call.caller)


def _base_path(request: Request) -> str:
    """The path prefix in front of the routes (the API Gateway stage, or a custom domain's mapping)."""
    context = request.context or {}
    full, resource = str(context.get("path", "")), str(context.get("resourcePath", ""))
    return full[: -len(resource)].rstrip("/") if resource and full.endswith(resource) else ""
