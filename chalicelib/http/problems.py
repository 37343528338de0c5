"""RFC 9457 problem+json responses: every error the API gives looks like this."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from chalice.app import Response

from chalicelib.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Unauthorized,
    Unavailable,
    VersionMismatch,
)

PROBLEM_TYPE = "application/problem+json"
# Seconds a client should wait before sending a request answered 503 again: by then the
# throttling or conflict that outlasted our own retries (well under a second) has usually passed.
RETRY_AFTER_S = 1
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    500: "Internal server error",
    503: "Service unavailable",
}
# The status each kind of domain error answers with (its title is the status's, above). A subclass
# answers as its nearest listed base (the adapters' Raced is a Conflict); any other, 400.
_DOMAIN_STATUS: dict[type[DomainError], int] = {
    Invalid: 422,
    NotFound: 404,
    Conflict: 409,
    VersionMismatch: 412,
    Unauthorized: 401,
    Forbidden: 403,
    Unavailable: 503,
}


def problem(
    status: int,
    detail: str,
    *,
    errors: Sequence[dict[str, Any]] = (),
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "errors": [
            {"loc": [str(p) if not isinstance(p, int) else p for p in e["loc"]], "msg": e["msg"]} for e in errors
        ],
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    all_headers: dict[str, str | list[str]] = {"Content-Type": PROBLEM_TYPE}
    if status == 401:
        all_headers["WWW-Authenticate"] = 'Bearer realm="oms"'
    if status == 503:
        all_headers["Retry-After"] = str(RETRY_AFTER_S)
    all_headers.update(headers or {})
    return Response(body=json.dumps(body, default=str), status_code=status, headers=all_headers)


def _status_of(error: DomainError) -> int:
    return next((_DOMAIN_STATUS[kind] for kind in type(error).__mro__ if kind in _DOMAIN_STATUS), 400)


def from_domain(error: DomainError) -> Response:
    return problem(_status_of(error), error.detail, errors=error.errors, **error.extra)


def from_validation(exc: Any) -> Response:
    """A pydantic ValidationError: where each field went wrong, without echoing the input."""
    errors = [{"loc": ["body", *err["loc"]], "msg": err["msg"]} for err in exc.errors(include_input=False)]
    return problem(422, "the request body does not match the contract", errors=errors)
