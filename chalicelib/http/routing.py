"""Route registration with the roles each route admits, and the one middleware that enforces them.

Every route states who may call it where it is declared; the middleware authenticates the
caller and checks that list before any handler runs. Finer rules (a store's own location, a
channel's own orders) are the domain's, in `chalicelib.domain.access`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib.adapters.dynamo import Table
from chalicelib.domain.errors import DomainError, Forbidden
from chalicelib.http.problems import from_domain, problem
from chalicelib.http.requests import answers_problems, current_principal
from chalicelib.observability import logger

MAX_BODY_BYTES = 256 * 1024
PUBLIC: frozenset[str] = frozenset()
_route_roles: dict[tuple[str, str], frozenset[str]] = {}


def route(
    bp: Blueprint, path: str, *, methods: Iterable[str] = ("GET",), roles: Iterable[str] | None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route and the role kinds that may call it (None: public)."""
    methods = list(methods)

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        for method in methods:
            _route_roles[(method, path)] = frozenset(roles) if roles is not None else PUBLIC
        bp.route(path, methods=methods, content_types=["application/json"])(answers_problems(view))
        return view

    return register


def routes() -> dict[tuple[str, str], frozenset[str]]:
    return dict(_route_roles)


def http_middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    correlation_id = event.headers.get("x-correlation-id") or (event.context or {}).get("requestId") or "-"
    logger.set_correlation_id(correlation_id)
    token = current_principal.set(None)
    try:
        response = _guarded(event, get_response)
    finally:
        current_principal.reset(token)
    response.headers["X-Correlation-Id"] = correlation_id
    return _chalice_errors_as_problems(response)


def _guarded(event: Request, get_response: Callable[[Request], Response]) -> Response:
    raw = event.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        return problem(413, f"the body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are accepted")
    path = (event.context or {}).get("resourcePath", "")
    roles = _route_roles.get((event.method, path))
    if roles:
        from chalicelib.service import auth

        try:
            caller = auth.authenticate(Table(), event.headers.get("authorization"))
            if caller.kind not in roles:
                raise Forbidden(f"role {caller.role} may not call {event.method} {path}")
        except DomainError as exc:
            return from_domain(exc)
        current_principal.set(caller)
        logger.append_keys(role=caller.role)
    return get_response(event)


def _chalice_errors_as_problems(response: Response) -> Response:
    """Chalice answers 405/415 itself with {Code, Message}; the contract wants problem+json."""
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Message" in body:
        return problem(
            response.status_code,
            str(body["Message"]),
            headers={"Allow": str(allow)} if (allow := response.headers.get("Allow")) else None,
        )
    return response
