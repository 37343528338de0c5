"""The orders API through chalice.test.Client, on moto."""

from __future__ import annotations

import json

import pytest

from tests.conftest import bearer, issue_token, order_body, post

pytestmark = pytest.mark.usefixtures("demo")


def test_create_then_read_whole_order(client, admin):
    body = order_body()
    created = post(client, "/orders", body, admin)
    assert created.status_code == 201, created.body
    order = json.loads(created.body)
    assert order["status"] == "in_fulfilment"
    assert order["version"] == 1
    assert [ln["status"] for ln in order["lines"]] == ["allocated", "allocated"]
    [fo] = order["fulfilmentOrders"]
    assert (fo["locationId"], fo["method"], fo["status"]) == ("dc-tilburg", "home_delivery", "released")
    assert fo["destination"]["address"]["city"] == "Amsterdam"
    assert [h["type"] for h in order["history"]] == ["OrderCreated", "OrderSourced", "FulfilmentOrderDispatched"]
    assert order["total"] == {"amount": "59.90", "currency": "EUR"}
    assert order["history"][0]["type"] == "OrderCreated"
    assert created.headers["Location"] == f"/orders/{order['orderId']}"

    read = client.http.get(f"/orders/{order['orderId']}", headers=admin)
    assert read.status_code == 200
    assert json.loads(read.body) == order


def test_duplicate_channel_order_gets_409_with_existing_id(client, admin):
    body = order_body()
    first = json.loads(post(client, "/orders", body, admin).body)
    again = post(client, "/orders", {**body, "lines": body["lines"][:1]}, admin)
    assert again.status_code == 409
    problem = json.loads(again.body)
    assert again.headers["Content-Type"] == "application/problem+json"
    assert problem["orderId"] == first["orderId"]


def test_idempotency_key_replays_first_answer_and_refuses_other_body(client, admin):
    body = order_body()
    headers = {**admin, "Idempotency-Key": "k-123"}
    first = post(client, "/orders", body, headers)
    second = post(client, "/orders", body, headers)
    assert first.status_code == second.status_code == 201
    assert json.loads(first.body) == json.loads(second.body)
    other = post(client, "/orders", order_body(), headers)
    assert other.status_code == 409
    assert "Idempotency-Key" in json.loads(other.body)["detail"]
    listing = json.loads(client.http.get("/orders?channel=webshop", headers=admin).body)
    assert [o["orderId"] for o in listing["items"]] == [json.loads(first.body)["orderId"]]


def test_customer_history_newest_first_across_channels(client, admin):
    customer = {"id": "cust-history", "email": "b@example.com"}
    older = order_body(customer=customer, placedAt="2026-01-01T09:00:00Z")
    newer = order_body(
        customer=customer, placedAt="2026-03-01T09:00:00+01:00", channel="store", storeId="store-ams-kalverstraat"
    )
    newer.pop("delivery")
    ids = [json.loads(post(client, "/orders", b, admin).body)["orderId"] for b in (older, newer)]
    page = json.loads(client.http.get("/customers/cust-history/orders?limit=1", headers=admin).body)
    assert [o["orderId"] for o in page["items"]] == [ids[1]]
    rest = json.loads(
        client.http.get(f"/customers/cust-history/orders?cursor={page['nextCursor']}", headers=admin).body
    )
    assert [o["orderId"] for o in rest["items"]] == [ids[0]]


def test_store_sale_without_delivery_is_carry_out_at_that_store(client, admin):
    body = order_body(channel="store", storeId="store-utr-oudegracht")
    body.pop("delivery")
    order = json.loads(post(client, "/orders", body, admin).body)
    assert {ln["delivery"]["method"] for ln in order["lines"]} == {"carry_out"}
    assert {ln["delivery"]["locationId"] for ln in order["lines"]} == {"store-utr-oudegracht"}


def test_list_by_status_and_external_id(client, admin):
    body = order_body()
    order = json.loads(post(client, "/orders", body, admin).body)
    by_status = json.loads(client.http.get("/orders?status=in_fulfilment", headers=admin).body)
    assert order["orderId"] in [o["orderId"] for o in by_status["items"]]
    by_ext = json.loads(client.http.get(f"/orders?channel=webshop&externalId={body['externalId']}", headers=admin).body)
    assert [o["orderId"] for o in by_ext["items"]] == [order["orderId"]]


