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

import functools
import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Request, Response

from chalicelib.bootstrap import bootstrap
from chalicelib.domain.errors import DomainError, Forbidden, Invalid
from chalicelib.domain.ids import ID_PATTERN, is_id
from chalicelib.http.problems import from_domain, problem
from chalicelib.http.queries import Query
from chalicelib.http.requests import (
    answers_problems,
    created,
    current_principal,
    if_match,
    json_body,
    json_response,
    principal,
)
from chalicelib.observability import logger
from chalicelib.service import idempotency

if TYPE_CHECKING:
    from typing import TypeAlias

    from pydantic import BaseModel

    from chalicelib.bootstrap import Bootstrap
    from chalicelib.domain.access import Principal

    # "Name" (a model in chalicelib.contracts.api), "module:Name", or the class itself.
    ModelRef: TypeAlias = str | type[BaseModel]

MAX_BODY_BYTES = 256 * 1024
PUBLIC: frozenset[str] = frozenset()
CONTRACTS = "chalicelib.contracts.api"


@dataclass(frozen=True, kw_only=True)
class RouteSpec:
    """One method of a declared route: the keywords `route` takes, the conventions applied."""

    method: str
    path: str
    roles: frozenset[str]
    view: str
    tag: str
    summary: str
    request: ModelRef | None = None
    response: ModelRef | None = None
    status: int = 200
    also: tuple[int, ...] = ()
    content_type: str = "application/json"
    query: tuple[Query, ...] = ()
    idempotency_key: bool
    if_match: bool
    errors: tuple[int, ...] = ()
    signed: bool = False  # public, and the view checks the platform's signature on the raw body
    use_case: str | None = None  # what a `Routes.serves` route calls ("module.function")

    @property
    def public(self) -> bool:
        return not self.roles  # as the middleware decides: no roles, no authentication


_registry: dict[tuple[str, str], RouteSpec] = {}
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class Call:
    """One request to a route, read as the route declares it: what a view needs, so that views
    only call their use case and answer. Each part is read when the view first asks for it, so a
    request with several faults answers for the first one the view reaches, and a public route
    never builds the dependencies."""

    def __init__(self, spec: RouteSpec, request: Request) -> None:
        self.spec = spec
        self.request = request

    @property
    def caller(self) -> Principal:
        return principal()

    @property
    def deps(self) -> Bootstrap:
        return bootstrap()

    @functools.cached_property
    def raw(self) -> Any:
        """The body as the plain JSON it came in (idempotency hashes it)."""
        return json_body(self.request)

    @functools.cached_property
    def body(self) -> Any:
        """The body as the route's request model."""
        if self.spec.request is None:
            raise RuntimeError(f"{self.spec.method} {self.spec.path} declares no request body")
        return resolve_model(self.spec.request).model_validate(self.raw)

    @functools.cached_property
    def query(self) -> dict[str, Any]:
        """Every declared query parameter by its Python name (`externalId` as `external_id`), typed,
        bounds-checked, absent ones as their default; an empty value (`?status=`) counts as absent,
        as forms and clients send them."""
        given = {name: value for name, value in (self.request.query_params or {}).items() if value != ""}
        return {_CAMEL_HUMP.sub("_", q.name).lower(): q.read(given.get(q.name)) for q in self.spec.query}

    @property
    def if_match(self) -> int | None:
        return if_match(self.request)

    @property
    def idempotency_key(self) -> str | None:
        return self.request.headers.get("idempotency-key") if self.spec.idempotency_key else None

    def serve(self, use_case: Callable[..., Any], *ids: str, location: str | None = None) -> Any:
        """The answer of `use_case` called as the route declares it: `(deps, *ids, body if it takes one,
        caller)`, with `idempotency_key` and `raw_body` where it honours Idempotency-Key, `if_match` where
        If-Match, and the query parameters; `location`: where what it creates is (`"/orders/{orderId}"`,
        filled from the answer)."""
        args = [self.deps, *ids]
        if self.spec.request is not None:
            args.append(self.body)
        args.append(self.caller)
        options: dict[str, Any] = {}
        if self.spec.idempotency_key:
            options.update(idempotency_key=self.idempotency_key, raw_body=self.raw)
        if self.spec.if_match:
            options["if_match"] = self.if_match
        answer = use_case(*args, **options, **self.query)
        return answer if location is None else created(answer, location)


