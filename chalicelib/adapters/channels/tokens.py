"""What the marketplaces' OAuth2 logins share: the access token per channel, cached until shortly
before it expires, renewed with the channel's client id and secret (HTTP Basic: bol, Zalando; or the
login's own grant: Amazon's LWA refresh token), and forgotten when the platform refuses it before its
time (revoked, clocks apart)."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

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


def _key(channel: Channel, secret: str) -> tuple[str, str]:
    """The channel and a hash of the credentials a token is made with: a new secret gets a new token."""
    return channel.channel_id, hashlib.sha256(secret.encode()).hexdigest()


def cached(channel: Channel, secret: str, login: Callable[[], Any]) -> str:
    """The channel's access token for `secret`: from the `login` (its JSON answer) when none is kept or
    it is about to expire."""
    key = _key(channel, secret)
    kept = _TOKENS.get(key)
    if kept is not None:
        return kept
    answer = login() or {}
    access = answer.get("access_token")
    if not access:
        raise Refused(f"{channel.type} channel {channel.channel_id}: the token answer holds no access_token")
    expires_in = int(answer.get("expires_in") or DEFAULT_EXPIRES_S)
    return _TOKENS.put(key, str(access), max(expires_in - EARLY_S, 1))


def _client(client: Mapping[str, str]) -> str:
    return f"{client['clientId']}:{client['clientSecret']}"


def token(channel: Channel, credentials: str | None, url: str, *, form: Mapping[str, str] | None = None) -> str:
    """The channel's client-credentials token from the login at `url` (the grant in its query, or as `form`)."""
    client = _client(credentials_of(channel, credentials, "clientId", "clientSecret"))
    basic = base64.b64encode(client.encode()).decode()
    return cached(channel, client, lambda: call(channel, "POST", url, {"Authorization": f"Basic {basic}"}, form=form))


def forget(channel: Channel, credentials: str | None) -> None:
    """Drop the channel's cached token (the platform said 401 to it): the next call logs in again."""
    _TOKENS.forget(_key(channel, _client(credentials_of(channel, credentials, "clientId", "clientSecret"))))
