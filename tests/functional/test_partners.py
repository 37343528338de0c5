"""Drop-ship partners: an external DC's fulfilment order goes outbox -> bus -> partner-dispatch queue
-> a signed POST to the partner's URL (a real HTTP server here); the partner answers with its dc: token."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib.resources import RESOURCES
from infra.demo import DEMO_NETWORK
from infra.pump import Pump, QueueCounts
from tests.conftest import bearer, issue_token, order_body, post, put

pytestmark = pytest.mark.usefixtures("demo")
XDC = "xdc-venlo"
SAMPLES = Path(__file__).resolve().parents[1] / "events"
QUEUE = "partner-dispatch"
SECRET = "whsec_partner_" + "Z9y8X7w6V5u4" * 2
TRACKING = {"carrier": "DHL", "code": "JVGL0123456789", "url": "https://www.dhl.com/nl-en/track/JVGL0123456789"}


@dataclass
class Partner:
    """What the partner's server received (header names in lower case); `status` is what it answers next."""

    url: str
    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def partner() -> Iterator[Partner]:
    """A partner's endpoint: http.server on 127.0.0.1, a random port, in a thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    found = Partner(url=f"http://127.0.0.1:{server.server_address[1]}/oms/fulfilment-orders?token=t0k")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            found.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(found.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


def venlo(**partner: Any) -> dict[str, Any]:
    """The demo's external DC as PUT /locations takes it, with a partner block when given."""
    body: dict[str, Any] = json.loads(DEMO_NETWORK.read_text())["locations"][XDC]
    return {**body, "partner": partner} if partner else body


def connect(client: Any, admin: dict[str, str], url: str, secret: str | None = SECRET) -> dict[str, Any]:
    answer = put(client, f"/locations/{XDC}", venlo(url=url, **({"secret": secret} if secret else {})), admin)
    assert answer.status_code == 200, answer.body
    location: dict[str, Any] = json.loads(answer.body)
    return location


def sofa_order(client: Any, admin: dict[str, str]) -> tuple[str, str]:
    """A drop-ship order (only the partner stocks the sofa): its order id and fulfilment order id."""
    lines = [{"lineId": "1", "sku": "SOFA-2SEAT", "quantity": 1, "unitPrice": {"amount": "59.90", "currency": "EUR"}}]
    answer = post(client, "/orders", order_body(lines=lines), admin)
    assert answer.status_code == 201, answer.body
    order = json.loads(answer.body)
    [fo] = order["fulfilmentOrders"]
    assert fo["locationId"] == XDC
    return order["orderId"], fo["fulfilmentOrderId"]


def pump_dispatches(pump: Pump) -> QueueCounts:
    """One pass relays the outbox to the bus (and the rule to the queue); the next drains the queue."""
    pump.run_once()
    return pump.run_once().queues[QUEUE]


