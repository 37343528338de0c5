"""The HTTP contract as an OpenAPI 3.1 document, generated from the route registry and the contract models.

Each route declares its roles, summary, models and status in `chalicelib.http.routing.route`; the
schemas come from the same pydantic models the handlers parse and answer with, so the document
cannot drift from the code. Built on first use and cached: no other route pays for pydantic's
JSON-schema generation or for importing the contract models.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from chalicelib.version import VERSION

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic.json_schema import JsonSchemaMode

    from chalicelib.http.routing import ModelRef, RouteSpec

    Ref = Callable[[ModelRef, JsonSchemaMode], dict[str, Any]]

OPENAPI_VERSION = "3.1.0"
REF_TEMPLATE = "#/components/schemas/{model}"
PROBLEM_TYPE = "application/problem+json"
EVENT_SOURCE = "oms"

_PROBLEMS: dict[int, str] = {
    400: "The body is missing, not JSON or nested too deep, the cursor is not one this query gave out, "
    "or If-Match is not a version number.",
    401: "No bearer token, or one the OMS does not know.",
    403: "The token's role may not do this, or not for this channel or location.",
    404: "No such resource.",
    409: "The resource's state does not allow this, it exists already, "
    "or the Idempotency-Key was used before with another body.",
    412: "If-Match names a version that is no longer current; nothing was changed.",
    413: "The body is too large.",
    422: "Well-formed, but does not match the contract or breaks a business rule; `errors` says where.",
    503: "A service the OMS depends on failed or is throttling; the request may be retried as is.",
}

_DESCRIPTION = """\
The Order Management System's HTTP contract.

- JSON in and out; money is `{"amount": "19.95", "currency": "EUR"}` with the amount a decimal string.
- Errors are RFC 9457 `application/problem+json`, with `errors: [{"loc", "msg"}]` for invalid input.
- Authenticate with `Authorization: Bearer <token>`; each operation lists the roles it admits (`x-roles`).
- A POST that creates honours `Idempotency-Key`; a mutating request may send `If-Match: <version>`.
- Lists take `?limit=&cursor=` and answer `{"items": [...], "nextCursor": null | "..."}`.
- Published events (EventBridge, source `oms`) are listed under `x-events`.
"""


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI document for every route registered so far (the app registers them all at import)."""
    from pydantic.json_schema import models_json_schema

    from chalicelib.contracts.api import Problem
    from chalicelib.contracts.events import EVENT_MODELS
    from chalicelib.http.requests import IF_MATCH_PATTERN
    from chalicelib.http.routing import MAX_BODY_BYTES, resolve_model, specs
    from chalicelib.service import auth

    routes = specs()
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(Problem, "serialization"): None}
    for spec in routes:
        if spec.request is not None:
            wanted[(resolve_model(spec.request), "validation")] = None
        if spec.response is not None:
            wanted[(resolve_model(spec.response), "serialization")] = None
    for event_model in EVENT_MODELS.values():
        wanted[(event_model, "serialization")] = None
    # One call for all models, so shared ones (Money, Customer) get one schema and names never clash.
    refs, defs = models_json_schema(list(wanted), by_alias=True, ref_template=REF_TEMPLATE)

    def ref(model: ModelRef, mode: JsonSchemaMode) -> dict[str, Any]:
        return dict(refs[(resolve_model(model), mode)])

    paths: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    problem_statuses: set[int] = set()
    for spec in routes:
        operation = _operation(spec, ref, operation_ids)
        problem_statuses.update(int(status) for status in operation["responses"] if int(status) >= 400)
        paths.setdefault(spec.path, {})[spec.method.lower()] = operation

    problem_ref = ref(Problem, "serialization")
    problems = {**_PROBLEMS, 413: f"The body is larger than {MAX_BODY_BYTES} bytes."}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "OMS", "version": VERSION, "description": _DESCRIPTION},
        "servers": [{"url": "/", "description": "this deployment"}],
        "tags": [{"name": tag} for tag in sorted({spec.tag for spec in routes})],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token issued by `POST /tokens`; its role is one of admin, ops, cs, "
                    "channel:<channelId>, store:<locationId>, dc:<locationId>. It expires after `expiresInDays` "
                    f"(default {auth.DEFAULT_DAYS}, at most {auth.MAX_DAYS}); once revoked "
                    f"(`DELETE /tokens/{{tokenId}}`) it is refused within {auth.CACHE_SECONDS} seconds.",
                }
            },
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    "description": "Same key and same body: the first answer again (status and body). "
                    "Same key, another body: 409.",
                },
                "IfMatch": {
                    "name": "If-Match",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "pattern": IF_MATCH_PATTERN, "examples": ["3", '"3"']},
                    "description": "The `version` you last read, an integer, bare or quoted like an ETag; if it "
                    "is no longer current the answer is 412 and nothing changes, if it is no version 400.",
                },
            },
            "responses": {
                f"Problem{status}": {
                    "description": problems.get(status, HTTPStatus(status).phrase),
                    "content": {PROBLEM_TYPE: {"schema": problem_ref}},
                }
                for status in sorted(problem_statuses)
            },
        },
        "x-events": {
            name: {"source": EVENT_SOURCE, "detailType": name, "detail": ref(model, "serialization")}
            for name, model in EVENT_MODELS.items()
        },
    }


