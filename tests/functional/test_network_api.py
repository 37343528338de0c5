"""Locations, channels and stock through the API; feeds and the sourcing summary through the queues."""

from __future__ import annotations

import json

import boto3

from chalicelib.adapters.dynamo import Table
from chalicelib.adapters.stock_repo import SUMMARY_CAP, StockRepository
from infra.pump import Pump
from tests.conftest import bearer, issue_token, order_body, post, put

AMS = {
    "name": "Amsterdam Kalverstraat",
    "type": "store",
    "geo": {"lat": 52.3702, "lon": 4.8910},
    "address": {"line1": "Kalverstraat 1", "postalCode": "1012 NX", "city": "Amsterdam", "country": "NL"},
    "sizeClass": "L",
    "capabilities": ["ship", "collect", "carry_out", "return", "reserve"],
}


def test_location_created_then_replaced_with_versions(client, admin):
    created = put(client, "/locations/store-ams", AMS, admin)
    assert created.status_code == 201, created.body
    assert json.loads(created.body)["version"] == 1
    replaced = put(client, "/locations/store-ams", {**AMS, "sizeClass": "M"}, {**admin, "If-Match": "1"})
    assert replaced.status_code == 200
    assert json.loads(replaced.body)["version"] == 2
    stale = put(client, "/locations/store-ams", AMS, {**admin, "If-Match": "1"})
    assert stale.status_code == 412
    got = json.loads(client.http.get("/locations/store-ams", headers=admin).body)
    assert got["sizeClass"] == "M" and got["geo"] == {"lat": 52.3702, "lon": 4.891}
    listed = json.loads(client.http.get("/locations", headers=admin).body)
    assert [loc["locationId"] for loc in listed["items"]] == ["store-ams"]
    assert client.http.get("/locations/nowhere", headers=admin).status_code == 404


def test_bad_locations_are_refused(client, admin):
    for bad in ({**AMS, "type": "castle"}, {**AMS, "geo": {"lat": 95, "lon": 4}}, {**AMS, "capabilities": ["fly"]}):
        assert put(client, "/locations/x", bad, admin).status_code == 422
    assert put(client, "/locations/x", AMS, bearer(issue_token("ops"))).status_code == 403


def test_stock_counted_reserved_and_clamped(client, admin):
    put(client, "/locations/store-ams", AMS, admin)
    first = put(client, "/inventory/store-ams/SKU-1", {"onHand": 12, "safetyStock": 2}, admin)
    assert first.status_code == 201
    assert json.loads(first.body) == {
        "locationId": "store-ams",
        "sku": "SKU-1",
        "onHand": 12,
        "reserved": 0,
        "safetyStock": 2,
        "available": 10,
        "version": 1,
    }
    again = put(client, "/inventory/store-ams/SKU-1", {"onHand": 1}, admin)
    assert again.status_code == 200
    assert json.loads(again.body)["available"] == 0  # 1 on hand, 2 safety stock: never below zero
    rows = json.loads(client.http.get("/inventory/SKU-1", headers=admin).body)
    assert [(r["locationId"], r["onHand"]) for r in rows["items"]] == [("store-ams", 1)]
    assert put(client, "/inventory/nowhere/SKU-1", {"onHand": 1}, admin).status_code == 422
    assert put(client, "/inventory/store-ams/SKU-1", {"onHand": -1}, admin).status_code == 422


def test_a_store_counts_only_its_own_stock(client, admin):
    put(client, "/locations/store-ams", AMS, admin)
    put(client, "/locations/store-utr", {**AMS, "name": "Utrecht"}, admin)
    ams = bearer(issue_token("store:store-ams"))
    assert put(client, "/inventory/store-ams/SKU-1", {"onHand": 3}, ams).status_code == 201
    assert put(client, "/inventory/store-utr/SKU-1", {"onHand": 3}, ams).status_code == 403


