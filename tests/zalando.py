"""Zalando orders for the tests: the captured ones (../shared/channels) as the Orders API answers
them with `include=order_items,order_lines`, their items and lines built on the spec's examples,
and variants of our own."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.captured import payload

SPEC = payload("zalando_order_item_line_from_spec_examples.json")
EAN, SHOES, SOCKS = "4063614512884", "4063614512891", "ZS-SOCK-42"
FIRST = "8bc1cc02-7050-4c79-b552-f9321d9c5ef0"  # zalando_order.json
TWO_UNITS = "bb1f63d3-f97f-4c31-8813-e9f62f878b0a"  # zalando_order_two_lines_sandbox.json
NEW = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"  # a variant's order id
BOOTS, SOCKS_ITEM = "1a2b3c4d-0000-4000-8000-0000000000a0", "1a2b3c4d-0000-4000-8000-0000000000b0"


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat(timespec="milliseconds")


def line_id(item_id: str, n: int) -> str:
    """The n-th unit's line id: the item's, with the unit's number in it."""
    return f"{item_id[:-4]}{n + 1:02d}{item_id[-2:]}"


def zalando_order(name: str, items: dict[str, tuple[str, list[tuple[str, Any]]]], **changes: Any) -> dict[str, Any]:
    """The captured order (a document, or a list's bare resource) as a document with its items
    (id -> (SKU, its lines as (status, price))), modified a minute ago (within a poll's window)."""
    found = copy.deepcopy(payload(name))
    order = found.get("data", found)
    order["attributes"].update({"modified_at": ago(minutes=1), **changes})
    order_id = order["id"] = order["attributes"]["order_id"] = changes.get("order_id", order["id"])
    included = []
    for item_id, (sku, lines) in items.items():
        item = copy.deepcopy(SPEC["order_item"]["data"])
        item["id"] = item_id
        item["attributes"].update(order_item_id=item_id, order_id=order_id, external_id=sku)
        item["attributes"].update(quantity_initial=len(lines), quantity_shipped=0, modified_at=ago(hours=1))
        included.append(item)
        for n, (status, price) in enumerate(lines):
            line = copy.deepcopy(SPEC["order_line"]["data"])
            line["id"] = line_id(item_id, n)
            line["attributes"].update(order_line_id=line["id"], order_item_id=item_id, status=status)
            line["attributes"].update(price={"amount": price, "currency": "EUR"}, modified_at=ago(hours=1))
            included.append(line)
    return {"data": order, "included": included}


def captured() -> list[dict[str, Any]]:
    """The two captured orders with their items: one unit of one article; two units of one article."""
    return [
        zalando_order("zalando_order.json", {"95ed2272-7674-3bfd-9f14-37a736617f85": (EAN, [("initial", 50)])}),
        zalando_order(
            "zalando_order_two_lines_sandbox.json",
            {"ae6b0aae-e155-3693-84e0-8390c3eb0346": (SHOES, [("initial", 50), ("reserved", 50)])},
        ),
    ]


def dutch_variant() -> dict[str, Any]:
    """Several articles, three units of one (one cheaper, one cancelled), shipping paid, a Dutch address."""
    order = zalando_order(
        "zalando_order.json",
        {
            BOOTS: (EAN, [("reserved", 99.95), ("initial", 99.95), ("canceled", 89.95)]),
            SOCKS_ITEM: (SOCKS, [("initial", 24.95)]),
        },
        order_id=NEW,
        status="approved",
        shipping_costs={"amount": 3.95, "currency": "EUR"},
        customer_phone={"number": "+31612345678"},
    )
    order["data"]["attributes"]["shipping_address"].update(
        address_line_1="Keizersgracht 123A", address_line_2="3 hoog", zip_code="1015 CJ", city="Amsterdam"
    )
    order["data"]["attributes"]["shipping_address"]["country_code"] = "NL"
    return order
