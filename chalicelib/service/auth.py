"""Bearer tokens: issued once, stored only as a SHA-256 hash, looked up with a short cache."""

from __future__ import annotations

import hashlib
import secrets
import time

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Table
from chalicelib.clock import now
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Unauthorized

# A warm Lambda answers repeat callers without a read; a revoked token lives at most this long.
_CACHE_SECONDS = 60
_cache: dict[str, tuple[float, Principal]] = {}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(table: Table, role: str, *, created_by: str, description: str | None = None) -> str:
    token = "oms_" + secrets.token_urlsafe(32)
    table.put(
        {
            **keys.token_key(hash_token(token)),
            "type": "token",
            "role": role,
            "createdAt": now(),
            "createdBy": created_by,
            "description": description,
        }
    )
    return token


def authenticate(table: Table, authorization: str | None) -> Principal:
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("send Authorization: Bearer <token>")
    digest = hash_token(authorization.removeprefix("Bearer ").strip())
    cached = _cache.get(digest)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    item = table.get(keys.token_key(digest))
    if item is None or item.get("revoked"):
        raise Unauthorized("the token is not known")
    principal = Principal(item["role"])
    _cache[digest] = (time.monotonic() + _CACHE_SECONDS, principal)
    return principal


def forget_cached() -> None:
    _cache.clear()
