"""Journeys 19-22 and 24 of SCENARIOS.md over HTTP on the local stack: an exchange is a return
(authorized by the live policy: the built-in one, refunded on receipt, no fees) and a linked
replacement order; the price difference is paid before a dearer replacement goes, or refunded to the
cent (the returned units' value kept toward the new items, never paid out as well). Stock is compared
before and after at the receiving and the sending locations (the stack is shared by the session)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_journeys import DC, DH, HOME_ROUTE, RTM, UTR, Oms, home, moved, oms, walk
from tests.e2e.test_return_journeys import SKU, bought_in_store, delivered_online

pytestmark = pytest.mark.e2e
__all__ = ["oms"]  # the fixture, imported to be used here
# One of the 3 returned units of the order's 29.00 line: 9.67.
RETURNED = [{"lineId": "1", "quantity": 1, "reason": "does_not_fit"}]


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def new_item(sku: str, price: str, quantity: int = 1) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity, "unitPrice": eur(price)}


def exchange(oms: Oms, order: dict[str, Any], new_lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    body = {"returnLines": RETURNED, "newLines": new_lines, **fields}
    got: dict[str, Any] = oms.post(f"/orders/{order['orderId']}/exchanges", body, expect=201)
    return got


def receive(oms: Oms, exc: dict[str, Any], at: str) -> None:
    """Received by the location's own token, resellable."""
    lines = [{"lineId": "1", "quantity": 1, "disposition": "restock"}]
    received = oms.at(at).post(f"/returns/{exc['returnId']}/events", {"type": "receive", "lines": lines})
    assert received["receivedAt"] == {"locationId": at}


def money(oms: Oms, order_id: str) -> list[tuple[str, str, str]]:
    """The order's refunds: (executor, status, amount)."""
    refunds = oms.get(f"/orders/{order_id}")["refunds"]
    return [(r["executor"], r["status"], r["amount"]["amount"]) for r in refunds]


def pay_refunds(oms: Oms, order_id: str) -> None:
    """The payment side confirms every refund it was asked to pay."""
    for refund in oms.get(f"/orders/{order_id}")["refunds"]:
        if (refund["executor"], refund["status"]) == ("payment", "requested"):
            oms.post(f"/refunds/{refund['refundId']}/events", {"type": "succeeded", "reference": "psp-1"})


def the_replacement(oms: Oms, exc: dict[str, Any]) -> dict[str, Any]:
    got: dict[str, Any] = oms.get(f"/orders/{exc['replacementOrderId']}")
    return got


def test_journey_19_exchange_online_purchase_via_dc(oms: Oms) -> None:
    order = delivered_online(oms)
    before = {sku: oms.stock(sku) for sku in (SKU, "CAP-NAVY")}
    exc = exchange(oms.as_role("cs"), order, [new_item("CAP-NAVY", "7.50")], returnTo={"locationId": DC})
    assert (exc["status"], exc["priceDifference"]) == ("awaiting_return", eur("-2.17"))  # 7.50 - 9.67
    assert the_replacement(oms, exc)["fulfilmentOrders"] == []  # on_receipt: held until the return is in

    receive(oms, exc, DC)
    assert moved(oms, before[SKU], SKU) == ({DC: 1}, {})
    assert oms.get(f"/exchanges/{exc['exchangeId']}")["status"] == "completed"
    pay_refunds(oms, order["orderId"])
    assert money(oms, order["orderId"]) == [("exchange", "credited", "7.50"), ("payment", "succeeded", "2.17")]
    [fo] = the_replacement(oms, exc)["fulfilmentOrders"]
    assert fo["locationId"] == DC
    assert moved(oms, before["CAP-NAVY"], "CAP-NAVY") == ({}, {DC: 1})
    walk(oms, exc["replacementOrderId"], fo, HOME_ROUTE)
    assert the_replacement(oms, exc)["status"] == "completed"


def test_journey_20_exchange_online_purchase_in_a_store_for_other_items(oms: Oms) -> None:
    order = delivered_online(oms)
    before = {sku: oms.stock(sku) for sku in (SKU, "CAP-NAVY")}
    # At Utrecht's counter: the jeans handed in, two caps carried out, in one call.
    exc = exchange(oms.at(UTR), order, [new_item("CAP-NAVY", "4.00", 2)], receivedAt={"locationId": UTR})
    assert (exc["status"], exc["priceDifference"]) == ("completed", eur("-1.67"))  # 8.00 - 9.67
    replacement = the_replacement(oms, exc)
    assert (replacement["status"], replacement["storeId"]) == ("completed", UTR)
    assert moved(oms, before[SKU], SKU) == ({UTR: 1}, {})
    assert moved(oms, before["CAP-NAVY"], "CAP-NAVY") == ({UTR: -2}, {})
    pay_refunds(oms, order["orderId"])
    assert money(oms, order["orderId"]) == [("exchange", "credited", "8.00"), ("payment", "succeeded", "1.67")]