def test_channels_native_and_registered_and_orders_need_a_known_channel(client, admin):
    assert post(client, "/orders", order_body(channel="bol"), admin).status_code == 422
    made = put(client, "/channels/bol", {"type": "bol", "name": "bol.com"}, admin)
    assert made.status_code == 201
    listed = {c["channelId"]: c for c in json.loads(client.http.get("/channels", headers=admin).body)["items"]}
    assert listed["webshop"]["native"] and not listed["bol"]["native"]
    assert post(client, "/orders", order_body(channel="bol"), admin).status_code == 201
    put(client, "/channels/bol", {"type": "bol", "active": False}, admin)
    assert post(client, "/orders", order_body(channel="bol"), admin).status_code == 422


def feed(location: str, mode: str, lines: list[tuple[str, int]], feed_id: str) -> str:
    return json.dumps(
        {
            "feedId": feed_id,
            "locationId": location,
            "mode": mode,
            "lines": [{"sku": s, "quantity": q} for s, q in lines],
        }
    )


def test_stock_feeds_apply_once_and_refresh_the_summary(client, admin, aws):
    put(client, "/locations/store-ams", AMS, admin)
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=aws["stock-feed"], MessageBody=feed("store-ams", "absolute", [("A", 50), ("B", 3)], "f1"))
    sqs.send_message(QueueUrl=aws["stock-feed"], MessageBody=feed("store-ams", "delta", [("B", -2)], "f2"))
    sqs.send_message(QueueUrl=aws["stock-feed"], MessageBody=feed("store-ams", "delta", [("B", -2)], "f2"))  # resent
    sqs.send_message(QueueUrl=aws["stock-feed"], MessageBody=feed("nowhere", "absolute", [("A", 1)], "f3"))
    pump = Pump(retry_delay_s=0)
    for _ in range(8):
        pump.run_once()
    repo = StockRepository(Table())
    assert repo.level("A", "store-ams").on_hand == 50
    assert repo.level("B", "store-ams").on_hand == 1  # the resent delta applied once
    dead = sqs.receive_message(QueueUrl=aws["stock-feed-dlq"], MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["feedId"] for m in dead] == ["f3"]
    # InventoryChanged -> bus -> rule -> stock-summary queue -> summary, capped.
    assert repo.summaries(["A", "B", "C"]) == {"A": {"store-ams": SUMMARY_CAP}, "B": {"store-ams": 1}, "C": {}}


def test_summary_never_goes_back_to_an_older_level(client, admin):
    put(client, "/locations/store-ams", AMS, admin)
    put(client, "/inventory/store-ams/SKU-1", {"onHand": 5}, admin)
    repo = StockRepository(Table())
    assert repo.refresh_summary("SKU-1", "store-ams")
    assert not repo.refresh_summary("SKU-1", "store-ams")  # same version: nothing to write
    assert repo.summaries(["SKU-1"]) == {"SKU-1": {"store-ams": 5}}


def test_orders_reserving_and_releasing_keep_the_summary_current(client, admin, demo):
    repo = StockRepository(Table())
    assert repo.summaries(["TEE-WHITE-M"])["TEE-WHITE-M"]["store-ams-kalverstraat"] == 12
    collect = {"method": "click_and_collect", "locationId": "store-ams-kalverstraat"}
    line = {"lineId": "1", "sku": "TEE-WHITE-M", "quantity": 3, "unitPrice": {"amount": "19.95", "currency": "EUR"}}
    order = json.loads(post(client, "/orders", order_body(delivery=collect, lines=[line]), admin).body)
    assert [fo["locationId"] for fo in order["fulfilmentOrders"]] == ["store-ams-kalverstraat"]
    pump = Pump(retry_delay_s=0)
    for _ in range(4):  # outbox -> bus -> OrderSourced -> stock-summary queue -> summary
        pump.run_once()
    assert repo.summaries(["TEE-WHITE-M"])["TEE-WHITE-M"]["store-ams-kalverstraat"] == 9
    cancel = {"lines": [{"lineId": "1", "quantity": 3}], "reason": "changed mind"}
    assert post(client, f"/orders/{order['orderId']}/cancellations", cancel, admin).status_code == 200
    for _ in range(4):  # OrderLinesCancelled names the stock it gave back
        pump.run_once()
    assert repo.summaries(["TEE-WHITE-M"])["TEE-WHITE-M"]["store-ams-kalverstraat"] == 12
