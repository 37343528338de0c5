"""Route registration with the roles each route admits, and the one middleware that enforces them.

Every route states who may call it where it is declared; the middleware authenticates the
caller and checks that list before any handler runs. Finer rules (a store's own location, a
channel's own orders) are the domain's, in `chalicelib.domain.access`.

Each route also declares its contract (summary, request and response models, success status,
query parameters) in the same place; `chalicelib.openapi` turns the registry into the OpenAPI
document. Models are named as strings and resolved only then, so importing the routes does not
build the contract models (cold start).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from chalice.app import Blueprint, Request, Response

from chalicelib.bootstrap import bootstrap
from chalicelib.domain.errors import DomainError, Forbidden, Invalid
from chalicelib.domain.ids import ID_PATTERN, is_id
from chalicelib.http.problems import from_domain, problem
from chalicelib.http.requests import answers_problems, current_principal
from chalicelib.observability import logger
from chalicelib.service import idempotency

if TYPE_CHECKING:
    from typing import TypeAlias

    from pydantic import BaseModel

    # "Name" (a model in chalicelib.contracts.api), "module:Name", or the class itself.
    ModelRef: TypeAlias = str | type[BaseModel]

MAX_BODY_BYTES = 256 * 1024
PUBLIC: frozenset[str] = frozenset()
CONTRACTS = "chalicelib.contracts.api"


@dataclass(frozen=True)
class Query:
    """One query parameter, as the handler reads it."""

    name: str
    type: Literal["string", "integer", "boolean"] = "string"
    description: str = ""
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class RouteSpec:
    method: str
    path: str
    roles: frozenset[str]
    view: str
    tag: str
    summary: str
    request: ModelRef | None
    response: ModelRef | None
    status: int
    also: tuple[int, ...]
    content_type: str
    query: tuple[Query, ...]
    idempotency_key: bool
    if_match: bool
    errors: frozenset[int]

    @property
    def public(self) -> bool:
        return not self.roles  # as the middleware decides: no roles, no authentication


_registry: dict[tuple[str, str], RouteSpec] = {}


def route(
    bp: Blueprint,
    path: str,
    *,
    methods: Iterable[str] = ("GET",),
    roles: Iterable[str] | None,
    summary: str = "",
    request: ModelRef | None = None,
    response: ModelRef | None = None,
    status: int = 200,
    also: Iterable[int] = (),
    content_type: str = "application/json",
    query: Iterable[Query] = (),
    idempotency_key: bool | None = None,
    if_match: bool | None = None,
    errors: Iterable[int] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route, the role kinds that may call it (None: public) and its contract.

    `request`/`response` name pydantic models (see `ModelRef`); `status` is the success status and
    `also` any other it answers with the same body (a PUT's 201 when it creates, 200 when it replaces);
    `errors` lists the problem statuses the handler itself may answer beyond those that follow
    from the declaration (401/403 for non-public routes, 400/413/422 for a body, 422 for a path
    id, 400 for a cursor, 400/412 with If-Match, 409 with Idempotency-Key). By the contract's
    conventions a POST that creates (201) honours Idempotency-Key and any other mutating request
    may send If-Match; say so otherwise.
    """
    methods = list(methods)
    role_set = frozenset(roles) if roles is not None else PUBLIC

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        tag = view.__module__.rpartition(".")[2].removesuffix("_api")
        for method in methods:
            mutating = method not in ("GET", "HEAD", "OPTIONS")
            _registry[(method, path)] = RouteSpec(
                method=method,
                path=path,
                roles=role_set,
                view=view.__name__,
                tag=tag,
                summary=summary,
                request=request,
                response=response,
                status=status,
                also=tuple(also),
                content_type=content_type,
                query=tuple(query),
                idempotency_key=(method == "POST" and status == 201) if idempotency_key is None else idempotency_key,
                if_match=(mutating and status not in (201, 202)) if if_match is None else if_match,
                errors=frozenset(errors),
            )
        bp.route(path, methods=methods, content_types=["application/json"])(answers_problems(view))
        return view

    return register


def routes() -> dict[tuple[str, str], frozenset[str]]:
    return {key: spec.roles for key, spec in _registry.items()}


def specs() -> list[RouteSpec]:
    return list(_registry.values())


def resolve_model(ref: ModelRef) -> type[BaseModel]:
    """The model class a route names; imports its module on first use."""
    if not isinstance(ref, str):
        return ref
    module, _, name = ref.rpartition(":")
    model: type[BaseModel] = getattr(importlib.import_module(module or CONTRACTS), name)
    return model


def http_middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    correlation_id = event.headers.get("x-correlation-id") or (event.context or {}).get("requestId") or "-"
    logger.set_correlation_id(correlation_id)
    token = current_principal.set(None)
    context_token = idempotency.lambda_context.set(event.lambda_context)
    try:
        response = _guarded(event, get_response)
    finally:
        current_principal.reset(token)
        idempotency.lambda_context.reset(context_token)
    response.headers["X-Correlation-Id"] = correlation_id
    return _chalice_errors_as_problems(response)


def _guarded(event: Request, get_response: Callable[[Request], Response]) -> Response:
    raw = event.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        return problem(413, f"the body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are accepted")
    path = (event.context or {}).get("resourcePath", "")
    spec = _registry.get((event.method, path))
    roles = spec.roles if spec is not None else None
    if roles:
        from chalicelib.service import auth

        try:
            caller = auth.authenticate(bootstrap().table, event.headers.get("authorization"))
            if caller.kind not in roles:
                raise Forbidden(f"role {caller.role} may not call {event.method} {path}")
        except DomainError as exc:
            return from_domain(exc)
        current_principal.set(caller)
        logger.append_keys(role=caller.role)
    bad = sorted(name for name, value in (event.uri_params or {}).items() if not is_id(value))
    if bad:
        return from_domain(
            Invalid(
                f"{', '.join(bad)} must match {ID_PATTERN}",
                errors=[{"loc": ["path", name], "msg": f"must match {ID_PATTERN}"} for name in bad],
            )
        )
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
