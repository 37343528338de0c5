"""Reading a request: its JSON body into a contract model, its headers and query parameters."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from chalice.app import Request, Response

from chalicelib.domain.access import Principal
from chalicelib.domain.errors import BadRequest, DomainError, Invalid
from chalicelib.http.problems import from_domain, from_validation, problem
from chalicelib.observability import logger

if TYPE_CHECKING:  # pydantic loads with the first handler that parses a body, not at import
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")

# Set by the middleware once the caller is known; read by handlers through `principal()`.
current_principal: ContextVar[Principal | None] = ContextVar("current_principal", default=None)


# Python's parser recurses once per level: 5,000 nested arrays are a RecursionError. Real bodies
# nest a handful of levels, so anything deeper is refused before parsing.
MAX_JSON_DEPTH = 64
_JSON_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


class MalformedBody(Exception):
    pass


def principal() -> Principal:
    found = current_principal.get()
    if found is None:  # the middleware authenticates every non-public route first
        raise RuntimeError("no authenticated caller")
    return found


def json_body(request: Request) -> Any:
    raw = request.raw_body
    if not raw:
        raise MalformedBody("the request has no body; send a JSON object")
    try:
        text = raw.decode() if isinstance(raw, bytes) else raw
        _check_depth(text)
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedBody(f"the body is not valid JSON: {exc}") from None


def _check_depth(text: str) -> None:
    """Count brackets outside strings; malformed text passes on to the parser, which says why."""
    depth = 0
    for char in _NOT_BRACKETS.sub("", _JSON_STRINGS.sub("", text)):
        if char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise MalformedBody(f"the body nests deeper than {MAX_JSON_DEPTH} levels")
        elif char in "]}":
            depth -= 1


def parse(request: Request, model: type[M]) -> tuple[M, Any]:
    """The body as `model`, and as the plain JSON it came in (for idempotency hashing)."""
    data = json_body(request)
    return model.model_validate(data), data


# The version a mutating request is based on, bare or quoted like an ETag: `3` or `"3"`.
IF_MATCH_PATTERN = r'^[0-9]{1,18}$|^"[0-9]{1,18}"$'
_IF_MATCH = re.compile(IF_MATCH_PATTERN)


def if_match(request: Request) -> int | None:
    raw = request.headers.get("if-match")
    if raw is None:
        return None
    if not _IF_MATCH.fullmatch(raw.strip()):
        raise BadRequest(
            'If-Match must be the version you last read, like 3 or "3"',
            errors=[{"loc": ["header", "If-Match"], "msg": "a version number"}],
        )
    return int(raw.strip().strip('"'))


def query(request: Request) -> dict[str, str]:
    """The query parameters; an empty one (`?status=`) is as good as absent, as forms and clients send them."""
    return {name: value for name, value in (request.query_params or {}).items() if value != ""}


def query_int(request: Request, name: str, default: int, *, low: int, high: int) -> int:
    raw = query(request).get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise Invalid(
            f"{name} must be a whole number from {low} to {high}",
            errors=[{"loc": ["query", name], "msg": "out of range"}],
        )
    return value


def answers_problems(view: Callable[..., Any]) -> Callable[..., Any]:
    """Turn what a view raises into a problem response (Chalice would answer a bare 500)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except DomainError as exc:
            return from_domain(exc)
        except MalformedBody as exc:
            return problem(400, str(exc))
        except Exception as exc:
            from pydantic import ValidationError

            if isinstance(exc, ValidationError):
                return from_validation(exc)
            logger.exception("unhandled error")
            return problem(500, "something went wrong on our side; it has been logged")

    return wrapped


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, default=str),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
