"""Exchanges through HTTP: a return and a linked replacement order in one transaction; the price
difference paid before a dearer replacement goes, refunded to the cent for a cheaper one (instead of
the return's refund, never on top of it); an advance replacement charged when its return never comes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ManualClock, bearer, issue_token, post
from tests.functional.test_fulfilment_events import stock
from tests.functional.test_order_money import eur
from tests.functional.test_refunds_paid import history
from tests.functional.test_returns import order, policy
from tests.functional.test_returns_quote import DC, delivered
from tests.functional.test_workflow_timers import fire

pytestmark = pytest.mark.usefixtures("demo")
DAY = 24 * 3600
# Line 1 of the delivered order: 2 x TEE-WHITE-M, 14.32 paid each (after its own and the order's discounts).


def exchange(client: Any, headers: dict[str, str], order_id: str, new_lines: list[dict[str, Any]], **extra: Any) -> Any:
    body = {
        "returnLines": [{"lineId": "1", "quantity": 1, "reason": "does_not_fit"}],
        "returnTo": {"locationId": DC},
        "newLines": new_lines,
        **extra,
    }
    return post(client, f"/orders/{order_id}/exchanges", body, headers)


def exchanged(client: Any, headers: dict[str, str], order_id: str, new: list[dict[str, Any]], **extra: Any) -> Any:
    answer = exchange(client, headers, order_id, new, **extra)
    assert answer.status_code == 201, answer.body
    got: dict[str, Any] = json.loads(answer.body)
    return got


def receive(client: Any, return_id: str) -> None:
    dc = bearer(issue_token(f"dc:{DC}"))
    answer = post(client, f"/returns/{return_id}/events", {"type": "receive"}, dc)
    assert answer.status_code == 200, answer.body


def read(client: Any, admin: dict[str, str], path: str) -> dict[str, Any]:
    got: dict[str, Any] = json.loads(client.http.get(path, headers=admin).body)
    return got


def money_back(client: Any, admin: dict[str, str], order_id: str) -> list[tuple[str, str, str]]:
    return [(r["executor"], r["status"], r["amount"]["amount"]) for r in order(client, admin, order_id)["refunds"]]


def delivered_expiring_in_14_days(client: Any, admin: dict[str, str], **settings: Any) -> dict[str, Any]:
    """A delivered order under a return policy (with `settings`) whose approved returns expire after 14 days."""
    got = delivered(client, admin)
    policy(client, admin, approvedExpiry="P14D", **settings)
    return got


def test_an_exchange_for_a_dearer_item_waits_on_payment(client, admin):
    got = delivered(client, admin)
    dearer = [{"sku": "TEE-BLACK-L", "quantity": 1, "unitPrice": eur("19.95")}]
    exc = exchanged(client, admin, got["orderId"], dearer)
    assert (exc["status"], exc["mode"], exc["priceDifference"]) == ("awaiting_payment", "on_receipt", eur("5.63"))
    assert exc["returnedValue"] == eur("14.32")
    replacement = order(client, admin, exc["replacementOrderId"])
    assert replacement["fulfilmentOrders"] == []  # held: nothing sourced before it is paid
    assert read(client, admin, f"/returns/{exc['returnId']}")["exchange"] == {
        "exchangeId": exc["exchangeId"],
        "credit": "14.32",
    }
    [created] = history(order(client, admin, got["orderId"]), "ExchangeCreated")
    assert (created["channel"], created["replacementOrderId"]) == (got["channel"], exc["replacementOrderId"])

    paid = post(client, f"/exchanges/{exc['exchangeId']}/events", {"type": "paid"}, admin)
    assert paid.status_code == 200, paid.body
    assert json.loads(paid.body)["status"] == "awaiting_return"  # on_receipt: the return first
    assert post(client, f"/exchanges/{exc['exchangeId']}/events", {"type": "paid"}, admin).status_code == 409

    receive(client, exc["returnId"])
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "completed"
    [fo] = order(client, admin, exc["replacementOrderId"])["fulfilmentOrders"]
    assert (fo["locationId"], fo["lines"][0]["sku"]) == (DC, "TEE-BLACK-L")
    assert money_back(client, admin, got["orderId"]) == [("exchange", "credited", "14.32")]  # no money back


def test_a_cheaper_exchange_refunds_the_difference_to_the_cent_and_nothing_more(client, admin):
    got = delivered(client, admin)
    before = stock(client, "TEE-WHITE-M", admin)[DC]["onHand"]
    exc = exchanged(client, admin, got["orderId"], [{"sku": "CAP-NAVY", "quantity": 1, "unitPrice": eur("10.00")}])
    assert (exc["status"], exc["priceDifference"]) == ("awaiting_return", eur("-4.32"))
    assert money_back(client, admin, got["orderId"]) == []

    receive(client, exc["returnId"])
    assert stock(client, "TEE-WHITE-M", admin)[DC]["onHand"] == before + 1
    assert money_back(client, admin, got["orderId"]) == [
        ("exchange", "credited", "10.00"),
        ("payment", "requested", "4.32"),
    ]
    line = order(client, admin, got["orderId"])["lines"][0]["ledger"]
    assert (line["returned"], line["refunded"]) == (1, eur("14.32"))
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "completed"
    assert len(order(client, admin, exc["replacementOrderId"])["fulfilmentOrders"]) == 1


def test_a_like_for_like_exchange_costs_what_the_returned_unit_was_paid(client, admin):
    got = delivered(client, admin)
    exc = exchanged(client, admin, got["orderId"], [{"sku": "TEE-WHITE-M", "quantity": 1}])
    assert exc["priceDifference"] == eur("0.00")
    unknown = exchange(client, admin, got["orderId"], [{"sku": "JEANS-SLIM-32", "quantity": 1}])
    assert unknown.status_code == 422
    assert "name its price" in unknown.body.decode()


def test_an_advance_exchange_whose_return_never_arrives_is_charged(client, admin, clock: ManualClock):
    got = delivered_expiring_in_14_days(client, admin, exchangeMode="advance")
    exc = exchanged(client, admin, got["orderId"], [{"sku": "TEE-BLACK-L", "quantity": 1, "unitPrice": eur("12.00")}])
    assert (exc["status"], exc["mode"]) == ("released", "advance")
    assert len(order(client, admin, exc["replacementOrderId"])["fulfilmentOrders"]) == 1  # on its way at once

    fire(clock, 13 * DAY)
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "released"
    fire(clock, 2 * DAY)
    charged = read(client, admin, f"/exchanges/{exc['exchangeId']}")
    assert (charged["status"], charged["charged"]) == ("charged", eur("12.00"))
    [event] = history(order(client, admin, got["orderId"]), "ExchangeCharged")
    assert event["amount"] == eur("12.00")
    fire(clock, DAY)
    assert len([h for h in order(client, admin, got["orderId"])["history"] if h["type"] == "ExchangeCharged"]) == 1


def test_an_advance_exchange_whose_return_arrives_in_time_is_not_charged(client, admin, clock: ManualClock):
    got = delivered(client, admin)
    exc = exchanged(client, admin, got["orderId"], [{"sku": "TEE-WHITE-M", "quantity": 1}], mode="advance")
    assert exc["status"] == "released"
    receive(client, exc["returnId"])
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "completed"
    fire(clock, 40 * DAY)
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "completed"
    assert money_back(client, admin, got["orderId"]) == [("exchange", "credited", "14.32")]


def test_a_return_the_policy_declines_makes_no_exchange(client, admin, clock: ManualClock):
    got = delivered(client, admin)
    clock.advance(31 * DAY)
    answer = exchange(client, admin, got["orderId"], [{"sku": "TEE-WHITE-M", "quantity": 1}])
    assert answer.status_code == 409
    assert "return window of 30 days" in json.loads(answer.body)["reasons"][0]
    after = order(client, admin, got["orderId"])
    assert after["version"] == got["version"]
    assert after["lines"][0]["ledger"]["returnRequested"] == 0


TWELVE = [{"sku": "TEE-BLACK-L", "quantity": 1, "unitPrice": eur("12.00")}]
TWO_NEW = [{"sku": "TEE-BLACK-L", "quantity": 2, "unitPrice": eur("14.00")}]  # 28.00 for two returned units


def cancel_return(client: Any, admin: dict[str, str], return_id: str) -> None:
    answer = post(client, f"/returns/{return_id}/events", {"type": "cancel", "reason": "customer kept it"}, admin)
    assert answer.status_code == 200, answer.body


def test_a_held_exchange_whose_return_is_cancelled_cancels_its_replacement_refunding_only_money_paid(client, admin):
    got = delivered(client, admin)
    dearer = [{"sku": "TEE-BLACK-L", "quantity": 1, "unitPrice": eur("19.95")}]
    exc = exchanged(client, admin, got["orderId"], dearer)
    assert post(client, f"/exchanges/{exc['exchangeId']}/events", {"type": "paid"}, admin).status_code == 200

    cancel_return(client, admin, exc["returnId"])
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "cancelled"
    replacement = order(client, admin, exc["replacementOrderId"])
    assert (replacement["status"], replacement["fulfilmentOrders"]) == ("cancelled", [])
    # 19.95 = the returned unit's 14.32 (never money: kept as credited) + the 5.63 the customer paid.
    assert money_back(client, admin, exc["replacementOrderId"]) == [
        ("exchange", "credited", "14.32"),
        ("payment", "requested", "5.63"),
    ]
    assert money_back(client, admin, got["orderId"]) == []  # nothing came back, nothing is refunded
    [event] = history(order(client, admin, got["orderId"]), "ExchangeCancelled")
    assert (event["replacementOrderId"], event["returnStatus"], event["status"]) == (
        exc["replacementOrderId"],
        "cancelled",
        "cancelled",
    )
    again = post(client, f"/exchanges/{exc['exchangeId']}/events", {"type": "paid"}, admin)
    assert again.status_code == 409


def test_an_unpaid_exchange_whose_return_expires_cancels_its_replacement_and_refunds_nothing(
    client, admin, clock: ManualClock
):
    got = delivered_expiring_in_14_days(client, admin)
    exc = exchanged(client, admin, got["orderId"], [{"sku": "TEE-BLACK-L", "quantity": 1, "unitPrice": eur("19.95")}])
    assert exc["status"] == "awaiting_payment"
    fire(clock, 15 * DAY)
    assert read(client, admin, f"/returns/{exc['returnId']}")["status"] == "expired"
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "cancelled"
    assert order(client, admin, exc["replacementOrderId"])["status"] == "cancelled"
    assert money_back(client, admin, exc["replacementOrderId"]) == [("exchange", "credited", "19.95")]
    assert money_back(client, admin, got["orderId"]) == []


def test_an_advance_exchange_whose_return_is_cancelled_is_charged_at_once(client, admin):
    got = delivered(client, admin)
    exc = exchanged(client, admin, got["orderId"], TWELVE, mode="advance")
    cancel_return(client, admin, exc["returnId"])
    charged = read(client, admin, f"/exchanges/{exc['exchangeId']}")
    assert (charged["status"], charged["charged"], charged.get("chargeDue")) == ("charged", eur("12.00"), None)
    assert order(client, admin, exc["replacementOrderId"])["status"] != "cancelled"  # it was already sent
    [event] = history(order(client, admin, got["orderId"]), "ExchangeCharged")
    assert event["amount"] == eur("12.00")


def test_a_return_arriving_after_its_exchange_was_charged_gets_the_charge_back(client, admin, clock: ManualClock):
    got = delivered_expiring_in_14_days(client, admin)
    exc = exchanged(client, admin, got["orderId"], TWELVE, mode="advance")
    shipped = post(client, f"/returns/{exc['returnId']}/events", {"type": "ship"}, admin)  # in transit: never expires
    assert shipped.status_code == 200, shipped.body
    fire(clock, 15 * DAY)
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "charged"

    receive(client, exc["returnId"])
    done = read(client, admin, f"/exchanges/{exc['exchangeId']}")
    assert (done["status"], done["charged"], done["chargeReturned"]) == ("completed", eur("12.00"), True)
    # 14.32 came back: 12.00 kept toward the new item, 2.32 the difference; and the 12.00 charged given back.
    assert money_back(client, admin, got["orderId"]) == [
        ("exchange", "credited", "12.00"),
        ("payment", "requested", "2.32"),
        ("payment", "requested", "12.00"),
    ]
    receive_again = post(client, f"/returns/{exc['returnId']}/events", {"type": "receive"}, admin)
    assert receive_again.status_code in (409, 422)
    assert len(order(client, admin, got["orderId"])["refunds"]) == 3


@pytest.mark.parametrize("timing", ["on_request", "on_inspection"])
def test_an_exchanges_return_is_credited_when_it_is_received_whatever_the_refund_timing(client, admin, timing):
    """Never on request (the customer would be paid before returning anything), nor only at inspection
    (the replacement goes on receipt)."""
    got = delivered(client, admin)
    policy(client, admin, refundTiming=timing)
    exc = exchanged(client, admin, got["orderId"], [{"sku": "CAP-NAVY", "quantity": 1, "unitPrice": eur("10.00")}])
    assert money_back(client, admin, got["orderId"]) == []  # a plain return would be refunded now on_request
    receive(client, exc["returnId"])
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "completed"
    assert money_back(client, admin, got["orderId"]) == [
        ("exchange", "credited", "10.00"),
        ("payment", "requested", "4.32"),
    ]


def test_a_partly_received_advance_return_is_charged_only_for_what_did_not_come_back(client, admin, clock: ManualClock):
    got = delivered_expiring_in_14_days(client, admin)
    two = {"returnLines": [{"lineId": "1", "quantity": 2, "reason": "does_not_fit"}], "mode": "advance"}
    exc = exchanged(client, admin, got["orderId"], TWO_NEW, **two)
    dc = bearer(issue_token(f"dc:{DC}"))
    one = {"type": "receive", "lines": [{"lineId": "1", "quantity": 1, "disposition": "restock"}]}
    assert post(client, f"/returns/{exc['returnId']}/events", one, dc).status_code == 200
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "released"  # waits for the rest
    fire(clock, 15 * DAY)
    charged = read(client, admin, f"/exchanges/{exc['exchangeId']}")
    # The credit 28.00 less the 14.32 the received unit was worth (kept toward the new items).
    assert (charged["status"], charged["charged"]) == ("charged", eur("13.68"))


TWO_BACK = {"returnLines": [{"lineId": "1", "quantity": 2, "reason": "does_not_fit"}]}
ONE_IN_ONE_MISSING = {
    "type": "receive",
    "lines": [
        {"lineId": "1", "quantity": 1, "disposition": "restock"},
        {"lineId": "1", "quantity": 1, "disposition": "missing"},
    ],
}


def test_an_advance_exchanges_return_with_a_unit_missing_is_charged_for_it(client, admin):
    got = delivered(client, admin)
    exc = exchanged(client, admin, got["orderId"], TWO_NEW, mode="advance", **TWO_BACK)
    dc = bearer(issue_token(f"dc:{DC}"))
    received = post(client, f"/returns/{exc['returnId']}/events", ONE_IN_ONE_MISSING, dc)
    assert received.status_code == 200, received.body
    charged = read(client, admin, f"/exchanges/{exc['exchangeId']}")
    # The credit 28.00 less the 14.32 the one unit back was worth: the missing unit is paid for at once.
    assert (charged["status"], charged["charged"], charged.get("chargeDue")) == ("charged", eur("13.68"), None)
    [event] = history(order(client, admin, got["orderId"]), "ExchangeCharged")
    assert event["amount"] == eur("13.68")
    assert money_back(client, admin, got["orderId"]) == [("exchange", "credited", "14.32")]


def test_a_held_exchanges_return_with_a_unit_missing_cancels_the_replacement_and_refunds_what_came_back(client, admin):
    got = delivered(client, admin)
    exc = exchanged(client, admin, got["orderId"], TWO_NEW, **TWO_BACK)
    assert exc["status"] == "awaiting_return"
    dc = bearer(issue_token(f"dc:{DC}"))
    received = post(client, f"/returns/{exc['returnId']}/events", ONE_IN_ONE_MISSING, dc)
    assert received.status_code == 200, received.body
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "cancelled"
    replacement = order(client, admin, exc["replacementOrderId"])
    assert (replacement["status"], replacement["fulfilmentOrders"]) == ("cancelled", [])
    assert money_back(client, admin, exc["replacementOrderId"]) == [("exchange", "credited", "28.00")]
    # The one unit that came back is refunded as money: nothing else was paid.
    assert money_back(client, admin, got["orderId"]) == [("payment", "requested", "14.32")]
    [event] = history(order(client, admin, got["orderId"]), "ExchangeCancelled")
    assert event["returnStatus"] == "received"


def test_a_charged_exchanges_return_arriving_short_gets_back_only_what_came_back(client, admin, clock: ManualClock):
    got = delivered_expiring_in_14_days(client, admin)
    exc = exchanged(client, admin, got["orderId"], TWO_NEW, mode="advance", **TWO_BACK)
    assert post(client, f"/returns/{exc['returnId']}/events", {"type": "ship"}, admin).status_code == 200
    fire(clock, 15 * DAY)
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["charged"] == eur("28.00")

    dc = bearer(issue_token(f"dc:{DC}"))
    assert post(client, f"/returns/{exc['returnId']}/events", ONE_IN_ONE_MISSING, dc).status_code == 200
    # The one unit back (14.32) is kept toward the new items, so of the 28.00 charged 14.32 comes back.
    assert money_back(client, admin, got["orderId"]) == [
        ("exchange", "credited", "14.32"),
        ("payment", "requested", "14.32"),
    ]


def test_a_held_exchanges_return_whose_rest_never_follows_is_given_up(client, admin, clock: ManualClock):
    got = delivered_expiring_in_14_days(client, admin)
    exc = exchanged(client, admin, got["orderId"], TWO_NEW, **TWO_BACK)
    dc = bearer(issue_token(f"dc:{DC}"))
    one = {"type": "receive", "lines": [{"lineId": "1", "quantity": 1, "disposition": "restock"}]}
    assert post(client, f"/returns/{exc['returnId']}/events", one, dc).status_code == 200
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "awaiting_return"
    fire(clock, 15 * DAY)
    assert read(client, admin, f"/returns/{exc['returnId']}")["status"] == "received"
    assert read(client, admin, f"/exchanges/{exc['exchangeId']}")["status"] == "cancelled"
    assert order(client, admin, exc["replacementOrderId"])["status"] == "cancelled"
    assert money_back(client, admin, got["orderId"]) == [("payment", "requested", "14.32")]
