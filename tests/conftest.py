"""Shared fixtures: moto for AWS, the tables/queues/bus from the same definitions as the CDK app."""

from __future__ import annotations

import io
import json
import logging
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import chalice.local  # noqa: F401  # loaded before app.py, which then gives it our gateway responses
import pytest

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "OMS_STAGE": "test",
        # Explicit names: chalice.test.Client applies .chalice/config.json's stage variables (OMS_STAGE=dev).
        "OMS_TABLE_ORDERS": "oms-test-orders",
        "OMS_TABLE_IDEMPOTENCY": "oms-test-idempotency",
        "OMS_BUS": "oms-test-events",
        "OMS_CHANNEL_SECRETS": "oms-test/channels",
        "OMS_PARTNER_SECRETS": "oms-test/partners",
        "OMS_QUEUE_PREFIX": "oms-test-",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "oms",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)


@pytest.fixture
def aws() -> Iterator[dict[str, str]]:
    """A fresh moto account with every OMS resource; yields queue key -> URL."""
    import boto3
    from moto import mock_aws

    from chalicelib.adapters import aws as aws_clients
    from chalicelib.adapters import secrets
    from chalicelib.bootstrap import bootstrap
    from chalicelib.service import auth, cache, idempotency
    from infra.provision import provision

    def forget_everything() -> None:
        aws_clients.reset()
        bootstrap.cache_clear()
        idempotency.reset()
        auth.forget_cached()
        cache.forget()
        secrets.forget()

    with mock_aws():
        forget_everything()
        yield provision(boto3.session.Session(), "test")
    forget_everything()


_demo_items: list[dict[str, Any]] = []


@pytest.fixture
def demo(aws: dict[str, str]) -> None:
    """The demo network of `make run` (infra/demo_network.json) with its stock and summaries.

    Loaded through the use cases once per worker, then copied in as raw items (much faster)."""
    import boto3

    from chalicelib.adapters.dynamo import Table
    from chalicelib.service import cache

    dynamodb = boto3.client("dynamodb")
    name = Table().name
    if not _demo_items:
        from chalicelib.service import network
        from infra import demo as demo_network

        # Only what loading the demo wrote: a fixture set up before this one (a test's own rules,
        # say) must not become every later test's demo.
        before = {(i["PK"]["S"], i["SK"]["S"]) for i in dynamodb.scan(TableName=name)["Items"]}
        demo_network.load_if_empty()
        levels = json.loads(demo_network.DEMO_NETWORK.read_text())["stock"]
        network.refresh_summaries(Table(), {(sku, loc) for loc, skus in levels.items() for sku in skus})
        loaded = dynamodb.scan(TableName=name)["Items"]
        _demo_items.extend(i for i in loaded if (i["PK"]["S"], i["SK"]["S"]) not in before)
    else:
        for start in range(0, len(_demo_items), 25):
            batch = _demo_items[start : start + 25]
            dynamodb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": i}} for i in batch]})
    cache.forget()


@pytest.fixture
def client(aws: dict[str, str]) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        validate_answers(test_client)
        yield test_client


def validate_answers(test_client: Any) -> None:
    """Every answer must validate against the model its OpenAPI operation declares (extra fields
    are refused too), and every error must be problem+json: the document and the service cannot
    drift apart unnoticed."""
    import re

    from app import app
    from chalicelib.http import routing

    # Literal paths before templated ones, as API Gateway and Chalice match them.
    templates = sorted(
        ((re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in app.routes),
        key=lambda pair: pair[1].count("{"),
    )
    specs = {(spec.method, spec.path): spec for spec in routing.specs()}
    real = test_client.http.request

    def request(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> Any:
        response = real(method, path, headers=headers, body=body)
        bare = path.split("?", 1)[0]
        template = next((t for pattern, t in templates if pattern.match(bare)), None)
        spec = specs.get((method.upper(), template or ""))
        kind = next((v for k, v in response.headers.items() if k.lower() == "content-type"), "")
        if response.status_code >= 400:
            assert kind.startswith("application/problem+json"), (method, path, response.status_code, kind)
        elif spec is not None and spec.response is not None and kind.startswith("application/json"):
            routing.resolve_model(spec.response).model_validate_json(response.body)
        return response

    test_client.http.request = request


def issue_token(role: str) -> str:
    from chalicelib.adapters.dynamo import Table
    from chalicelib.service import auth

    return auth.issue(Table(), role, created_by="tests")


@pytest.fixture
def admin(aws: dict[str, str]) -> dict[str, str]:
    return bearer(issue_token("admin"))


class ManualClock:
    """A clock that moves only when told: `advance`, or a back-off's `sleep` (recorded in `slept`)."""

    def __init__(self, start: datetime) -> None:
        self.moment = start
        self.elapsed = 0.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.moment

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)
        self.elapsed += seconds


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """The OMS reads time from this clock, stopped at the real now, for the test's duration."""
    from chalicelib import clock as oms_clock

    test_clock = ManualClock(datetime.now(UTC))
    previous = oms_clock.use(test_clock)
    yield test_clock
    oms_clock.use(previous)


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """What the Powertools logger writes, formatted as in Lambda (its own handler holds the real stdout)."""
    from chalicelib.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    yield stream
    logger._logger.removeHandler(handler)  # Powertools forwards addHandler, not removeHandler


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **extra}


def unique(prefix: str = "x") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def order_body(**overrides: Any) -> dict[str, Any]:
    """A valid webshop order, home delivery, with random ids so tests never collide."""
    body: dict[str, Any] = {
        "channel": "webshop",
        "externalId": unique("WEB"),
        "customer": {
            "id": unique("cust"),
            "email": "anna@example.com",
            "name": "Anna de Vries",
            "phone": "+31612345678",
        },
        "placedAt": "2026-11-25T10:00:00Z",
        "payment": {"status": "paid", "amount": {"amount": "59.90", "currency": "EUR"}},
        "delivery": {
            "method": "home_delivery",
            "address": {"line1": "Damrak 1", "postalCode": "1012 LG", "city": "Amsterdam", "country": "NL"},
        },
        "lines": [
            {"lineId": "1", "sku": "TEE-WHITE-M", "quantity": 2, "unitPrice": {"amount": "19.95", "currency": "EUR"}},
            {"lineId": "2", "sku": "CAP-NAVY", "quantity": 1, "unitPrice": {"amount": "20.00", "currency": "EUR"}},
        ],
    }
    body.update(overrides)
    return body


def post(client: Any, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.http.post(path, body=json.dumps(body) if not isinstance(body, str | bytes) else body, headers=headers)


def put(client: Any, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.http.put(path, body=json.dumps(body), headers=headers)


def cancel_lines(client: Any, order_id: str, units: dict[str, int], reason: str, headers: dict[str, str]) -> Any:
    """POST /orders/{id}/cancellations of `units` (line id -> quantity)."""
    lines = [{"lineId": line_id, "quantity": quantity} for line_id, quantity in units.items()]
    return post(client, f"/orders/{order_id}/cancellations", {"lines": lines, "reason": reason}, headers)
