"""Journeys 14-18 of SCENARIOS.md over HTTP on the local stack: a return authorized by the live
policy (the built-in one: 30 days, refunded on receipt, no fees), received where the customer brings
it (the location's own token), inspected, refunded to the cent. Resellable units add to the stock of
the location that received them, whichever it is; stock is compared before and after (the stack is
shared by the whole session)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_journeys import AMS, DC, DH, HOME_ROUTE, UTR, Oms, home, line, moved, oms, walk

pytestmark = pytest.mark.e2e
__all__ = ["oms"]  # the fixture, imported to be used here
SKU = "JEANS-SLIM-32"
# 3 units for 29.00 after a 1.00 discount: they refund 9.67, 9.67, then 9.66.
PAID_LINE = line("1", SKU, 3, discounts=[{"amount": {"amount": "1.00", "currency": "EUR"}}])


def delivered_online(oms: Oms) -> dict[str, Any]:
    order = oms.order([PAID_LINE], delivery=home())
    [fo] = order["fulfilmentOrders"]
    walk(oms, order["orderId"], fo, HOME_ROUTE)
    return order


def bought_in_store(oms: Oms, store: str) -> dict[str, Any]:
    return oms.at(store).order([PAID_LINE], channel="store", storeId=store)


def returned(
    oms: Oms, order: dict[str, Any], quantity: int, at: str, *, disposition: str = "restock"
) -> dict[str, Any]:
    """Asked for by customer service, received at `at` by its own token, inspected: the return."""
    body = {"lines": [{"lineId": "1", "quantity": quantity, "reason": "changed_mind"}], "returnTo": {"locationId": at}}
    ret = oms.as_role("cs").post(f"/orders/{order['orderId']}/returns", body, expect=201)
    assert (ret["status"], ret["authorized"]) == ("approved", True)
    there = oms.at(at)
    assert ret["returnId"] in {r["returnId"] for r in there.get("/returns")["items"]}  # its queue
    lines = [{"lineId": "1", "quantity": quantity, "disposition": disposition}]
    received = there.post(f"/returns/{ret['returnId']}/events", {"type": "receive", "lines": lines})
    assert (received["status"], received["receivedAt"]) == ("received", {"locationId": at})
    done: dict[str, Any] = there.post(f"/returns/{ret['returnId']}/events", {"type": "inspect"})
    assert done["status"] == "completed"
    return done


def refunds(oms: Oms, order: dict[str, Any]) -> list[str]:
    return [r["amount"]["amount"] for r in oms.get(f"/orders/{order['orderId']}")["refunds"]]


def restocked_and_refunded(oms: Oms, order: dict[str, Any], quantity: int, at: str, refunded: list[str]) -> None:
    """`quantity` units returned at `at` add to its stock; the order's refunds are then `refunded`."""
    before = oms.stock(SKU)
    returned(oms, order, quantity, at)
    assert moved(oms, before, SKU) == ({at: quantity}, {})
    assert refunds(oms, order) == refunded


def test_journey_14_return_an_online_purchase_to_the_central_dc(oms: Oms) -> None:
    order = delivered_online(oms)
    restocked_and_refunded(oms, order, 2, DC, ["19.34"])  # 9.67 + 9.67
    returned(oms, order, 1, DC)
    assert refunds(oms, order) == ["19.34", "9.66"]  # the last unit: what remains of 29.00
    assert oms.get(f"/orders/{order['orderId']}")["lines"][0]["status"] == "returned"


def test_journey_15_return_an_online_purchase_in_a_store(oms: Oms) -> None:
    restocked_and_refunded(oms, delivered_online(oms), 1, AMS, ["9.67"])


def test_journey_16_return_a_store_purchase_to_the_central_dc(oms: Oms) -> None:
    restocked_and_refunded(oms, bought_in_store(oms, DH), 1, DC, ["9.67"])


def test_journey_17_return_a_store_purchase_to_the_same_store(oms: Oms) -> None:
    order = bought_in_store(oms, DH)
    before = oms.stock(SKU)
    returned(oms, order, 1, DH, disposition="damaged")  # not for sale again: no stock
    returned(oms, order, 2, DH)
    assert moved(oms, before, SKU) == ({DH: 2}, {})
    assert refunds(oms, order) == ["9.67", "19.33"]  # 9.67 + 9.66


def test_journey_18_return_a_store_purchase_to_another_store(oms: Oms) -> None:
    # Resellable: the receiving store's stock.
    restocked_and_refunded(oms, bought_in_store(oms, DH), 3, UTR, ["29.00"])