def problem_statuses(spec: RouteSpec) -> list[int]:
    """The problem answers a route can give: those it declares and those its declaration implies."""
    statuses = set(spec.errors)
    if not spec.public:
        statuses |= {401, 403, 503}  # 503: the token is read from DynamoDB, which may stay busy
    if spec.request is not None:
        statuses |= {400, 413, 422}
    if any(q.name == "cursor" for q in spec.query):
        statuses.add(400)
    if spec.idempotency_key:
        statuses.add(409)
    if "{" in spec.path:
        statuses.add(422)  # a path id that does not match ID_PATTERN
    if spec.if_match:
        statuses |= {400, 412}  # 400: an If-Match that is not a version number
    return sorted(statuses)


def _operation(spec: RouteSpec, ref: Ref, operation_ids: set[str]) -> dict[str, Any]:
    from chalicelib.domain.ids import ID_PATTERN

    operation_id = spec.view if spec.view not in operation_ids else f"{spec.view}_{spec.method.lower()}"
    operation_ids.add(operation_id)
    operation: dict[str, Any] = {
        "tags": [spec.tag],
        "summary": spec.summary or spec.view.replace("_", " "),
        "operationId": operation_id,
    }
    if spec.signed:
        operation["description"] = "No token: the platform's signature over the raw body authenticates it."
        operation["security"] = []
    elif spec.public:
        operation["description"] = "Public: no token needed."
        operation["security"] = []
    else:
        roles = sorted(spec.roles)
        operation["description"] = "Roles: " + ", ".join(roles) + "."
        operation["security"] = [{"bearer": []}]
        operation["x-roles"] = roles

    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": ID_PATTERN}}
        for name in re.findall(r"{(\w+)}", spec.path)
    ]
    for q in spec.query:
        schema: dict[str, Any] = {"type": q.type}
        if q.minimum is not None:
            schema["minimum"] = q.minimum
        if q.maximum is not None:
            schema["maximum"] = q.maximum
        parameters.append(
            {"name": q.name, "in": "query", "required": q.required, "schema": schema, "description": q.description}
        )
    if spec.idempotency_key:
        parameters.append({"$ref": "#/components/parameters/IdempotencyKey"})
    if spec.if_match:
        parameters.append({"$ref": "#/components/parameters/IfMatch"})
    if parameters:
        operation["parameters"] = parameters

    if spec.request is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(spec.request, "validation")}},
        }
    if spec.response is not None:
        media: dict[str, Any] = {"schema": ref(spec.response, "serialization")}
    elif spec.content_type.startswith("text/"):
        media = {"schema": {"type": "string"}}
    else:
        media = {}
    responses: dict[str, Any] = {
        str(status): {"description": HTTPStatus(status).phrase}
        | ({} if status == HTTPStatus.NO_CONTENT else {"content": {spec.content_type: media}})
        for status in sorted({spec.status, *spec.also})
    }
    for status in problem_statuses(spec):
        responses[str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
    operation["responses"] = responses
    return operation
