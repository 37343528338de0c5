"""A store serves any customer at its counter: it reads every order and customer history, and
changes only what happens at its own location (API.md, auth)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import bearer, issue_token, order_body, post

pytestmark = pytest.mark.usefixtures("demo")
AMS, RTM = "store-ams-kalverstraat", "store-rtm-lijnbaan"
CANCEL_ONE = {"lines": [{"lineId": "1", "quantity": 1}], "reason": "customer at the counter"}


def store(location: str) -> dict[str, str]:
    return bearer(issue_token(f"store:{location}"))


def collected_at_ams(client: Any, admin: dict[str, str]) -> dict[str, Any]:
    """A webshop order the customer collects at AMS: work for AMS, nothing for RTM."""
    body = order_body(delivery={"method": "click_and_collect", "locationId": AMS})
    order: dict[str, Any] = json.loads(post(client, "/orders", body, admin).body)
    assert {fo["locationId"] for fo in order["fulfilmentOrders"]} == {AMS}
    return order


def test_a_store_reads_another_stores_customer_order_and_history(client, admin):
    order = collected_at_ams(client, admin)
    rtm = store(RTM)
    assert client.http.get(f"/orders/{order['orderId']}", headers=rtm).status_code == 200
    history = client.http.get(f"/customers/{order['customer']['id']}/orders", headers=rtm)
    assert [o["orderId"] for o in json.loads(history.body)["items"]] == [order["orderId"]]
    [fo] = order["fulfilmentOrders"]
    assert client.http.get(f"/fulfilment-orders/{fo['fulfilmentOrderId']}", headers=rtm).status_code == 200


def test_a_store_cancels_lines_only_of_orders_at_its_location(client, admin):
    order = collected_at_ams(client, admin)
    path = f"/orders/{order['orderId']}/cancellations"
    refused = post(client, path, CANCEL_ONE, store(RTM))
    assert refused.status_code == 403
    assert RTM in json.loads(refused.body)["detail"]
    assert post(client, path, CANCEL_ONE, store(AMS)).status_code == 200


def test_a_store_acts_on_its_own_fulfilment_orders_only(client, admin):
    [fo] = collected_at_ams(client, admin)["fulfilmentOrders"]
    events = f"/fulfilment-orders/{fo['fulfilmentOrderId']}/events"
    assert post(client, events, {"type": "accept"}, store(RTM)).status_code == 403
    assert post(client, events, {"type": "accept"}, store(AMS)).status_code == 200
    assert client.http.get(f"/fulfilment-orders?locationId={AMS}", headers=store(RTM)).status_code == 403


def test_a_dc_sees_only_what_it_works_on(client, admin):
    order = collected_at_ams(client, admin)
    assert (
        client.http.get(f"/orders/{order['orderId']}", headers=bearer(issue_token("dc:dc-tilburg"))).status_code == 403
    )
