"""Administration: issuing tokens."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import bootstrap
from chalicelib.http.requests import json_response, parse, principal
from chalicelib.http.routing import route

bp = Blueprint(__name__)


@route(
    bp,
    "/tokens",
    methods=["POST"],
    roles=("admin",),
    summary="Issue a bearer token for one role (stored hashed; shown only now)",
    request="CreateToken",
    response="TokenOut",
    status=201,
    # Deliberately not replayable: a replay would keep the token in clear in the idempotency table.
    idempotency_key=False,
)
def create_token() -> Response:
    from chalicelib.contracts.api import CreateToken
    from chalicelib.service import auth

    cmd, _ = parse(bp.current_request, CreateToken)
    token = auth.issue(bootstrap().table, cmd.role, created_by=principal().role, description=cmd.description)
    return json_response({"token": token, "role": cmd.role}, 201)
