"""The platforms' money on the canonical order: discounts, shipping and tax where the platform puts
them, and a total equal to the platform's to the cent (computed here with the ledger's own arithmetic)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.adapters.channels import connector
from chalicelib.adapters.channels.base import parse
from chalicelib.contracts.api import CreateOrder
from chalicelib.domain.network import Channel
from chalicelib.domain.orders.ledger import price_lines
from tests.captured import payload
from tests.channels import raw

CAPTURED = [
    ("shopify_orders_create.json", "shopify", "403.00"),
    ("shopify_orders_cancelled.json", "shopify", "404.95"),
    ("shopify_order_rest_fixture.json", "shopify", "409.94"),
    ("woocommerce_order.json", "woocommerce", "29.35"),
]


def total(cmd: CreateOrder) -> Decimal:
    """What the order comes to, as the domain prices it (lines after every discount, plus shipping)."""
    priced = price_lines(
        [ln.unit_price.decimal * ln.quantity for ln in cmd.lines],
        [sum((d.amount.decimal for d in ln.discounts), Decimal(0)) for ln in cmd.lines],
        sum((d.amount.decimal for d in cmd.discounts), Decimal(0)),
    )
    return sum((p.paid for p in priced), cmd.shipping.amount.decimal if cmd.shipping else Decimal(0))


def mapped(kind: str, order: dict[str, Any]) -> CreateOrder:
    return connector(kind).to_order(parse(raw(order)), Channel("c", kind, currency="EUR")).command


@pytest.mark.parametrize("name, kind, charged", CAPTURED)
def test_each_captured_payload_totals_exactly_what_the_platform_charged(name, kind, charged):
    cmd = mapped(kind, payload(name))
    assert total(cmd) == Decimal(charged) == cmd.payment.amount.decimal


def test_shopify_line_allocations_shipping_discounts_and_excluded_tax():
    order = copy.deepcopy(payload("shopify_orders_create.json"))
    order["discount_applications"] = [{"type": "discount_code", "code": "SUMMER5", "value_type": "fixed_amount"}]
    first, second = order["line_items"]
    first.update(quantity=3, price="10.00", tax_lines=[{"price": "2.00", "rate": 0.21}])
    second["tax_lines"] = [{"price": "40.74", "rate": 0.21}]
    order["shipping_lines"][0].update(price="10.00", discounted_price="4.00", tax_lines=[{"price": "0.84"}])
    # 32.00 + (199.00 + 40.74 - 5.00) + (4.00 + 0.84); 11.00 discounts: 5.00 on a line, 6.00 off the shipping.
    order.update(total_discounts="11.00", total_tax="43.58", total_price="271.58")

    cmd = mapped("shopify", order)

    one, two = cmd.lines
    # 32.00 for three is 10.6666...: 10.67 each, the cent too many taken off again.
    assert (one.unit_price.amount, [(d.amount.amount, d.code) for d in one.discounts]) == (
        "10.67",
        [("0.01", "tax-rounding")],
    )
    assert (two.unit_price.amount, [(d.amount.amount, d.code) for d in two.discounts]) == (
        "239.74",
        [("5.00", "SUMMER5")],
    )
    assert one.tax_rate == two.tax_rate == "21"
    assert cmd.shipping is not None and cmd.shipping.amount.amount == "4.84"
    assert cmd.discounts == []
    assert total(cmd) == Decimal(order["total_price"]) == cmd.payment.amount.decimal


def test_woocommerce_coupons_are_line_discounts_with_their_code_and_shipping_has_its_tax():
    order = copy.deepcopy(payload("woocommerce_order.json"))
    line = order["line_items"][1]
    line.update(total="9.00", total_tax="0.68")  # a 3.00 coupon on 12.00, and its tax
    order.update(coupon_lines=[{"code": "welcome3"}], shipping_tax="2.10", total="28.23")
    order["tax_lines"][0]["rate_percent"] = 7.5

    cmd = mapped("woocommerce", order)

    assert [(d.amount.amount, d.code) for d in cmd.lines[1].discounts] == [("3.22", "welcome3")]
    assert cmd.lines[1].tax_rate == "7.5"
    assert cmd.shipping is not None and cmd.shipping.amount.amount == "12.10"
    assert total(cmd) == Decimal("28.23") == cmd.payment.amount.decimal


def test_a_platform_charging_less_than_its_parts_gets_an_adjustment_and_more_stays_in_the_payment():
    order = copy.deepcopy(payload("woocommerce_order.json"))
    less = mapped("woocommerce", {**order, "total": "28.35"})
    assert [(d.amount.amount, d.code) for d in less.discounts] == [("1.00", "platform-adjustment")]
    assert total(less) == Decimal("28.35")
    more = mapped("woocommerce", {**order, "total": "31.35"})  # a tip, say: no place for it but the payment
    assert more.discounts == [] and more.payment.amount.amount == "31.35" and total(more) == Decimal("29.35")
