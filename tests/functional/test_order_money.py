"""Money at intake through the API: discounts spread to the cent, a ledger per line, and cancellations
refunding exactly what the cancelled units were paid."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import order_body, post

pytestmark = pytest.mark.usefixtures("demo")


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def discounted(**overrides: Any) -> dict[str, Any]:
    """2 x 19.95 less 4.90 (35.00) and 1 x 20.00, 10.00 off the order, 4.95 shipping: 49.95."""
    body = order_body(
        lines=[
            {
                "lineId": "1",
                "sku": "TEE-WHITE-M",
                "quantity": 2,
                "unitPrice": eur("19.95"),
                "discounts": [{"amount": eur("4.90"), "code": "TEES"}],
                "taxRate": "21",
            },
            {"lineId": "2", "sku": "CAP-NAVY", "quantity": 1, "unitPrice": eur("20.00")},
        ],
        discounts=[{"amount": eur("10.00"), "code": "WELCOME10"}],
        shipping={"amount": eur("4.95"), "method": "standard"},
        payment={"status": "paid", "amount": eur("49.95")},
    )
    body.update(overrides)
    return body


def test_an_order_discount_is_spread_over_the_lines_to_the_cent(client, admin):
    created = post(client, "/orders", discounted(), admin)
    assert created.status_code == 201, created.body
    order = json.loads(created.body)
    # 10.00 over 35.00 and 20.00: 6.3636.. and 3.6363..; the cent the floors leave goes to line 2.
    first, second = (ln["ledger"] for ln in order["lines"])
    assert (first["lineDiscount"], first["orderDiscount"], first["paid"]) == (eur("4.90"), eur("6.36"), eur("28.64"))
    assert (second["lineDiscount"], second["orderDiscount"], second["paid"]) == (eur("0.00"), eur("3.64"), eur("16.36"))
    assert first["unitPaid"] == eur("14.32")
    assert (first["ordered"], first["cancelled"], first["fulfilled"], first["refundedQuantity"]) == (2, 0, 0, 0)
    assert order["lines"][0]["taxRate"] == "21"
    assert order["discounts"] == [{"amount": eur("10.00"), "code": "WELCOME10"}]
    assert order["shipping"] == {"amount": eur("4.95"), "method": "standard", "refunded": eur("0.00")}
    assert order["total"] == eur("49.95")
    assert json.loads(client.http.get(f"/orders/{order['orderId']}", headers=admin).body) == order


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"payment": {"status": "paid", "amount": eur("49.94")}}, ["payment", "amount", "amount"]),
        ({"discounts": [{"amount": eur("55.01")}]}, ["discounts"]),
        ({"shipping": {"amount": {"amount": "4.95", "currency": "USD"}}}, ["shipping", "amount", "currency"]),
    ],
)
def test_money_that_does_not_add_up_is_refused_naming_where(client, admin, change, where):
    refused = post(client, "/orders", discounted(**change), admin)
    assert refused.status_code == 422, refused.body
    assert where in [e["loc"] for e in json.loads(refused.body)["errors"]]


def test_cancelling_part_of_a_discounted_line_refunds_exactly_its_share(client, admin):
    order = json.loads(post(client, "/orders", discounted(), admin).body)
    path = f"/orders/{order['orderId']}/cancellations"

    def cancel(lines: list[dict[str, Any]]) -> dict[str, Any]:
        answer = post(client, path, {"lines": lines, "reason": "customer changed mind"}, admin)
        assert answer.status_code == 200, answer.body
        after: dict[str, Any] = json.loads(answer.body)
        return after

    one = cancel([{"lineId": "1", "quantity": 1}])
    [refund] = one["refunds"]
    assert refund["amount"] == eur("14.32")
    assert refund["breakdown"] == {"goods": "14.32", "shipping": "0.00", "fees": "0.00"}
    assert one["lines"][0]["ledger"]["refunded"] == eur("14.32")
    assert one["history"][-1]["detail"]["breakdown"]["goods"] == "14.32"  # RefundRequested says it too

    # The rest: the line's last unit, the other line and, with nothing left to ship, the shipping.
    rest = cancel([{"lineId": "1", "quantity": 1}, {"lineId": "2", "quantity": 1}])
    last = rest["refunds"][-1]
    assert last["breakdown"] == {"goods": "30.68", "shipping": "4.95", "fees": "0.00"}
    assert sum(Decimal(r["amount"]["amount"]) for r in rest["refunds"]) == Decimal("49.95")  # every cent, once
    assert rest["shipping"]["refunded"] == eur("4.95")


def test_an_authorised_order_cancelled_refunds_nothing(client, admin):
    order = json.loads(
        post(client, "/orders", discounted(payment={"status": "authorized", "amount": eur("49.95")}), admin).body
    )
    cancel = {"lines": [{"lineId": "1", "quantity": 1}], "reason": "x"}
    after = json.loads(post(client, f"/orders/{order['orderId']}/cancellations", cancel, admin).body)
    assert after["refunds"] == [] and after["lines"][0]["ledger"]["refundedQuantity"] == 0
