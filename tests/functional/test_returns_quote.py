"""`POST /returns/quote`: per line, may it come back and what would it refund, under the live
`returns` section; nothing is written."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import ManualClock, bearer, issue_token, post, put
from tests.functional.test_order_money import discounted, eur

pytestmark = pytest.mark.usefixtures("demo")
DC = "dc-tilburg"
TRACKING = {"carrier": "PostNL", "code": "3SABCD1234567"}
POLICY = {
    "windowDays": 30,
    "windowDaysByChannel": {"app": 14},
    "nonReturnableSkus": ["GIFT-CARD"],
    "restockingFee": "1.00",
    "returnShippingFee": "2.50",
}


def delivered(client: Any, admin: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """The discounted order (49.95 paid), delivered home by the DC."""
    created = post(client, "/orders", discounted(**overrides), admin)
    assert created.status_code == 201, created.body
    order = json.loads(created.body)
    [fo] = order["fulfilmentOrders"]
    dc = bearer(issue_token(f"dc:{DC}"))
    for event, extra in (("accept", {}), ("pick", {}), ("ship", {"tracking": TRACKING}), ("deliver", {})):
        answer = post(client, f"/fulfilment-orders/{fo['fulfilmentOrderId']}/events", {"type": event, **extra}, dc)
        assert answer.status_code == 200, answer.body
    read: dict[str, Any] = json.loads(client.http.get(f"/orders/{order['orderId']}", headers=admin).body)
    return read


def quote(client: Any, admin: dict[str, str], order_id: str, lines: list[tuple[str, int, str]], to: str = DC) -> Any:
    body = {
        "orderId": order_id,
        "lines": [{"lineId": i, "quantity": q, "reason": r} for i, q, r in lines],
        "returnTo": {"locationId": to},
    }
    return post(client, "/returns/quote", body, admin)


def quoted(client: Any, admin: dict[str, str], order_id: str, lines: list[tuple[str, int, str]]) -> dict[str, Any]:
    answer = quote(client, admin, order_id, lines)
    assert answer.status_code == 200, answer.body
    got: dict[str, Any] = json.loads(answer.body)
    return got


@pytest.fixture
def policy(client: Any, admin: dict[str, str]) -> None:
    saved = put(client, "/config/returns", POLICY, admin)
    assert saved.status_code == 200, saved.body


@pytest.mark.usefixtures("policy")
def test_a_return_for_a_change_of_mind_refunds_the_units_less_fees(client, admin):
    order = delivered(client, admin)
    assert order["lines"][0]["ledger"]["fulfilled"] == 2
    got = quoted(client, admin, order["orderId"], [("1", 1, "changed_mind")])
    [line] = got["lines"]
    assert (line["returnable"], line["merchantFault"]) == (True, False)
    assert line["refund"] == {"items": eur("14.32"), "fees": eur("1.00")}
    assert got["quote"] == {"items": eur("14.32"), "shipping": eur("0.00"), "fees": eur("3.50"), "total": eur("10.82")}
    assert (got["returnable"], got["refundTiming"], got["policyVersion"]) == (True, "on_receipt", 1)


@pytest.mark.usefixtures("policy")
def test_the_merchants_fault_for_everything_refunds_shipping_and_waives_fees(client, admin):
    order = delivered(client, admin)
    got = quoted(client, admin, order["orderId"], [("1", 2, "defective"), ("2", 1, "changed_mind")])
    assert got["quote"] == {"items": eur("45.00"), "shipping": eur("4.95"), "fees": eur("0.00"), "total": eur("49.95")}


@pytest.mark.usefixtures("policy")
def test_a_non_returnable_sku_is_refused_with_its_reason_and_the_rest_quoted(client, admin):
    gift = {"lineId": "3", "sku": "GIFT-CARD", "quantity": 1, "unitPrice": eur("25.00")}
    body = discounted()
    order = delivered(
        client,
        admin,
        lines=[*body["lines"], gift],
        payment={"status": "paid", "amount": eur("74.95")},
    )
    got = quoted(client, admin, order["orderId"], [("3", 1, "changed_mind"), ("2", 1, "changed_mind")])
    refused, accepted = got["lines"]
    assert (refused["returnable"], refused["notReturnable"]) == (False, "GIFT-CARD is not returnable")
    assert "refund" not in refused and accepted["returnable"]
    assert got["returnable"] is False
    assert got["quote"]["items"] == accepted["refund"]["items"]


@pytest.mark.usefixtures("policy")
def test_outside_the_channels_window_a_line_is_not_returnable(client, admin, clock: ManualClock):
    web = delivered(client, admin)
    app = delivered(client, admin, channel="app")
    clock.advance(timedelta(days=15).total_seconds())
    assert quoted(client, admin, web["orderId"], [("1", 1, "changed_mind")])["returnable"] is True
    [late] = quoted(client, admin, app["orderId"], [("1", 1, "changed_mind")])["lines"]
    assert late["returnable"] is False and "window of 14 days" in late["notReturnable"]
    clock.advance(timedelta(days=16).total_seconds())
    [late] = quoted(client, admin, web["orderId"], [("1", 1, "changed_mind")])["lines"]
    assert "window of 30 days" in late["notReturnable"]
    assert late["quantity"] == 1 and "refund" not in late


def test_what_was_not_delivered_cannot_come_back(client, admin):
    order = json.loads(post(client, "/orders", discounted(), admin).body)
    [line] = quoted(client, admin, order["orderId"], [("1", 1, "changed_mind")])["lines"]
    assert line["notReturnable"].startswith("0 units of line 1 can be returned")


def test_a_quote_writes_nothing(client, admin):
    order = delivered(client, admin)
    quoted(client, admin, order["orderId"], [("1", 2, "defective"), ("2", 1, "changed_mind")])
    after = json.loads(client.http.get(f"/orders/{order['orderId']}", headers=admin).body)
    assert after == order  # the same version, ledger and history


def test_an_unknown_reason_or_a_place_returns_do_not_go_is_a_422(client, admin):
    order = delivered(client, admin)
    unknown = quote(client, admin, order["orderId"], [("1", 1, "bored")])
    assert unknown.status_code == 422
    assert ["lines", 0, "reason"] in [e["loc"] for e in json.loads(unknown.body)["errors"]]
    pickup = quote(client, admin, order["orderId"], [("1", 1, "changed_mind")], to="pup-ams-zuid")
    assert pickup.status_code == 422 and "pickup_point" in json.loads(pickup.body)["detail"]
    elsewhere = {**POLICY, "buyingStoreOnly": True}
    assert put(client, "/config/returns", elsewhere, admin).status_code == 200
    store = quote(client, admin, order["orderId"], [("1", 1, "changed_mind")], to="store-ams-kalverstraat")
    assert store.status_code == 422 and "only what it sold" in json.loads(store.body)["detail"]


def test_a_returns_section_is_validated(client, admin):
    twice = {"reasons": [{"code": "x"}, {"code": "x", "merchantFault": True}]}
    assert put(client, "/config/returns", twice, admin).status_code == 422
    assert put(client, "/config/returns", {"restockingFee": "-1"}, admin).status_code == 422
    assert put(client, "/config/returns", {"approvedExpiry": "P1M"}, admin).status_code == 422
    assert put(client, "/config/returns?draft=true", {"approvedExpiry": "P14D"}, admin).status_code == 200