def route(
    bp: Routes,
    path: str,
    *,
    methods: Iterable[str] = ("GET",),
    roles: Iterable[str] | None,
    summary: str = "",
    idempotency_key: bool | None = None,
    if_match: bool | None = None,
    accepts: Iterable[str] = ("application/json",),
    **contract: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route, the role kinds that may call it (None: public) and its contract (the rest of
    `RouteSpec`: models, statuses, query parameters); its summary is the view's docstring unless
    `summary` says otherwise, and its tag the blueprint's.

    A public route may change nothing, with one exception: `signed=True`, a platform's webhook,
    which has no bearer token and is authenticated by the view itself, on the raw body (`accepts`
    then names the content types the platform sends).

    `request`/`response` name pydantic models (see `ModelRef`); `status` is the success status and
    `also` any other it answers with the same body (a PUT's 201 when it creates, 200 when it replaces);
    `errors` lists the problem statuses the handler itself may answer beyond those that follow
    from the declaration (401/403 for non-public routes, 400/413/422 for a body, 422 for a path
    id, 400 for a cursor, 400/412 with If-Match, 409 with Idempotency-Key). By the contract's
    conventions a POST that creates (201) honours Idempotency-Key and any other mutating request
    may send If-Match; say so otherwise.

    The view is called with a `Call` and the path parameters, and returns a Response, a use case's
    (status, body), or a body answered with `status`.
    """
    methods = list(methods)
    role_set = frozenset(roles) if roles is not None else PUBLIC
    if not role_set and not contract.get("signed") and any(m not in ("GET", "HEAD", "OPTIONS") for m in methods):
        raise ValueError(f"{path}: a public route that changes something must be signed (signed=True)")
    status = contract.get("status", 200)

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        for method in methods:
            mutating = method not in ("GET", "HEAD", "OPTIONS")
            _registry[(method, path)] = RouteSpec(
                method=method,
                path=path,
                roles=role_set,
                view=view.__name__,
                tag=bp.tag,
                summary=" ".join((summary or view.__doc__ or "").split()).removesuffix("."),
                idempotency_key=(method == "POST" and status == 201) if idempotency_key is None else idempotency_key,
                if_match=(mutating and status not in (201, 202)) if if_match is None else if_match,
                **contract,
            )

        @functools.wraps(view)
        def answer(**path_params: str) -> Response:
            request = bp.current_request
            spec = _registry[(request.method, path)]
            return _response(view(Call(spec, request), **path_params), spec.status)

        bp.route(path, methods=methods, content_types=list(accepts))(answers_problems(answer))
        return view

    return register


def _response(answer: Any, status: int) -> Response:
    """What a view returned as a response: as is, a (status, body) a use case chose, or a body."""
    if isinstance(answer, Response):
        return answer
    if isinstance(answer, tuple):
        return json_response(answer[1], answer[0])
    return json_response(answer, status)


class Routes(Blueprint):
    """A blueprint of one resource's routes, under its tag in the OpenAPI document, each declared with
    its contract as `route` describes: `@bp.get(path, roles=..., ...)` on a view, or `bp.serves(...)`
    where the route only calls its use case."""

    def __init__(self, import_name: str, *, tag: str) -> None:
        super().__init__(import_name)
        self.tag = tag

    def get(self, path: str, **declared: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return route(self, path, methods=("GET",), **declared)

    def post(self, path: str, **declared: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return route(self, path, methods=("POST",), **declared)

    def put(self, path: str, **declared: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return route(self, path, methods=("PUT",), **declared)

    def delete(self, path: str, **declared: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return route(self, path, methods=("DELETE",), **declared)

    def serves(
        self,
        endpoint: str,
        use_case: str,
        *,
        operation: str,
        summary: str,
        location: str | None = None,
        **declared: Any,
    ) -> None:
        """Declare `endpoint` ("POST /orders/{order_id}/cancellations") as answered by `use_case`
        ("module.function" in chalicelib.service, imported on the first call: cold start), called by
        `Call.serve` with the path's ids in order; `operation` is its operationId, `location` as
        `Call.serve` takes it."""
        method, _, path = endpoint.partition(" ")
        ids = re.findall(r"{(\w+)}", path)

        def view(call: Call, **path_params: str) -> Any:
            return call.serve(use_case_named(use_case), *(path_params[name] for name in ids), location=location)

        view.__name__ = view.__qualname__ = operation
        route(self, path, methods=(method,), summary=summary, use_case=use_case, **declared)(view)


def use_case_named(name: str) -> Callable[..., Any]:
    """The use case "module.function" in chalicelib.service, its module imported now (not at app import)."""
    module, _, function = name.rpartition(".")
    use_case: Callable[..., Any] = getattr(importlib.import_module(f"chalicelib.service.{module}"), function)
    return use_case


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
