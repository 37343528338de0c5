"""A draft of the sourcing rules, simulated on recent orders before it goes live: nothing changes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import order_body, post

pytestmark = pytest.mark.usefixtures("demo")

STORES_ONLY = {
    "rules": [
        {
            "name": "Everything from the big stores",
            "locationTypes": ["store"],
            "excludeSizeClasses": ["S"],
            "onNoMatch": "backorder",
        }
    ]
}


def put(client: Any, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.http.put(path, body=json.dumps(body), headers=headers)


def test_a_draft_is_simulated_on_recent_orders_touching_nothing(client, admin):
    orders = [json.loads(post(client, "/orders", order_body(), admin).body) for _ in range(2)]
    assert {fo["locationId"] for o in orders for fo in o["fulfilmentOrders"]} == {"dc-tilburg"}
    stock_before = client.http.get("/inventory/TEE-WHITE-M", headers=admin).body

    draft = put(client, "/config/sourcing?draft=true", STORES_ONLY, admin)
    assert draft.status_code == 200, draft.body
    answer = post(client, "/config/sourcing/simulate", {"channel": "webshop", "last": 10}, admin)
    assert answer.status_code == 200, answer.body
    report = json.loads(answer.body)

    assert report["orders"] == report["changedOrders"] == 2
    assert report["locationsLosingWork"] == {"dc-tilburg": 2}
    assert report["heldUnits"] == {"before": 0, "after": 0}
    assert sum(report["locationsGainingWork"].values()) >= 2
    assert not set(report["locationsGainingWork"]) & {"store-ehv-demer", "store-gro-herestraat", "dc-tilburg"}
    for result in report["results"]:
        assert result["before"]["sources"] == ["dc-tilburg"]
        assert "dc-tilburg" not in result["after"]["sources"]
        assert result["before"]["distanceKm"] > 0  # Damrak, Amsterdam: located by its postal code

    # Nothing was touched: the orders, the stock, the live rules.
    for order in orders:
        again = json.loads(client.http.get(f"/orders/{order['orderId']}", headers=admin).body)
        assert again == order
    assert client.http.get("/inventory/TEE-WHITE-M", headers=admin).body == stock_before
    live = json.loads(client.http.get("/config/sourcing", headers=admin).body)
    assert live["version"] == 0  # still the built-in default


def test_named_orders_inline_rules_and_bad_requests(client, admin):
    order = json.loads(post(client, "/orders", order_body(), admin).body)
    body = {"orders": [order["orderId"]], "body": STORES_ONLY}
    report = json.loads(post(client, "/config/sourcing/simulate", body, admin).body)
    assert [r["orderId"] for r in report["results"]] == [order["orderId"]]
    bad = post(client, "/config/sourcing/simulate", {"body": {"rules": []}}, admin)
    assert bad.status_code == 422
    assert post(client, "/config/clickAndCollect/simulate", {}, admin).status_code == 422
    assert post(client, "/config/sourcing/simulate", {"version": 99}, admin).status_code == 404


def test_units_a_draft_would_hold_for_a_team_are_reported(client, admin):
    line = {"lineId": "1", "sku": "GHOST-1", "quantity": 2, "unitPrice": {"amount": "5.00", "currency": "EUR"}}
    order = json.loads(post(client, "/orders", order_body(lines=[line]), admin).body)
    assert order["lines"][0]["status"] == "backordered"
    hold = {
        "rules": [
            {
                "name": "DCs, else the desk decides",
                "locationTypes": ["dc"],
                "onNoMatch": "hold",
                "holdTeam": "sourcing-desk",
            }
        ]
    }
    report = json.loads(
        post(client, "/config/sourcing/simulate", {"orders": [order["orderId"]], "body": hold}, admin).body
    )
    assert report["backorderedUnits"] == {"before": 2, "after": 0}
    assert report["heldUnits"] == {"before": 0, "after": 2}
