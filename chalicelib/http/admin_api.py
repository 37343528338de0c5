"""Administration: issuing, listing and revoking tokens."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import bootstrap
from chalicelib.http.requests import json_response, parse, principal, query, query_int
from chalicelib.http.routing import Query, route

bp = Blueprint(__name__)

MAX_PAGE = 100


@route(
    bp,
    "/tokens",
    methods=["POST"],
    roles=("admin",),
    summary="Issue a bearer token for one role, valid expiresInDays (default 90, at most 365); stored hashed, "
    "the token is shown only now",
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
    created = auth.create(
        bootstrap().table, cmd.role, created_by=principal().role, description=cmd.description, days=cmd.expires_in_days
    )
    return json_response(created, 201)


@route(
    bp,
    "/tokens",
    roles=("admin",),
    summary="The tokens that exist, oldest first: ids, roles, scopes, when made and when they expire "
    "(never the tokens or their hashes)",
    response="TokenPage",
    query=(
        Query("limit", "integer", "how many per page (default 25)", minimum=1, maximum=MAX_PAGE),
        Query("cursor", description="`nextCursor` of the previous page"),
    ),
    errors=(422,),
)
def list_tokens() -> Response:
    from chalicelib.service import auth

    request = bp.current_request
    limit = query_int(request, "limit", 25, low=1, high=MAX_PAGE)
    return json_response(auth.list_tokens(bootstrap().table, limit=limit, cursor=query(request).get("cursor")))


@route(
    bp,
    "/tokens/{token_id}",
    methods=["DELETE"],
    roles=("admin",),
    summary="Revoke a token: refused from now on, by every instance of the service within 60 seconds "
    "(the lifetime of each one's authentication cache)",
    status=204,
    if_match=False,
    errors=(404,),
)
def revoke_token(token_id: str) -> Response:
    from chalicelib.service import auth

    auth.revoke(bootstrap().table, token_id)
    return Response(body="", status_code=204)