def test_cancel_lines_with_stale_if_match_gets_412_and_changes_nothing(client, admin):
    order = json.loads(post(client, "/orders", order_body(), admin).body)
    path = f"/orders/{order['orderId']}/cancellations"
    cancel = {"lines": [{"lineId": "1", "quantity": 1}], "reason": "customer changed mind"}
    ok = post(client, path, cancel, {**admin, "If-Match": "1"})
    assert ok.status_code == 200, ok.body
    after = json.loads(ok.body)
    assert after["version"] == 2
    assert after["lines"][0]["cancelledQuantity"] == 1
    assert after["refunds"][0]["amount"] == {"amount": "19.95", "currency": "EUR"}
    assert [h["type"] for h in after["history"]] == [
        "OrderCreated",
        "OrderSourced",
        "FulfilmentOrderDispatched",
        "OrderLinesCancelled",
        "RefundRequested",
    ]
    # The cancelled unit's reservation went back to the DC; the other stays reserved.
    assert [ln["quantity"] for ln in after["fulfilmentOrders"][0]["lines"]] == [1, 1]
    stock = json.loads(client.http.get("/inventory/TEE-WHITE-M", headers=admin).body)["items"]
    assert {r["locationId"]: r["reserved"] for r in stock}["dc-tilburg"] == 1

    stale = post(client, path, cancel, {**admin, "If-Match": "1"})
    assert stale.status_code == 412
    assert json.loads(stale.body)["currentVersion"] == 2
    unchanged = json.loads(client.http.get(f"/orders/{order['orderId']}", headers=admin).body)
    assert unchanged == after


def test_cancel_everything_cancels_order(client, admin):
    order = json.loads(post(client, "/orders", order_body(), admin).body)
    cancel = {"lines": [{"lineId": "1", "quantity": 2}, {"lineId": "2", "quantity": 1}], "reason": "fraud"}
    after = json.loads(post(client, f"/orders/{order['orderId']}/cancellations", cancel, admin).body)
    assert after["status"] == "cancelled"
    assert after["history"][-1]["type"] == "OrderStatusChanged"


def test_channel_token_sees_only_its_channel(client, admin):
    webshop = bearer(issue_token("channel:webshop"))
    app_token = bearer(issue_token("channel:app"))
    order = json.loads(post(client, "/orders", order_body(), webshop).body)
    assert client.http.get(f"/orders/{order['orderId']}", headers=webshop).status_code == 200
    assert client.http.get(f"/orders/{order['orderId']}", headers=app_token).status_code == 403
    assert post(client, "/orders", order_body(channel="webshop"), app_token).status_code == 403
    assert client.http.get("/orders?channel=webshop", headers=app_token).status_code == 403


def test_a_store_sells_and_cancels_at_its_own_till_only(client, admin):
    body = order_body(channel="store", storeId="store-ams-kalverstraat")
    body.pop("delivery")
    order = json.loads(post(client, "/orders", body, admin).body)
    other = bearer(issue_token("store:store-rtm-lijnbaan"))
    cancel = {"lines": [{"lineId": "1", "quantity": 1}], "reason": "x"}
    refused = post(client, f"/orders/{order['orderId']}/cancellations", cancel, other)
    assert refused.status_code == 403
    assert json.loads(refused.body)["status"] == 403
    assert post(client, "/orders", {**body, "externalId": "other"}, other).status_code == 403


def test_tokens_are_admin_only_and_stored_hashed(client, admin):
    made = post(client, "/tokens", {"role": "cs"}, admin)
    assert made.status_code == 201
    token = json.loads(made.body)["token"]
    assert post(client, "/tokens", {"role": "admin"}, bearer(token)).status_code == 403
    import boto3

    items = boto3.client("dynamodb").scan(TableName="oms-test-orders")["Items"]
    assert token not in json.dumps(items)
