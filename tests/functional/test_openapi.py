"""The OpenAPI document and the docs page: valid, complete, and public."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from app import app
from chalicelib.domain.ids import ID_PATTERN
from chalicelib.http.routing import routes, specs, use_case_named
from chalicelib.openapi import document

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return document()


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op) for path, item in doc["paths"].items() for method, op in item.items() if method in METHODS
    ]


def test_document_is_valid_openapi_31(doc):
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"] == "OMS"
    validate(json.loads(json.dumps(doc)))  # also proves it is plain JSON


def test_every_chalice_route_and_method_is_documented(doc):
    for path, entries in app.routes.items():
        for method in entries:
            assert method.lower() in doc["paths"].get(path, {}), f"{method} {path} is not in /openapi.json"


def test_every_route_declares_roles_through_the_registry():
    registered = {(method, path) for path, entries in app.routes.items() for method in entries}
    assert registered == set(routes())


def test_every_route_declared_as_data_names_a_use_case_that_exists():
    served = [spec.use_case for spec in specs() if spec.use_case is not None]
    assert "orders.cancel_lines" in served
    for name in served:
        assert callable(use_case_named(name)), name


def test_non_public_operations_need_the_bearer_token_and_name_roles(doc):
    roles = routes()
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["bearer"]["description"],
    }
    for path, method, op in operations(doc):
        needed = roles[(method.upper(), path)]
        if needed:
            assert op["security"] == [{"bearer": []}], f"{method} {path}"
            assert op["x-roles"] == sorted(needed)
            assert {"401", "403"} <= set(op["responses"])
        else:
            assert op["security"] == []
            assert "x-roles" not in op


def test_create_order_schema_requires_the_contract_fields_in_camel_case(doc):
    schemas = doc["components"]["schemas"]
    create = doc["paths"]["/orders"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateOrder"
    }
    assert set(schemas["CreateOrder"]["required"]) >= {
        "channel",
        "externalId",
        "customer",
        "placedAt",
        "payment",
        "lines",
    }
    assert "storeId" in schemas["CreateOrder"]["properties"]
    assert "external_id" not in schemas["CreateOrder"]["properties"]
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OrderOut"
    }
    assert {"lineId", "unitPrice"} <= set(schemas["OrderLineIn"]["required"])
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in create["parameters"]


def test_a_location_documents_its_partner_whose_secret_is_write_only(doc):
    schemas = doc["components"]["schemas"]
    ref = {"anyOf": [{"$ref": "#/components/schemas/PartnerIn"}, {"type": "null"}], "default": None}
    assert schemas["PutLocation"]["properties"]["partner"] == ref
    assert schemas["PartnerIn"]["required"] == ["url"]
    assert schemas["PartnerIn"]["properties"]["url"]["format"] == "uri"
    assert schemas["PartnerIn"]["properties"]["secret"]["writeOnly"] is True
    shown = schemas["LocationOut"]["properties"]["partner"]["anyOf"][0]
    assert schemas[shown["$ref"].rsplit("/", 1)[1]]["properties"].keys() == {"url"}


def test_problems_are_problem_json_and_if_match_is_documented(doc):
    cancel = doc["paths"]["/orders/{order_id}/cancellations"]["post"]
    assert {"$ref": "#/components/parameters/IfMatch"} in cancel["parameters"]
    order_id = {"name": "order_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": ID_PATTERN}}
    assert order_id in cancel["parameters"]
    assert {"404", "409", "412", "422"} <= set(cancel["responses"])
    problem = doc["components"]["responses"]["Problem412"]["content"]
    assert problem == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_puts_document_both_statuses_they_answer(client, admin, doc):
    from tests.conftest import put
    from tests.functional.test_network_api import AMS

    calls = [
        ("/locations/{location_id}", "/locations/store-doc", AMS),
        ("/channels/{channel_id}", "/channels/shop-doc", {"type": "webshop", "name": "Doc shop"}),
        ("/inventory/{location_id}/{sku}", "/inventory/store-doc/SKU-DOC", {"onHand": 3}),
    ]
    for template, path, body in calls:
        answered = [put(client, path, body, admin).status_code for _ in range(2)]
        assert answered == [201, 200], path
        assert {"200", "201"} <= set(doc["paths"][template]["put"]["responses"]), template


def test_if_match_is_documented_as_the_version_it_accepts(doc):
    from chalicelib.http.requests import IF_MATCH_PATTERN

    schema = doc["components"]["parameters"]["IfMatch"]["schema"]
    assert schema["pattern"] == IF_MATCH_PATTERN
    assert all(re.fullmatch(IF_MATCH_PATTERN, example) for example in schema["examples"])
    cancel = doc["paths"]["/orders/{order_id}/cancellations"]["post"]["responses"]
    assert {"400", "412"} <= set(cancel)


def test_page_size_bounds_match_the_service(doc):
    from chalicelib.service import orders

    limit = next(p for p in doc["paths"]["/orders"]["get"]["parameters"] if p.get("name") == "limit")
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": orders.MAX_PAGE}


def test_events_are_listed_with_their_schemas(doc):
    from chalicelib.contracts.events import EVENT_MODELS

    assert set(doc["x-events"]) == set(EVENT_MODELS)
    for name, event in doc["x-events"].items():
        target = event["detail"]["$ref"].rsplit("/", 1)[1]
        assert target in doc["components"]["schemas"], name
    assert "from" in doc["components"]["schemas"]["OrderStatusChanged"]["properties"]


def test_openapi_json_is_public(client):
    answer = client.http.get("/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    served = json.loads(answer.body)
    assert served["paths"] == json.loads(json.dumps(document()["paths"]))


def test_docs_page_is_public_and_self_contained(client):
    answer = client.http.get("/docs")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    page = answer.body.decode()
    assert 'fetch("openapi.json"' in page
    assert "http://" not in page
    assert "https://" not in page  # no CDN: operators' networks may reach none


def test_importing_the_app_loads_neither_pydantic_nor_the_contract_models():
    """Cold start: route declarations name their models; the models are built only when used."""
    probe = (
        "import sys, app; print(sorted(m for m in sys.modules if m.startswith(('chalicelib.contracts', 'pydantic'))))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=root, env=dict(os.environ)
    )
    assert out.stdout.strip() == "[]", out.stdout
