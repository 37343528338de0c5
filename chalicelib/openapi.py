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
    from chalicelib.http.ops_api import VERSION
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
        "tags": [{"name": tag} for tag in dict.fromkeys(spec.tag for spec in routes)],
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
        statuses |= {401, 403}
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
    if spec.public:
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


# The page for people: self-contained (no CDN; many operators' networks reach none). It fetches
# openapi.json relative to itself, so it works under an API Gateway stage prefix too.
DOCS_PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OMS API</title>
<style>
  body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         color: #1d2330; background: #f5f6f8; }
  header { background: #1d2330; color: #fff; padding: 1rem 2rem; }
  header h1 { margin: 0; font-size: 1.5rem; }
  header a { color: #9cc4ff; }
  main { max-width: 72rem; margin: 0 auto; padding: 1rem 2rem 4rem; }
  nav { margin: 1rem 0; }
  nav a { margin-right: 1rem; }
  h2 { border-bottom: 2px solid #d6dae1; padding-bottom: .25rem; margin-top: 2.5rem; text-transform: capitalize; }
  h3 { margin: 1.5rem 0 .25rem; }
  h4 { margin: 1rem 0 .25rem; font-size: .95rem; }
  details.op { background: #fff; border: 1px solid #d6dae1; border-radius: 6px; margin: .5rem 0; }
  details.op > summary { cursor: pointer; padding: .6rem .8rem; display: flex; flex-wrap: wrap; gap: .8rem;
                         align-items: baseline; }
  details.op[open] > summary { border-bottom: 1px solid #e6e9ee; }
  .op-body { padding: 0 1rem 1rem; }
  .method { font: bold 12px/1 ui-monospace, SFMono-Regular, Menlo, monospace; padding: .35rem .5rem;
            border-radius: 4px; color: #fff; min-width: 3.6rem; text-align: center; background: #555; }
  .GET { background: #2f6fb3; } .POST { background: #2e7d4f; } .PUT { background: #a86b12; }
  .PATCH { background: #7a4fb3; } .DELETE { background: #b83232; }
  .path { font: 600 14px ui-monospace, SFMono-Regular, Menlo, monospace; }
  .roles { margin-left: auto; font-size: 13px; color: #555; }
  table { border-collapse: collapse; width: 100%; margin: .25rem 0 .75rem; font-size: 14px; background: #fff; }
  th, td { text-align: left; border-bottom: 1px solid #e6e9ee; padding: .3rem .5rem; vertical-align: top; }
  th { font-weight: 600; color: #444; }
  code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; background: #eceff3; padding: 0 .25rem;
         border-radius: 3px; }
  .required { color: #b83232; font-weight: bold; }
  .muted { color: #666; }
  .schema { background: #fff; border: 1px solid #d6dae1; border-radius: 6px; padding: .25rem 1rem .5rem;
            margin: .75rem 0; }
  pre { white-space: pre-wrap; }
</style>
</head>
<body>
<header>
  <h1 id="title">OMS API</h1>
  <div id="meta">Loading the contract from <a href="openapi.json">openapi.json</a>...</div>
</header>
<main id="doc"><noscript>This page renders <a href="openapi.json">openapi.json</a> with JavaScript.</noscript></main>
<script>
"use strict";
let spec = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value; else node.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const code = (text) => el("code", {}, text);
const refName = (ref) => decodeURIComponent(ref.split("/").pop());
const schemaLink = (ref) => el("a", { href: "#schema-" + refName(ref) }, refName(ref));

function resolve(obj) {
  if (!obj || !obj.$ref) return obj;
  return obj.$ref.slice(2).split("/")
    .reduce((node, key) => node[key.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
}

function joined(parts, separator) {
  const out = [];
  parts.forEach((part, i) => { if (i) out.push(separator); out.push(part); });
  return out;
}

// A readable type: links to named schemas, unions with |, arrays with [].
function typeOf(s) {
  if (!s || Object.keys(s).length === 0) return "any";
  if (s.$ref) return schemaLink(s.$ref);
  for (const key of ["oneOf", "anyOf", "allOf"]) {
    if (s[key]) return joined(s[key].map(typeOf), key === "allOf" ? " & " : " | ");
  }
  if (s.const !== undefined) return code(JSON.stringify(s.const));
  if (s.enum) return joined(s.enum.map((v) => code(JSON.stringify(v))), " | ");
  if (s.type === "array") return [typeOf(s.items), "[]"];
  if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object") {
    return ["object of ", typeOf(s.additionalProperties)];
  }
  const type = Array.isArray(s.type) ? s.type.join(" | ") : (s.type || "any");
  return s.format ? type + " (" + s.format + ")" : type;
}

const RULES = [
  ["minLength", "length >= "], ["maxLength", "length <= "], ["minimum", ">= "], ["maximum", "<= "],
  ["exclusiveMinimum", "> "], ["exclusiveMaximum", "< "], ["minItems", "items >= "], ["maxItems", "items <= "],
];

function notes(s) {
  const out = [];
  const seen = [s, ...(s.anyOf || []), ...(s.oneOf || [])];
  for (const part of seen) {
    for (const [key, label] of RULES) if (part[key] !== undefined) out.push(label + part[key]);
    if (part.pattern) out.push(["pattern ", code(part.pattern)]);
    if (part.examples) out.push(["e.g. ", joined(part.examples.map((v) => code(JSON.stringify(v))), ", ")]);
  }
  if (s.default !== undefined && s.default !== null) out.push(["default ", code(JSON.stringify(s.default))]);
  if (s.description) out.push(s.description);
  return joined(out, "; ");
}

function schemaTable(schema) {
  const s = resolve(schema) || {};
  if (!s.properties) return el("p", {}, typeOf(schema), " ", notes(s));
  const required = new Set(s.required || []);
  return el("table", {},
    el("tr", {}, el("th", {}, "field"), el("th", {}, "type"), el("th", {}, "notes")),
    Object.entries(s.properties).map(([name, prop]) => el("tr", {},
      el("td", {}, code(name), required.has(name) ? el("span", { class: "required", title: "required" }, " *") : ""),
      el("td", {}, typeOf(prop)),
      el("td", {}, notes(prop)))),
    s.additionalProperties === false ? null
      : el("tr", {}, el("td", { class: "muted", colspan: "3" }, "other fields are allowed")));
}

function parametersTable(parameters) {
  return el("table", {},
    el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "type"), el("th", {}, "description")),
    parameters.map(resolve).map((p) => el("tr", {},
      el("td", {}, code(p.name), p.required ? el("span", { class: "required", title: "required" }, " *") : ""),
      el("td", {}, p.in),
      el("td", {}, typeOf(p.schema), " ", notes(p.schema || {})),
      el("td", {}, p.description || ""))));
}

function responsesTable(responses) {
  return el("table", {},
    el("tr", {}, el("th", {}, "status"), el("th", {}, "meaning"), el("th", {}, "body")),
    Object.entries(responses).map(([status, response]) => {
      const r = resolve(response);
      const bodies = Object.entries(r.content || {}).map(([type, media]) =>
        el("div", {}, code(type), media.schema ? [" ", typeOf(media.schema)] : ""));
      return el("tr", {}, el("td", {}, code(status)), el("td", {}, r.description || ""), el("td", {}, bodies));
    }));
}

function operation(path, method, op) {
  const roles = op["x-roles"] ? "roles: " + op["x-roles"].join(", ") : "public";
  const id = "op-" + (op.operationId || method + path);
  return el("details", { class: "op", id: id },
    el("summary", {},
      el("span", { class: "method " + method.toUpperCase() }, method.toUpperCase()),
      el("span", { class: "path" }, path),
      el("span", {}, op.summary || ""),
      el("span", { class: "roles" }, roles)),
    el("div", { class: "op-body" },
      op.description ? el("p", {}, op.description) : null,
      op.parameters ? [el("h4", {}, "Parameters"), parametersTable(op.parameters)] : null,
      op.requestBody ? Object.entries(op.requestBody.content).map(([type, media]) =>
        [el("h4", {}, "Request body ", code(type), " ", typeOf(media.schema)), schemaTable(media.schema)]) : null,
      el("h4", {}, "Responses"), responsesTable(op.responses)));
}

function render() {
  const doc = document.getElementById("doc");
  doc.replaceChildren();
  document.getElementById("title").textContent = spec.info.title + " API " + spec.info.version;
  document.title = spec.info.title + " API";
  document.getElementById("meta").replaceChildren(
    "OpenAPI " + spec.openapi + " - the machine-readable contract: ",
    el("a", { href: "openapi.json" }, "openapi.json"));

  const byTag = new Map((spec.tags || []).map((t) => [t.name, []]));
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ["other"])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push([path, method, op]);
    }
  }
  doc.append(el("nav", {},
    [...byTag.keys()].map((tag) => el("a", { href: "#tag-" + tag }, tag)),
    spec["x-events"] ? el("a", { href: "#events" }, "events") : null,
    el("a", { href: "#schemas" }, "schemas")));
  if (spec.info.description) doc.append(el("pre", { class: "muted" }, spec.info.description));
  const bearer = ((spec.components || {}).securitySchemes || {}).bearer;
  if (bearer) doc.append(el("p", {}, el("b", {}, "Authentication: "), "Authorization: Bearer <token>. ",
    bearer.description || ""));

  for (const [tag, ops] of byTag) {
    doc.append(el("h2", { id: "tag-" + tag }, tag), ...ops.map(([path, method, op]) => operation(path, method, op)));
  }
  if (spec["x-events"]) {
    doc.append(el("h2", { id: "events" }, "Events"),
      el("p", {}, "Published on the EventBridge bus; each detail is described by its schema."),
      el("table", {},
        el("tr", {}, el("th", {}, "detail-type"), el("th", {}, "source"), el("th", {}, "detail")),
        Object.entries(spec["x-events"]).map(([name, ev]) => el("tr", {},
          el("td", {}, code(name)), el("td", {}, code(ev.source)), el("td", {}, typeOf(ev.detail))))));
  }
  doc.append(el("h2", { id: "schemas" }, "Schemas"));
  for (const [name, schema] of Object.entries((spec.components || {}).schemas || {})) {
    doc.append(el("div", { class: "schema", id: "schema-" + name },
      el("h3", {}, name), schema.description ? el("p", {}, schema.description) : null, schemaTable(schema)));
  }
  if (location.hash) {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) { if (target.tagName === "DETAILS") target.open = true; target.scrollIntoView(); }
  }
}

fetch("openapi.json", { headers: { Accept: "application/json" } })
  .then((response) => {
    if (!response.ok) throw new Error("openapi.json answered " + response.status);
    return response.json();
  })
  .then((loaded) => { spec = loaded; render(); })
  .catch((error) => {
    document.getElementById("meta").textContent = "Could not load openapi.json: " + error.message;
  });
</script>
</body>
</html>
"""
