"""Orders stored before the ledger read back sensibly: no discounts nor shipping, and a paid
order's cancelled units counted as refunded (cancelling refunded them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chalicelib.adapters.orders_repo import order_from_item, order_to_item
from tests.unit.test_orders_domain import placed


def stored_before_the_ledger(*, paid: bool) -> dict[str, Any]:
    """2 x 19.95 and 1 x 20.00, one unit of line 1 cancelled, as an item from before the ledger."""
    item = order_to_item(placed(paid=paid))
    for line in item["lines"]:
        for key in ("ledger", "discounts", "taxRate"):
            line.pop(key)
    item["lines"][0]["cancelledQuantity"] = 1
    for key in ("discounts", "shipping"):
        item.pop(key, None)
    return item


def test_an_order_stored_before_the_ledger_reads_back_with_its_refunds_counted():
    order = order_from_item(stored_before_the_ledger(paid=True))
    first = order.lines[0]
    assert (first.paid, first.refunded_quantity, first.refunded) == (Decimal("39.90"), 1, Decimal("19.95"))
    assert (order.discounts, order.shipping, order.total.amount) == ([], None, Decimal("59.90"))
    assert order.ledger().paid == Decimal("59.90")
    again = order_from_item(order_to_item(order))  # and once written with its ledger, the same
    assert (again.lines[0].refunded_quantity, again.lines[0].refunded) == (1, Decimal("19.95"))


def test_an_authorised_order_stored_before_the_ledger_refunded_nothing():
    line = order_from_item(stored_before_the_ledger(paid=False)).lines[0]
    assert (line.cancelled_quantity, line.refunded_quantity, line.refunded) == (1, 0, Decimal("0.00"))
