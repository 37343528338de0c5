"""Reading a request (its JSON body, If-Match, the caller) and answering it."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from chalice.app import Request, Response

from chalicelib.domain.access import Principal
from chalicelib.domain.errors import BadRequest, DomainError
from chalicelib.http.problems import from_domain, from_validation, problem
from chalicelib.observability import logger

# Set by the middleware once the caller is known; read through `principal()` (a view's `call.caller`).
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


def created(answer: tuple[int, dict[str, Any]], location: str) -> Response:
    """A create's (status, body), with a Location filled from the body (`"/orders/{orderId}"`) when it
    created something (201); an idempotent replay of another answer goes without."""
    status, body = answer
    return json_response(body, status, {"Location": location.format_map(body)} if status == 201 else None)
