"""What customer service reads of an order: per line what became of it, its returns, exchanges,
claims, refunds and timeline, in one Query of the order's partition."""

from __future__ import annotations

import json

import pytest

from tests.conftest import bearer, issue_token, unique
from tests.functional.test_claims import claimed
from tests.functional.test_exchanges import exchanged
from tests.functional.test_returns import asked, event
from tests.functional.test_returns_quote import TRACKING, delivered
from tests.roundtrips import counting

pytestmark = pytest.mark.usefixtures("demo")


def test_the_order_shows_its_lines_ledger_returns_exchanges_claims_refunds_and_timeline_in_one_query(client, admin):
    order = delivered(client, admin)
    ret = asked(client, admin, order["orderId"], [("1", 1, "changed_mind")])
    exc = exchanged(client, admin, order["orderId"], [{"sku": "TEE-WHITE-M", "quantity": 1}])
    made = claimed(client, admin, order["orderId"], [("2", 1, "damaged")], "refund")
    cs = bearer(issue_token("cs"))
    client.http.get(f"/orders/{order['orderId']}", headers=cs)  # the token is looked up once, then cached
    with counting() as trips:
        answer = client.http.get(f"/orders/{order['orderId']}", headers=cs)
    assert trips.by_operation() == {"Query": 1}, trips.describe()
    view = json.loads(answer.body)
    assert sorted(r["returnId"] for r in view["returns"]) == sorted([ret["returnId"], exc["returnId"]])
    assert next(r for r in view["returns"] if r["returnId"] == ret["returnId"])["status"] == ret["status"]
    assert [(e["exchangeId"], e["status"]) for e in view["exchanges"]] == [(exc["exchangeId"], exc["status"])]
    assert [(c["claimId"], c["refundId"]) for c in view["claims"]] == [(made["claimId"], made["refundId"])]
    ledger = view["lines"][0]["ledger"]
    assert (ledger["ordered"], ledger["cancelled"], ledger["fulfilled"], ledger["returnRequested"]) == (2, 0, 2, 2)
    types = [h["type"] for h in view["history"]]
    assert types[:3] == ["OrderCreated", "OrderSourced", "FulfilmentOrderDispatched"]
    assert "ReturnAuthorized" in types
    assert [h["at"] for h in view["history"]] == sorted(h["at"] for h in view["history"])
    shipped = next(h for h in view["history"] if h["detail"].get("to") == "shipped")
    assert shipped["detail"]["tracking"]["code"] == TRACKING["code"]
    assert view["fulfilmentOrders"][0]["tracking"]["code"] == TRACKING["code"]


def test_the_customers_history_shows_each_orders_returns_exchanges_claims_and_refunds_in_one_query(client, admin):
    customer = unique("cust")
    order = delivered(client, admin, customer={"id": customer})
    ret = asked(client, admin, order["orderId"], [("1", 1, "changed_mind")])
    exc = exchanged(client, admin, order["orderId"], [{"sku": "TEE-WHITE-M", "quantity": 1}])
    made = claimed(client, admin, order["orderId"], [("2", 1, "damaged")], "refund")
    event(client, admin, ret["returnId"], "cancel")
    with counting() as trips:
        answer = client.http.get(f"/customers/{customer}/orders?limit=10", headers=admin)
    assert trips.by_operation() == {"Query": 1}, trips.describe()
    summary = next(o for o in json.loads(answer.body)["items"] if o["orderId"] == order["orderId"])
    assert summary["records"] == {
        "returns": {ret["returnId"]: "cancelled", exc["returnId"]: ret["status"]},  # made as ret was
        "exchanges": {exc["exchangeId"]: exc["status"]},
        "claims": {made["claimId"]: "refund"},
    }
    assert [r["refundId"] for r in summary["refunds"]] == [made["refundId"]]
