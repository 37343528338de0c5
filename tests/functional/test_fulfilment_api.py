"""A store's or DC's work queue, and one fulfilment order, as the locations see them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import bearer, issue_token, order_body, post
from tests.roundtrips import counting

pytestmark = pytest.mark.usefixtures("demo")
AMS = "store-ams-kalverstraat"


def test_the_dc_sees_its_work_oldest_first_in_one_query(client, admin):
    first = json.loads(post(client, "/orders", order_body(), admin).body)
    second = json.loads(post(client, "/orders", order_body(), admin).body)
    dc = bearer(issue_token("dc:dc-tilburg"))
    client.http.get("/fulfilment-orders?status=packed", headers=dc)  # the token is read once, then cached
    with counting() as trips:
        page = client.http.get("/fulfilment-orders?limit=10", headers=dc)
    assert page.status_code == 200, page.body
    assert trips.calls == ["Query"]
    queue = json.loads(page.body)["items"]
    expected = [o["fulfilmentOrders"][0]["fulfilmentOrderId"] for o in (first, second)]
    assert [fo["fulfilmentOrderId"] for fo in queue] == expected
    assert {(fo["locationId"], fo["status"]) for fo in queue} == {("dc-tilburg", "released")}
    assert client.http.get(f"/fulfilment-orders?locationId={AMS}", headers=dc).status_code == 403
    assert json.loads(client.http.get("/fulfilment-orders?status=shipped", headers=dc).body)["items"] == []


def test_a_store_sees_its_click_and_collect_work_and_no_one_elses(client, admin):
    collect = {"method": "click_and_collect", "locationId": AMS}
    order = json.loads(post(client, "/orders", order_body(delivery=collect), admin).body)
    [fo] = order["fulfilmentOrders"]
    assert fo["locationId"] == AMS
    ams = bearer(issue_token(f"store:{AMS}"))
    assert [
        f["fulfilmentOrderId"] for f in json.loads(client.http.get("/fulfilment-orders", headers=ams).body)["items"]
    ] == [fo["fulfilmentOrderId"]]
    one = client.http.get(f"/fulfilment-orders/{fo['fulfilmentOrderId']}", headers=ams)
    assert one.status_code == 200
    assert json.loads(one.body)["orderId"] == order["orderId"]
    rtm = bearer(issue_token("store:store-rtm-lijnbaan"))
    assert client.http.get(f"/fulfilment-orders?locationId={AMS}", headers=rtm).status_code == 403
    assert client.http.get("/fulfilment-orders", headers=admin).status_code == 422  # which location?


def test_one_fulfilment_order_by_id_for_its_channel_and_not_another(client, admin):
    webshop = bearer(issue_token("channel:webshop"))
    order = json.loads(post(client, "/orders", order_body(), webshop).body)
    fo_id = order["fulfilmentOrders"][0]["fulfilmentOrderId"]
    assert client.http.get(f"/fulfilment-orders/{fo_id}", headers=webshop).status_code == 200
    assert client.http.get(f"/fulfilment-orders/{fo_id}", headers=bearer(issue_token("channel:app"))).status_code == 403
    for unknown in ("fo_nope", "fo_01XYZ_1", "nothing"):
        assert client.http.get(f"/fulfilment-orders/{unknown}", headers=admin).status_code == 404
    assert client.http.get("/fulfilment-orders?locationId=dc-tilburg&status=lost", headers=admin).status_code == 422
