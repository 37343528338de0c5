"""Administration: issuing, listing and revoking tokens."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.http.queries import page
from chalicelib.http.routing import Call, Routes

bp = Routes(__name__, tag="admin")


@bp.post(
    "/tokens",
    roles=("admin",),
    request="CreateToken",
    response="TokenOut",
    status=201,
    # Deliberately not replayable: a replay would keep the token in clear in the idempotency table.
    idempotency_key=False,
)
def create_token(call: Call) -> Any:
    """Issue a bearer token for one role, valid expiresInDays (default 90, at most 365); stored hashed, the token
    is shown only now.
    """
    from chalicelib.service import auth

    cmd = call.body
    auth.check_scope(call.deps.network(), cmd.role)
    return auth.create(
        call.deps.table, cmd.role, created_by=call.caller.role, description=cmd.description, days=cmd.expires_in_days
    )


@bp.get("/tokens", roles=("admin",), response="TokenPage", query=page("how many per page (default 25)"), errors=(422,))
def list_tokens(call: Call) -> Any:
    """The tokens that exist, oldest first: ids, roles, scopes, when made and when they expire (never the tokens or
    their hashes).
    """
    from chalicelib.service import auth

    return auth.list_tokens(call.deps.table, **call.query)


@bp.delete("/tokens/{token_id}", roles=("admin",), status=204, if_match=False, errors=(404,))
def revoke_token(call: Call, token_id: str) -> Response:
    """Revoke a token: refused from now on, by every instance of the service within 60 seconds (the lifetime of
    each one's authentication cache).
    """
    from chalicelib.service import auth

    auth.revoke(call.deps.table, token_id)
    return Response(body="", status_code=204)
