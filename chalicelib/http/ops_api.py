"""Operations: health, the contract as OpenAPI, and its page for people."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib.clock import now
from chalicelib.http.requests import json_response
from chalicelib.http.routing import route

bp = Blueprint(__name__)
VERSION = "0.1.0"


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
    from chalicelib.openapi import DOCS_PAGE

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


def _base_path(request: Request) -> str:
    """The path prefix in front of the routes (the API Gateway stage, or a custom domain's mapping)."""
    context = request.context or {}
    full, resource = str(context.get("path", "")), str(context.get("resourcePath", ""))
    return full[: -len(resource)].rstrip("/") if resource and full.endswith(resource) else ""
