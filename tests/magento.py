"""Magento orders for the tests: the captured one (../shared/channels/magento_order.json, GET /V1/orders/3)
and variants of our own built on its shape: several lines, a coupon, a configurable product (its
parent item and its simple child), a Dutch address in three street lines, a guest with nothing optional."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.captured import payload

CAPTURED = "3"  # magento_order.json's entity_id
TEE = "WS12-M-Orange"  # its one item's SKU
NEW = "41"  # the variant's entity_id
HOODIE, HOODIE_CHILD, STRAP = "101", "102", "103"  # the variant's item ids: a configurable's parent and child
HOODIE_SKU, STRAP_SKU = "MH01-M-Black", "24-UG06"


def ago(**delta: float) -> str:
    """A time as Magento writes it (UTC, no zone)."""
    return (datetime.now(UTC) - timedelta(**delta)).strftime("%Y-%m-%d %H:%M:%S")


def captured(**changes: Any) -> dict[str, Any]:
    order = copy.deepcopy(payload("magento_order.json"))
    order.pop("_provenance")
    order.update(changes)
    return order


def item(item_id: str, sku: str, qty: int, price: str, discount: str = "0", **more: Any) -> dict[str, Any]:
    """An order item in the captured item's shape: VAT-inclusive price (21 %), the row, its discount."""
    found: dict[str, Any] = copy.deepcopy(payload("magento_order.json")["items"][0])
    gross = round(float(price) * qty, 2)
    net = round(gross / 1.21, 2)
    found.update(
        item_id=int(item_id),
        order_id=int(NEW),
        sku=sku,
        name=sku,
        qty_ordered=qty,
        price=round(float(price) / 1.21, 2),
        price_incl_tax=float(price),
        row_total=net,
        row_total_incl_tax=gross,
        tax_amount=round(gross - net, 2),
        tax_percent=21,
        discount_amount=float(discount),
        discount_percent=10 if float(discount) else 0,
        **more,
    )
    return found


def dutch_variant(**changes: Any) -> dict[str, Any]:
    """Two units of a configurable hoodie (its parent carries the price, its child none) and a yoga strap,
    10 % off with coupon WELCOME10, shipping 4.95, to Keizersgracht 123 A in Amsterdam; invoiced."""
    parent = item(HOODIE, HOODIE_SKU, 2, "59.95", "11.99", product_type="configurable", product_id=1130)
    child = item(HOODIE_CHILD, HOODIE_SKU, 2, "0", product_type="simple", parent_item_id=int(HOODIE), product_id=1125)
    strap = item(STRAP, STRAP_SKU, 1, "14.95", "1.50", product_id=28)
    order = captured(
        entity_id=int(NEW),
        increment_id="000000041",
        state="processing",
        status="processing",
        base_currency_code="EUR",
        order_currency_code="EUR",
        coupon_code="WELCOME10",
        discount_amount=-13.49,
        discount_description="WELCOME10",
        subtotal_incl_tax=134.85,
        shipping_amount=4.09,
        shipping_incl_tax=4.95,
        shipping_tax_amount=0.86,
        grand_total=126.31,
        customer_email="jan@example.nl",
        customer_firstname="Jan",
        customer_lastname="de Vries",
        customer_id=17,
        created_at=ago(hours=2),
        updated_at=ago(minutes=1),
        items=[parent, child, strap],
    )
    [assignment] = order["extension_attributes"]["shipping_assignments"]
    assignment["items"] = copy.deepcopy(order["items"])
    assignment["shipping"]["address"].update(
        street=["Keizersgracht", "123", "A"],
        postcode="1015 CJ",
        city="Amsterdam",
        country_id="NL",
        region=None,
        region_code=None,
        region_id=None,
        firstname="Jan",
        lastname="de Vries",
        telephone="+31612345678",
    )
    order.update(changes)
    return order


def guest_variant() -> dict[str, Any]:
    """The captured order placed by a guest, with none of the optional fields."""
    order = captured(customer_is_guest=1, customer_id=None, updated_at=ago(minutes=1))
    for optional in ("customer_firstname", "customer_lastname", "shipping_description", "applied_rule_ids"):
        order.pop(optional)
    order["items"][0].pop("tax_percent")
    order["billing_address"].pop("telephone")
    address = order["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
    for optional in ("region", "region_code", "region_id", "telephone"):
        address.pop(optional)
    return order
