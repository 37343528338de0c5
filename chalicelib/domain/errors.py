"""Domain errors. The HTTP layer maps each to one RFC 9457 status in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class DomainError(Exception):
    status = 400
    title = "Bad request"

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
    """Well-formed but breaks a business rule (422)."""

    status = 422
    title = "Unprocessable content"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The resource's state does not allow the request (409)."""

    status = 409
    title = "Conflict"


class VersionMismatch(DomainError):
    """`If-Match` names a version that is no longer current (412)."""

    status = 412
    title = "Precondition failed"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unavailable(DomainError):
    """A service the OMS depends on failed or throttled; the request may be retried (503)."""

    status = 503
    title = "Service unavailable"
