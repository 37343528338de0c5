"""What the marketplaces' OAuth2 client-credentials logins share (bol, Zalando): the access token per
channel, cached until shortly before it expires, renewed with the channel's client id and secret
(HTTP Basic), and forgotten when the platform refuses it before its time (revoked, clocks apart)."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Generic, TypeVar

from chalicelib.adapters.channels.api import call, credentials_of
from chalicelib.domain.errors import Refused

if TYPE_CHECKING:
    from chalicelib.domain.network import Channel

EARLY_S = 30  # a token is renewed this long before the platform says it expires
DEFAULT_EXPIRES_S = 299
V = TypeVar("V")


class Expiring(Generic[V]):
    """Values kept in this process until their time is up (a Lambda's container outlives one call)."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, ...], tuple[V, float]] = {}

    def get(self, key: tuple[str, ...]) -> V | None:
        found = self._kept.get(key)
        return found[0] if found is not None and found[1] > time.monotonic() else None

    def put(self, key: tuple[str, ...], value: V, seconds: float) -> V:
        self._kept[key] = (value, time.monotonic() + seconds)
        return value

    def forget(self, key: tuple[str, ...]) -> None:
        self._kept.pop(key, None)


_TOKENS: Expiring[str] = Expiring()


def _key(channel: Channel, client: Mapping[str, str]) -> tuple[str, str]:
    """The channel and a hash of its client credentials: a new secret gets a new token."""
    return channel.channel_id, hashlib.sha256(f"{client['clientId']}:{client['clientSecret']}".encode()).hexdigest()


def token(channel: Channel, credentials: str | None, url: str, *, form: Mapping[str, str] | None = None) -> str:
    """The channel's access token from the login at `url` (the grant in its query, or as `form`)."""
    client = credentials_of(channel, credentials, "clientId", "clientSecret")
    key = _key(channel, client)
    cached = _TOKENS.get(key)
    if cached is not None:
        return cached
    basic = base64.b64encode(f"{client['clientId']}:{client['clientSecret']}".encode()).decode()
    answer = call(channel, "POST", url, {"Authorization": f"Basic {basic}"}, form=form) or {}
    access = answer.get("access_token")
    if not access:
        raise Refused(f"{channel.type} channel {channel.channel_id}: the token answer holds no access_token")
    expires_in = int(answer.get("expires_in") or DEFAULT_EXPIRES_S)
    return _TOKENS.put(key, str(access), max(expires_in - EARLY_S, 1))


def forget(channel: Channel, credentials: str | None) -> None:
    """Drop the channel's cached token (the platform said 401 to it): the next call logs in again."""
    _TOKENS.forget(_key(channel, credentials_of(channel, credentials, "clientId", "clientSecret")))
