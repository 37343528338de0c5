"""POST /webhooks/{channelId}: the signature on the raw body, nothing kept when it fails, repeats
kept once, WooCommerce's ping, secrets overlapping after a rotation and never shown or logged."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib.http import routing
from tests.captured import payload
from tests.channels import QUEUE, SECRET, connect, deliver, raw, shopify_headers, woo_headers
from tests.conftest import put

SHOP = "shopify-nl"
WOO = "woo-nl"


def inbox_state(aws: dict[str, str]) -> tuple[int, int]:
    """(deliveries kept in the table, messages on the inbox queue)."""
    items = boto3.client("dynamodb").scan(TableName="oms-test-orders")["Items"]
    kept = sum(1 for i in items if i["PK"]["S"].startswith("DELIVERY#"))
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws[QUEUE], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return kept, int(attributes["ApproximateNumberOfMessages"])


def test_a_forged_signature_is_401_and_nothing_is_kept(client, admin, aws):
    connect(client, admin, SHOP, "shopify")
    body = raw(payload("shopify_orders_create.json"))
    forged = shopify_headers(body, "orders/create", secret="not-the-secret-" + "x" * 16)
    unsigned = {k: v for k, v in forged.items() if k != "X-Shopify-Hmac-Sha256"}
    tampered = shopify_headers(body, "orders/create")

    for headers, sent in ((forged, body), (unsigned, body), (tampered, body.replace(b"403.00", b"4.03"))):
        answer = deliver(client, SHOP, sent, headers)
        assert answer.status_code == 401, answer.body
    assert inbox_state(aws) == (0, 0)


def test_a_repeated_delivery_is_answered_the_same_and_queued_once(client, admin, aws):
    connect(client, admin, SHOP, "shopify")
    body = raw(payload("shopify_orders_create.json"))
    headers = shopify_headers(body, "orders/create", webhook_id="b54557e4-8a5f-4bf7-8d70-bcd043000001")

    answers = [deliver(client, SHOP, body, headers) for _ in range(3)]

    assert {(a.status_code, a.body) for a in answers} == {(202, b'{"status": "accepted"}')}
    assert inbox_state(aws) == (1, 1)


def test_woocommerce_deliveries_sharing_a_delivery_id_are_told_apart_by_order_and_modified_time(client, admin, aws):
    connect(client, admin, WOO, "woocommerce")
    first = payload("woocommerce_order.json")
    second = {**first, "id": 728}
    later = {**first, "date_modified_gmt": "2017-03-22T19:30:00"}
    for order in (first, second, later, first):  # one second: one Delivery-ID for all
        body = raw(order)
        answer = deliver(client, WOO, body, woo_headers(body, "order.updated", delivery_id="same-second"))
        assert answer.status_code == 202, answer.body
    assert inbox_state(aws) == (3, 3)


def test_the_woocommerce_ping_gets_exactly_200_and_nothing_is_kept(client, admin, aws):
    connect(client, admin, WOO, "woocommerce")
    answer = deliver(client, WOO, b"webhook_id=31", {"Content-Type": "application/x-www-form-urlencoded"})
    assert (answer.status_code, json.loads(answer.body)) == (200, {"status": "ping"})
    assert inbox_state(aws) == (0, 0)


def test_a_signed_topic_the_oms_does_not_take_is_200_and_not_kept(client, admin, aws):
    connect(client, admin, SHOP, "shopify")
    body = b'{"id": 1}'
    answer = deliver(client, SHOP, body, shopify_headers(body, "products/update"))
    assert (answer.status_code, json.loads(answer.body)) == (200, {"status": "ignored"})
    assert inbox_state(aws) == (0, 0)


def test_unknown_channels_and_channels_without_a_connector_are_404(client, admin):
    put(client, "/channels/popup", {"type": "webshop"}, admin)
    body = b"{}"
    for channel in ("nope", "popup"):
        answer = deliver(client, channel, body, shopify_headers(body, "orders/create"))
        assert answer.status_code == 404, answer.body


def test_the_previous_secret_verifies_after_a_rotation_until_the_new_one_is_put_twice(client, admin, aws):
    connect(client, admin, SHOP, "shopify")
    new = "shpss_rotated_" + "Q" * 20
    put(client, f"/channels/{SHOP}", {"type": "shopify", "secret": new}, admin)
    body = raw(payload("shopify_orders_create.json"))
    for secret in (SECRET, new):
        assert deliver(client, SHOP, body, shopify_headers(body, "orders/create", secret=secret)).status_code == 202

    put(client, f"/channels/{SHOP}", {"type": "shopify", "secret": new}, admin)
    assert deliver(client, SHOP, body, shopify_headers(body, "orders/create", secret=SECRET)).status_code == 401
    assert deliver(client, SHOP, body, shopify_headers(body, "orders/create", secret=new)).status_code == 202


def test_no_secret_in_any_answer_or_log_line(client, admin, logs):
    connect(client, admin, SHOP, "shopify", currency="EUR", locationMap={"ams": "store-ams-kalverstraat"})
    body = raw(payload("shopify_orders_create.json"))
    answers = [
        deliver(client, SHOP, body, shopify_headers(body, "orders/create")),
        deliver(client, SHOP, body, shopify_headers(body, "orders/create", secret="wrong-" + "y" * 16)),
        client.http.get("/channels", headers=admin),
    ]
    assert [a.status_code for a in answers] == [202, 401, 200]
    [channel] = [c for c in json.loads(answers[2].body)["items"] if c["channelId"] == SHOP]
    assert (
        channel["hasSecret"]
        and channel["currency"] == "EUR"
        and channel["locationMap"] == {"ams": "store-ams-kalverstraat"}
    )
    for text in [a.body.decode() for a in answers] + [logs.getvalue()]:
        assert SECRET not in text


def test_the_webhook_is_the_one_route_that_changes_things_without_a_token():
    open_changes = [s for s in routing.specs() if s.public and s.method not in ("GET", "HEAD", "OPTIONS")]
    assert [(s.method, s.path, s.signed) for s in open_changes] == [("POST", "/webhooks/{channel_id}", True)]

    with pytest.raises(ValueError, match="must be signed"):
        routing.route(routing.Routes("x", tag="x"), "/open", methods=("POST",), roles=None)


def test_the_openapi_document_says_how_the_webhook_is_authenticated(client: Any):
    doc = json.loads(client.http.get("/openapi.json").body)
    operation = doc["paths"]["/webhooks/{channel_id}"]["post"]
    assert operation["security"] == [] and "signature" in operation["description"]
    assert {"200", "202", "401", "404"} <= set(operation["responses"])
