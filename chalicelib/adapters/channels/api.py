"""What the connectors share to call a platform's API: its credentials (JSON from Secrets Manager),
its base URL (the channel's `apiBaseUrl`, else the platform's own address), JSON in and out over
chalicelib/adapters/outbound.py, telling "already so" from a real refusal, and a pace every call
keeps (`paced`: the poller's token bucket) whichever connector makes it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from chalicelib.adapters import outbound
from chalicelib.adapters.channels.base import parse
from chalicelib.domain.errors import Refused

if TYPE_CHECKING:
    from chalicelib.domain.network import Channel

# Called before each API call (not a login: its limits are the platform's login server's) while set.
_PACE: ContextVar[Callable[[], None] | None] = ContextVar("pace", default=None)
_ALREADY = re.compile(r"already\s+(been\s+)?(fulfill?ed|shipped|cancell?ed|completed|closed)", re.IGNORECASE)


def credentials_of(channel: Channel, stored: str | None, *keys: str) -> dict[str, str]:
    """The stored credentials' `keys`; Refused (dead-lettered, readable) when they are not there."""
    found: Any = None
    if stored is not None:
        try:
            found = json.loads(stored)
        except ValueError:
            found = None
    missing = [k for k in keys if not isinstance(found, dict) or not found.get(k)]
    if missing:
        raise Refused(
            f"channel {channel.channel_id} has no {', '.join(missing)} in its credentials: "
            f"PUT /channels/{channel.channel_id} with credentials, then redrive this message"
        )
    return {k: str(found[k]) for k in keys}


def base_url(channel: Channel, default: str | None) -> str:
    found = channel.api_base_url or default
    if not found:
        raise Refused(f"channel {channel.channel_id} has no apiBaseUrl (the shop's address): PUT /channels with it")
    return found.rstrip("/")


def call(
    channel: Channel,
    method: str,
    url: str,
    headers: dict[str, str],
    body: Any = None,
    *,
    form: Mapping[str, str] | None = None,
) -> Any:
    """JSON (or a `form`, as OAuth2 logins take it) to the platform and its JSON answer (None when
    empty); outbound's errors name the channel."""
    pace = _PACE.get()
    if pace is not None and form is None:
        pace()
    kind, sent = "application/json", json.dumps(body).encode() if body is not None else None
    if form is not None:
        kind, sent = "application/x-www-form-urlencoded", urlencode(form).encode()
    answer = outbound.send(
        method,
        url,
        who=f"{channel.type} channel {channel.channel_id}",
        headers={"Content-Type": kind, "Accept": "application/json", "User-Agent": "oms", **headers},
        body=sent,
    )
    return parse(answer.body) if answer.body.strip() else None


@contextmanager
def paced(pace: Callable[[], None]) -> Iterator[None]:
    """Every API call made within first calls `pace` (which raises to stop the caller short): the
    calls a connector makes however it makes them, without each connector knowing of buckets."""
    reset = _PACE.set(pace)
    try:
        yield
    finally:
        _PACE.reset(reset)


def already(exc: outbound.Rejected) -> bool:
    """Whether a refusal says the order is already in the state asked for ("already fulfilled")."""
    return exc.extra.get("status") in (400, 409, 422) and bool(_ALREADY.search(str(exc.extra.get("answer", ""))))
