"""Shopify's mapping of units taken off a line: `quantity - current_quantity`, less the units refunded
after they shipped (returned ones; unrestocked ones as far as the line has units fulfilled)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters.channels import connector
from chalicelib.adapters.channels.base import ChannelOrder, Unmappable, parse
from chalicelib.domain.network import Channel
from tests.captured import payload
from tests.channels import raw

LINE = 866550311766439020  # the captured order's first line


def mapped(
    quantity: int, current: int | None, refunded: tuple[tuple[int, str], ...] = (), **order: Any
) -> ChannelOrder:
    """The captured order with its first line of `quantity` units (`current` of them left), refunds of
    (units, restock type) of it, and `order`'s other fields."""
    body = payload("shopify_orders_create.json")
    first, second = body["line_items"]
    items = [{"line_item_id": LINE, "quantity": n, "restock_type": restock} for n, restock in refunded]
    body.update(line_items=[{**first, "quantity": quantity, "current_quantity": current}, second], **order)
    body.update(refunds=[{"id": 1, "refund_line_items": items}] if items else [])
    return connector("shopify").to_order(parse(raw(body)), Channel("shop", "shopify"))


def fulfilled(units: int, status: str = "success") -> list[dict[str, Any]]:
    return [{"id": 1, "status": status, "line_items": [{"id": LINE, "quantity": units}]}]


@pytest.mark.parametrize(
    "quantity, current, refunded, fulfillments, cancelled",
    [
        (2, 2, (), [], 0),
        (2, 1, (), [], 1),  # an order edit: it removes unfulfilled units only
        (3, 1, ((1, "cancel"),), fulfilled(1), 2),  # an edit's one and the refund's; the fulfilled one stays
        (2, 1, ((1, "return"),), fulfilled(1), 0),
        (2, 1, ((1, "no_restock"),), [], 1),  # nothing fulfilled: it never shipped
        (2, 1, ((1, "no_restock"),), fulfilled(1), 0),  # it may be the shipped one: left to returns
        (2, 1, ((1, "no_restock"),), fulfilled(1, "cancelled"), 1),  # a cancelled fulfillment shipped nothing
        (3, 1, ((1, "return"), (1, "no_restock")), fulfilled(1), 1),  # the one fulfilled came back
        (3, 1, ((1, "legacy_restock"),), fulfilled(2), 1),
    ],
)
def test_units_taken_off_before_they_shipped_are_cancelled(quantity, current, refunded, fulfillments, cancelled):
    found = mapped(quantity, current, refunded, fulfillments=fulfillments)

    assert found.cancelled_units == ({str(LINE): cancelled} if cancelled else {})
    assert found.units_refunded_by_platform  # Shopify settles their money: never the OMS
    assert found.command.lines[0].quantity == quantity  # the line keeps what was ordered


def test_a_line_without_current_quantity_has_none_cancelled_whatever_its_refunds():
    assert mapped(2, None, ((1, "cancel"),)).cancelled_units == {}


def test_a_current_quantity_above_the_quantity_is_unmappable():
    with pytest.raises(Unmappable, match=f"line item {LINE}'s current_quantity is more than its quantity"):
        mapped(1, 2)
