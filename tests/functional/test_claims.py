"""Claims through HTTP: units damaged, missing or wrong, with no goods coming back. Only units sent
to the customer and still theirs can be claimed; a refund comes from the one refund function (never
more than was paid; a marketplace's by its channel), a replacement is a linked order at no charge."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import post, put, unique
from tests.functional.test_order_money import discounted, eur
from tests.functional.test_refunds_paid import history
from tests.functional.test_returns import order
from tests.functional.test_returns_quote import DC, delivered

pytestmark = pytest.mark.usefixtures("demo")


def claim(client: Any, admin: dict[str, str], order_id: str, lines: list[tuple[str, int, str]], how: str) -> Any:
    body = {"lines": [{"lineId": i, "quantity": q, "kind": k} for i, q, k in lines], "resolution": how}
    return post(client, f"/orders/{order_id}/claims", body, admin)


def claimed(client: Any, admin: dict[str, str], order_id: str, lines: list[tuple[str, int, str]], how: str) -> Any:
    answer = claim(client, admin, order_id, lines, how)
    assert answer.status_code == 201, answer.body
    got: dict[str, Any] = json.loads(answer.body)
    return got


def test_a_damaged_unit_is_refunded_what_it_was_paid_and_written_off(client, admin):
    got = delivered(client, admin)
    made = claimed(client, admin, got["orderId"], [("1", 1, "damaged")], "refund")
    after = order(client, admin, got["orderId"])
    [refund] = after["refunds"]
    assert (refund["refundId"], refund["amount"], refund["executor"]) == (made["refundId"], eur("14.32"), "payment")
    assert after["lines"][0]["ledger"]["writtenOff"] == 1
    [created] = history(after, "ClaimCreated")
    assert (created["claimId"], created["channel"], created["lines"][0]["kind"]) == (
        made["claimId"],
        got["channel"],
        "damaged",
    )
    assert json.loads(client.http.get(f"/claims/{made['claimId']}", headers=admin).body) == made


def test_a_claim_refund_is_never_more_than_paid(client, admin):
    got = delivered(client, admin)
    claimed(client, admin, got["orderId"], [("1", 1, "missing")], "refund")
    claimed(client, admin, got["orderId"], [("1", 1, "damaged"), ("2", 1, "wrong_item")], "refund")
    after = order(client, admin, got["orderId"])
    amounts = [Decimal(r["amount"]["amount"]) for r in after["refunds"]]
    assert amounts == [Decimal("14.32"), Decimal("35.63")]  # 14.32 + 16.36 + the 4.95 shipping: nothing kept
    assert sum(amounts) == Decimal(got["payment"]["amount"]["amount"])  # 49.95: every cent, no more
    again = claim(client, admin, got["orderId"], [("2", 1, "damaged")], "refund")
    assert again.status_code == 409
    assert "0 units of line 2 can be claimed" in json.loads(again.body)["detail"]
    assert order(client, admin, got["orderId"])["version"] == after["version"]


def test_units_not_sent_to_the_customer_cannot_be_claimed(client, admin):
    created = post(client, "/orders", discounted(), admin)
    placed = json.loads(created.body)
    refused = claim(client, admin, placed["orderId"], [("1", 1, "missing")], "refund")
    assert refused.status_code == 409
    assert "sent to the customer" in json.loads(refused.body)["detail"]
    assert order(client, admin, placed["orderId"])["refunds"] == []


def test_a_marketplace_orders_claim_is_refunded_by_the_marketplace_never_by_the_oms(client, admin):
    bol = unique("bol")
    registered = put(client, f"/channels/{bol}", {"type": "bol", "name": "bol.com"}, admin)
    assert registered.status_code in (200, 201), registered.body
    got = delivered(client, admin, channel=bol)
    claimed(client, admin, got["orderId"], [("2", 1, "damaged")], "refund")
    after = order(client, admin, got["orderId"])
    [refund] = after["refunds"]
    assert (refund["executor"], refund["status"], refund["amount"]) == ("channel", "refunded_by_channel", eur("16.36"))
    assert after["refundsPaid"] == eur("0.00")


def test_a_replacement_is_a_linked_order_at_no_charge(client, admin):
    got = delivered(client, admin)
    made = claimed(client, admin, got["orderId"], [("2", 1, "wrong_item")], "replace")
    assert "refundId" not in made
    replacement = order(client, admin, made["replacementOrderId"])
    assert (replacement["total"], replacement["customer"]["id"]) == (eur("0.00"), got["customer"]["id"])
    [fo] = replacement["fulfilmentOrders"]
    assert (fo["locationId"], fo["lines"][0]["sku"]) == (DC, "CAP-NAVY")
    after = order(client, admin, got["orderId"])
    assert (after["refunds"], after["lines"][1]["ledger"]["writtenOff"]) == ([], 1)
    [created] = history(after, "ClaimCreated")
    assert created["replacementOrderId"] == made["replacementOrderId"]
