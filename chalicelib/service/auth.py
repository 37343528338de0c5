"""Bearer tokens: issued once, stored only as a SHA-256 hash, expiring, listed and revoked by id,
looked up with a short cache."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Item, Table, to_wire
from chalicelib.clock import now
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Invalid, NotFound, Unauthorized
from chalicelib.domain.network import LocationType, Network
from chalicelib.domain.timestamps import iso
from chalicelib.service import listing
from chalicelib.service.ids import new_id

# A warm Lambda answers repeat callers without a read, so a revoked token keeps working for at
# most this long in the other warm Lambdas (README, Tokens; the DELETE /tokens route says so too).
CACHE_SECONDS = 60
DEFAULT_DAYS = 90
MAX_DAYS = 365
_cache: dict[str, tuple[float, float, Principal]] = {}  # digest -> (cached until, expires at, principal)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    table: Table, role: str, *, created_by: str, description: str | None = None, days: int = DEFAULT_DAYS
) -> dict[str, Any]:
    """A new token for `role`, valid `days` days: its public view and, this once, the token itself."""
    token, token_id = "oms_" + secrets.token_urlsafe(32), new_id("tok")
    item = {
        **keys.TOKENS.key(hash_token(token)),
        **keys.TOKENS.listing(token_id),
        "type": "token",
        "tokenId": token_id,
        "role": role,
        "createdAt": now(),
        "createdBy": created_by,
        "description": description,
        # Epoch seconds: the table's TTL attribute, so expired tokens also disappear on their own.
        "expiresAt": int(time.time()) + min(days, MAX_DAYS) * 86_400,
    }
    table.put(item)
    return {"token": token, **token_view(item)}


# A scoped role names a place of its kind: a store token a store, a DC token a DC (a partner's too).
_SCOPED_TO = {"store": (LocationType.STORE,), "dc": (LocationType.DC, LocationType.EXTERNAL_DC)}


def check_scope(net: Network, role: str) -> None:
    """A token is issued only for a place that exists and is of the role's kind (422 otherwise), so
    a misnamed token cannot act at a place nobody meant it for (a `store:` token for a pick-up point)."""
    principal = Principal(role)
    if principal.scope is None:
        return
    if principal.kind == "channel":
        known = principal.scope in net.channels or net.channel_active(principal.scope)
        what = "a known channel"
    else:
        location = net.locations.get(principal.scope)
        known = location is not None and location.type in _SCOPED_TO.get(principal.kind, ())
        what = " or ".join(f"a {t.value}" for t in _SCOPED_TO.get(principal.kind, ()))
    if not known:
        raise Invalid(
            f"{principal.scope!r} is not {what}: a {principal.kind} token is for one",
            errors=[{"loc": ["body", "role"], "msg": f"not {what}"}],
        )


def issue(table: Table, role: str, *, created_by: str, description: str | None = None) -> str:
    """A token with the default lifetime (scripts, the local stack, tests)."""
    token: str = create(table, role, created_by=created_by, description=description)["token"]
    return token


def token_view(item: Item) -> dict[str, Any]:
    """What an admin may see of a token: never the token or its hash."""
    principal = Principal(item["role"])
    return {
        "tokenId": item["tokenId"],
        "role": principal.role,
        "scope": principal.scope,
        "description": item.get("description"),
        "createdAt": item["createdAt"],
        "createdBy": item.get("createdBy"),
        "expiresAt": iso(datetime.fromtimestamp(item["expiresAt"], UTC)),
    }


def list_tokens(table: Table, *, limit: int, cursor: str | None) -> dict[str, Any]:
    items, next_cursor = table.query_index(
        "GSI2", keys.TOKENS.listed_in, limit=limit, cursor=cursor, newest_first=False
    )
    return listing.page(items, next_cursor, token_view)


def revoke(table: Table, token_id: str) -> None:
    """Delete the token: refused at once here, and within CACHE_SECONDS by every other warm Lambda."""
    found, _ = table.query_index(
        "GSI2", keys.TOKENS.listed_in, limit=1, cursor=None, newest_first=False, sk_between=(token_id, token_id)
    )
    if not found:
        raise NotFound(f"no token {token_id!r}")
    digest = keys.TOKENS.id_of(found[0]["PK"])
    table.client.delete_item(TableName=table.name, Key=to_wire(keys.TOKENS.key(digest)))
    _cache.pop(digest, None)


def authenticate(table: Table, authorization: str | None) -> Principal:
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("send Authorization: Bearer <token>")
    digest = hash_token(authorization.removeprefix("Bearer ").strip())
    cached = _cache.get(digest)
    if cached and cached[0] > time.monotonic() and cached[1] > time.time():
        return cached[2]
    item = table.get(keys.TOKENS.key(digest))
    if item is None:
        raise Unauthorized("the token is not known")
    # A token from before expiry existed has none: it could be neither listed nor revoked, so it is refused.
    expires_at = item.get("expiresAt", 0)
    if expires_at <= time.time():
        raise Unauthorized("the token has expired; ask an admin for a new one")
    principal = Principal(item["role"], item.get("tokenId"))
    _cache[digest] = (time.monotonic() + CACHE_SECONDS, expires_at, principal)
    return principal


def forget_cached() -> None:
    _cache.clear()