def signed(headers: dict[str, str], body: bytes) -> bool:
    """The partner's check, written from the README rather than from our code."""
    expected = hmac.new(SECRET.encode(), f"{headers['x-oms-timestamp']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(headers["x-oms-signature"], f"sha256={expected.hexdigest()}")


def bus_event(ids: dict[str, str]) -> dict[str, Any]:
    """The sample FulfilmentOrderDispatched (tests/events) for these ids, as the rule puts it on the queue."""
    detail = {**json.loads(SAMPLES.joinpath("FulfilmentOrderDispatched.json").read_text()), **ids}
    return {
        "version": "0",
        "id": "redelivered",
        "detail-type": "FulfilmentOrderDispatched",
        "source": "oms",
        "time": "2026-11-25T10:00:01Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": detail,
    }


def emitted(printed: str, name: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in printed.splitlines() if line.startswith("{")]
    return [ln for ln in lines if name in ln and ln.get("_aws", {}).get("CloudWatchMetrics")]


def test_a_drop_ship_order_is_posted_signed_to_the_partner_who_reports_back_with_its_token(
    client, admin, partner, capsys, aws
):
    location = connect(client, admin, partner.url)
    assert location["partner"] == {"url": partner.url} and "secret" not in json.dumps(location)
    stored = boto3.client("secretsmanager").get_secret_value(SecretId=f"oms-test/partners/{XDC}")
    assert stored["SecretString"] == SECRET
    order_id, fo_id = sofa_order(client, admin)

    assert pump_dispatches(Pump(retry_delay_s=0)).succeeded >= 1
    [(headers, body)] = partner.received
    assert signed(headers, body)
    assert headers["idempotency-key"] == fo_id and headers["content-type"] == "application/json"
    sent = json.loads(body)
    assert sent == {
        "fulfilmentOrderId": fo_id,
        "orderId": order_id,
        "locationId": XDC,
        "method": "home_delivery",
        "destination": {
            "address": {"line1": "Damrak 1", "postalCode": "1012 LG", "city": "Amsterdam", "country": "NL"}
        },
        "lines": [{"lineId": "1", "sku": "SOFA-2SEAT", "quantity": 1}],
        "createdAt": sent["createdAt"],
    }
    assert sent["createdAt"].startswith("20")
    printed = capsys.readouterr().out
    assert any(m["outcome"] == "sent" and m["location"] == XDC for m in emitted(printed, "PartnerDispatches"))
    assert SECRET not in printed and headers["x-oms-signature"] not in printed

    # The partner's side: its dc: token moves the fulfilment order through the built-in home flow.
    dc = bearer(issue_token(f"dc:{XDC}"))
    for event, extra in (("accept", {}), ("pick", {}), ("ship", {"tracking": TRACKING}), ("deliver", {})):
        answer = post(client, f"/fulfilment-orders/{fo_id}/events", {"type": event, **extra}, dc)
        assert answer.status_code == 200, (event, answer.body)
    fo = json.loads(client.http.get(f"/fulfilment-orders/{fo_id}", headers=dc).body)
    assert (fo["status"], fo["tracking"]) == ("delivered", TRACKING)
    order = json.loads(client.http.get(f"/orders/{order_id}", headers=admin).body)
    assert (order["status"], order["lines"][0]["status"]) == ("completed", "delivered")
    # SQS delivers at least once: the same dispatch again, after the partner took it on, sends nothing.
    again = bus_event({"orderId": order_id, "fulfilmentOrderId": fo_id, "locationId": XDC})
    boto3.client("sqs").send_message(QueueUrl=aws[QUEUE], MessageBody=json.dumps(again))
    assert Pump(retry_delay_s=0).run_once().queues[QUEUE].succeeded == 1 and len(partner.received) == 1
    assert [m["outcome"] for m in emitted(capsys.readouterr().out, "PartnerDispatches")] == ["moved_on"]


def test_a_failing_partner_fails_the_record_which_is_retried_with_the_same_key_and_body(client, admin, partner, capsys):
    connect(client, admin, partner.url)
    _, fo_id = sofa_order(client, admin)
    pump = Pump(retry_delay_s=0)

    partner.status = 500
    counts = pump_dispatches(pump)
    assert (counts.received, counts.failed) == (1, 1)
    printed = capsys.readouterr().out
    failures = emitted(printed, "PartnerDispatchFailures")
    assert [(m["location"], m["reason"]) for m in failures] == [(XDC, "unavailable")]

    partner.status = 202
    assert pump.run_once().queues[QUEUE].succeeded == 1
    (first_headers, first), (again_headers, again) = partner.received
    assert first == again and first_headers["idempotency-key"] == again_headers["idempotency-key"] == fo_id
    assert signed(again_headers, again)


def test_a_partner_refusing_the_hand_over_dead_letters_it_with_the_reason(client, admin, partner):
    connect(client, admin, partner.url)
    sofa_order(client, admin)
    partner.status = 404
    pump = Pump(retry_delay_s=0)
    pump.run_once()  # relays the event; then one pass a receive, and one that finds it over the limit
    for _ in range(RESOURCES.queue(QUEUE).max_receive_count + 1):
        pump.run_once()
    assert len(partner.received) == RESOURCES.queue(QUEUE).max_receive_count

    ops = bearer(issue_token("ops"))
    answer = client.http.get(f"/ops/dead-letters?queue={QUEUE}", headers=ops)
    [queue] = json.loads(answer.body)["queues"]
    [letter] = queue["messages"]
    # The host and status, never the URL's path and query (a partner's token may be there) nor the secret.
    assert letter["reason"] == "PartnerRefused: the partner at 127.0.0.1 answered 404", letter
    assert "t0k" not in answer.body.decode() and SECRET not in answer.body.decode()


def test_an_unreachable_partner_is_retried(client, admin, capsys):
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        port = closed.server_address[1]  # nothing listens there once closed
    connect(client, admin, f"http://127.0.0.1:{port}/orders")
    sofa_order(client, admin)
    assert pump_dispatches(Pump(retry_delay_s=0)).failed == 1
    assert [m["reason"] for m in emitted(capsys.readouterr().out, "PartnerDispatchFailures")] == ["unavailable"]


def test_a_partner_without_a_url_is_skipped_with_a_log_and_a_metric(client, admin, capsys, logs):
    _, fo_id = sofa_order(client, admin)  # the demo's partner has no URL: it reads its work queue
    counts = pump_dispatches(Pump(retry_delay_s=0))
    assert counts.failed == 0 and counts.succeeded >= 1
    skipped = [json.loads(line) for line in logs.getvalue().splitlines() if "no partner URL" in line]
    assert [(s["fulfilmentOrderId"], s["locationId"]) for s in skipped] == [(fo_id, XDC)]
    metrics = emitted(capsys.readouterr().out, "PartnerDispatches")
    assert [(m["location"], m["outcome"]) for m in metrics] == [(XDC, "no_url")]


def test_a_fulfilment_order_cancelled_before_its_dispatch_is_not_handed_over(client, admin, partner, capsys):
    connect(client, admin, partner.url)
    order_id, _ = sofa_order(client, admin)
    cancel = {"lines": [{"lineId": "1", "quantity": 1}], "reason": "customer changed mind"}
    assert post(client, f"/orders/{order_id}/cancellations", cancel, admin).status_code == 200
    pump_dispatches(Pump(retry_delay_s=0))
    assert partner.received == []
    metrics = emitted(capsys.readouterr().out, "PartnerDispatches")
    assert [m["outcome"] for m in metrics] == ["moved_on"]


@pytest.mark.parametrize(
    ("partner_block", "where"),
    [
        ({"url": "http://partner.example.com/oms", "secret": SECRET}, ["body", "partner", "url"]),
        ({"url": "ftp://127.0.0.1/oms", "secret": SECRET}, ["body", "partner", "url"]),
        ({"url": "https://user:pw@partner.example.com/oms", "secret": SECRET}, ["body", "partner", "url"]),
        ({"url": "https://partner.example.com/oms", "secret": "short"}, ["body", "partner", "secret"]),
        ({"url": "https://partner.example.com/oms"}, ["body", "partner", "secret"]),  # none stored yet
    ],
)
def test_a_partner_needs_an_https_url_and_a_secret(client, admin, partner_block, where):
    answer = put(client, f"/locations/{XDC}", venlo(**partner_block), admin)
    assert answer.status_code == 422, answer.body
    problem = json.loads(answer.body)
    assert any(e["loc"][: len(where)] == where for e in problem["errors"]), problem


def test_only_an_external_dc_has_a_partner_and_its_secret_is_kept_when_left_out(client, admin):
    store = json.loads(DEMO_NETWORK.read_text())["locations"]["store-ams-kalverstraat"]
    body = {**store, "partner": {"url": "https://partner.example.com/oms", "secret": SECRET}}
    refused = put(client, "/locations/store-ams-kalverstraat", body, admin)
    assert refused.status_code == 422 and "only an external_dc" in json.loads(refused.body)["detail"]

    connect(client, admin, "https://partner.example.com/v1")
    moved = connect(client, admin, "https://partner.example.com/v2", secret=None)  # the stored secret stays
    assert moved["partner"] == {"url": "https://partner.example.com/v2"}
    shown = json.loads(client.http.get(f"/locations/{XDC}", headers=admin).body)
    assert shown["partner"] == {"url": "https://partner.example.com/v2"}
    assert put(client, f"/locations/{XDC}", venlo(), admin).status_code == 200  # no partner any more
    assert json.loads(client.http.get(f"/locations/{XDC}", headers=admin).body).get("partner") is None
