"""Logs are JSON with a correlation id and never a customer's contact details; metrics are EMF."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from chalice.local import LambdaContext

from app import order_intake
from chalicelib.observability import masked
from tests.conftest import order_body, post

EMAIL, PHONE = "secret.person@example.com", "+31699999999"


def log_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_request_logs_carry_correlation_id_and_no_customer_contact(client, admin, capsys, logs):
    body = order_body(customer={"id": "c-log", "email": EMAIL, "phone": PHONE, "name": "Geheim"})
    response = post(client, "/orders", body, {**admin, "X-Correlation-Id": "corr-42"})
    assert response.status_code == 201
    assert response.headers["X-Correlation-Id"] == "corr-42"
    post(client, "/orders", {**body, "lines": "not a list"}, admin)
    printed = capsys.readouterr().out
    created = [ln for ln in log_lines(logs.getvalue()) if ln.get("message") == "order created"]
    assert created and created[0]["correlation_id"] == "corr-42"
    emf = [ln for ln in log_lines(printed) if ln.get("_aws", {}).get("CloudWatchMetrics")]
    assert any(ln.get("OrdersCreated") == [1.0] and ln.get("channel") == "webshop" for ln in emf), emf
    out = logs.getvalue() + printed
    assert EMAIL not in out and PHONE not in out and "Geheim" not in out


def test_a_failed_message_is_logged_masked(aws, logs):
    message = {"role": "channel:webshop", "order": order_body(customer={"id": "c", "email": EMAIL}, lines=[])}
    event = {
        "Records": [
            {
                "messageId": "m-1",
                "receiptHandle": "r",
                "body": json.dumps(message),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "ApproximateFirstReceiveTimestamp": "1795906419947",
                    "SenderId": "AIDAEXAMPLE",
                    "SentTimestamp": "1795906419900",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:oms-test-order-intake",
                "awsRegion": "eu-west-1",
            }
        ]
    }
    with contextlib.suppress(Exception):  # every record failed: Powertools raises for the whole batch
        order_intake(event, LambdaContext("order_intake", memory_size=512, max_runtime_ms=60_000))
    out = logs.getvalue()
    failed = [ln for ln in log_lines(out) if ln.get("message") == "message failed"]
    assert failed and failed[0]["body"]["order"]["customer"]["email"] == "*****"
    assert EMAIL not in out


def test_masking_erases_contact_details_at_any_depth():
    data = {"customer": {"id": "c", "email": EMAIL, "name": "N", "phone": PHONE}, "lines": [{"sku": "A"}]}
    out = masked(data)
    assert out["customer"]["id"] == "c" and out["lines"] == [{"sku": "A"}]
    assert EMAIL not in json.dumps(out) and PHONE not in json.dumps(out)
    assert masked("plain") == "plain"
