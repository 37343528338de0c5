"""Operations: health, the contract as OpenAPI, and its page for people."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.clock import now
from chalicelib.http.requests import json_response
from chalicelib.http.routing import route

bp = Blueprint(__name__)
VERSION = "0.1.0"


@route(bp, "/health", roles=None, summary="Liveness and the deployed version", response="Health")
def health() -> Response:
    return json_response({"status": "ok", "version": VERSION, "time": now()})