def test_journey_21_exchange_store_purchase_via_dc(oms: Oms) -> None:
    order = bought_in_store(oms, DH)
    before = {sku: oms.stock(sku) for sku in (SKU, "SNEAKER-42")}
    cs = oms.as_role("cs")
    exc = exchange(cs, order, [new_item("SNEAKER-42", "30.00")], returnTo={"locationId": DC}, delivery=home())
    assert (exc["status"], exc["priceDifference"]) == ("awaiting_payment", eur("20.33"))  # 30.00 - 9.67
    paid = cs.post(f"/exchanges/{exc['exchangeId']}/events", {"type": "paid"})
    assert paid["status"] == "awaiting_return"
    assert the_replacement(oms, exc)["fulfilmentOrders"] == []

    receive(oms, exc, DC)
    assert moved(oms, before[SKU], SKU) == ({DC: 1}, {})
    assert oms.get(f"/exchanges/{exc['exchangeId']}")["status"] == "completed"
    assert money(oms, order["orderId"]) == [("exchange", "credited", "9.67")]  # nothing paid out
    [fo] = the_replacement(oms, exc)["fulfilmentOrders"]
    assert (fo["locationId"], fo["method"]) == (DC, "home_delivery")
    walk(oms, exc["replacementOrderId"], fo, HOME_ROUTE)
    assert moved(oms, before["SNEAKER-42"], "SNEAKER-42") == ({DC: -1}, {})


def test_journey_22_exchange_item_bought_in_store_a_for_item_from_store_b(oms: Oms) -> None:
    order = bought_in_store(oms, DH)
    before = {sku: oms.stock(sku) for sku in (SKU, "JACKET-RAIN-M")}
    assert before["JACKET-RAIN-M"][RTM]["available"] >= 1
    den_haag = oms.at(DH)
    exc = exchange(
        den_haag,
        order,
        [new_item("JACKET-RAIN-M", "89.00")],
        receivedAt={"locationId": DH},
        shipFrom=RTM,
        delivery=home(),
    )
    assert (exc["status"], exc["priceDifference"]) == ("awaiting_payment", eur("79.33"))  # 89.00 - 9.67
    assert moved(oms, before[SKU], SKU) == ({DH: 1}, {})  # handed in at store A's counter
    den_haag.post(f"/exchanges/{exc['exchangeId']}/events", {"type": "paid"})
    assert oms.get(f"/exchanges/{exc['exchangeId']}")["status"] == "completed"
    [fo] = the_replacement(oms, exc)["fulfilmentOrders"]
    assert fo["locationId"] == RTM
    assert moved(oms, before["JACKET-RAIN-M"], "JACKET-RAIN-M") == ({}, {RTM: 1}), "from store B"
    walk(oms, exc["replacementOrderId"], fo, HOME_ROUTE)
    assert moved(oms, before["JACKET-RAIN-M"], "JACKET-RAIN-M") == ({RTM: -1}, {})
    assert money(oms, order["orderId"]) == [("exchange", "credited", "9.67")]


def test_journey_24_customer_service_exchanges_items_for_the_customer(oms: Oms) -> None:
    order = delivered_online(oms)
    before = {sku: oms.stock(sku) for sku in (SKU, "TEE-BLACK-L")}
    cs = oms.as_role("cs")
    # Advance: the new tee goes at once, before the jeans come back.
    exc = exchange(cs, order, [new_item("TEE-BLACK-L", "9.67")], returnTo={"locationId": DC}, mode="advance")
    assert (exc["status"], exc["priceDifference"], exc["chargeDue"] is not None) == ("released", eur("0.00"), True)
    [fo] = the_replacement(oms, exc)["fulfilmentOrders"]
    assert moved(oms, before["TEE-BLACK-L"], "TEE-BLACK-L") == ({}, {fo["locationId"]: 1})
    assert cs.get(f"/exchanges/{exc['exchangeId']}")["replacementOrderId"] == exc["replacementOrderId"]

    receive(oms, exc, DC)
    done = cs.get(f"/exchanges/{exc['exchangeId']}")
    assert (done["status"], done.get("chargeDue")) == ("completed", None)
    assert moved(oms, before[SKU], SKU) == ({DC: 1}, {})
    assert money(oms, order["orderId"]) == [("exchange", "credited", "9.67")]
    history = {h["type"] for h in cs.get(f"/orders/{order['orderId']}")["history"]}
    assert {"ExchangeCreated", "ReturnAuthorized", "ReturnReceived"} <= history
