"""Domain errors: what went wrong, in the domain's terms. `chalicelib.http.problems` maps each kind
to its HTTP status, in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class DomainError(Exception):
    """A request the OMS refuses; `detail` says why, `errors` where in the input, `extra` the facts."""

    def __init__(self, detail: str, *, errors: Sequence[dict[str, Any]] = (), **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        self.extra = extra


class BadRequest(DomainError):
    """Malformed whatever the state, like a cursor this API did not give out (400)."""

    status = 400
    title = "Bad request"


class Invalid(DomainError):
    """Well-formed but breaks a business rule."""


class NotFound(DomainError):
    """No such thing."""


class Conflict(DomainError):
    """The resource's state does not allow the request."""


class AlreadyExists(Conflict):
    """A change would create what is already there (an aggregate of the same kind and id)."""

    def __init__(self, identity: str) -> None:
        super().__init__(f"{identity} exists already")
        self.identity = identity


class VersionMismatch(DomainError):
    """The version the caller read (`If-Match`) is no longer current."""


def expect_version(what: str, version: int | None, seen: int | None) -> None:
    """Refuse a change asked of `what` as the caller saw it at version `seen` (If-Match; None: not
    said) when it is at `version` now."""
    if seen is not None and seen != version:
        raise VersionMismatch(f"{what} is at version {version}, not {seen}", currentVersion=version)


class Unauthorized(DomainError):
    """Who is asking is not known (no credentials, or unknown ones)."""


class Forbidden(DomainError):
    """Who is asking may not do this."""


class Unavailable(DomainError):
    """A service the OMS depends on failed or throttled; the request may be retried."""


class TryLater(Unavailable):
    """Unavailable for as long as the other side said (`seconds`): a queue message waits that long."""

    def __init__(self, detail: str, *, seconds: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.seconds = seconds


class Refused(DomainError):
    """Another system refused what the OMS sent, and sending it again will not change that: a queue
    message failing with it goes to its dead-letter queue at once, with the reason."""


def error_at(loc: list[Any], msg: str) -> dict[str, Any]:
    """One entry of a DomainError's `errors`: where in the input, and what is wrong there."""
    return {"loc": loc, "msg": msg}
