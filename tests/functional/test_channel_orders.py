"""Platform orders through the real route, signature and queue: each captured payload becomes its
canonical order; repeats, shuffles and stale deliveries converge; an unknown SKU is dead-lettered
with its reason and created once redriven."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tests.captured import payload
from tests.channels import (
    connect,
    count_stock,
    deliver,
    drain,
    inbox_dead_letter,
    order_of,
    raw,
    redrive_inbox,
    shopify_headers,
    variant,
    woo_headers,
)
from tests.conftest import bearer, issue_token

pytestmark = pytest.mark.usefixtures("demo")
SHOP = "shopify-nl"
WOO = "woo-nl"
STORE = "store-ams-kalverstraat"
BEYOND_2_53 = 9_007_199_254_740_993  # 2^53 + 1: a float would make it ...992


def skus(order: dict[str, Any]) -> list[str]:
    return [str(li["sku"]) for li in order["line_items"]]


def shopify_order(client: Any, admin: dict[str, str], order: dict[str, Any], topic: str = "orders/create") -> Any:
    body = raw(order)
    answer = deliver(client, SHOP, body, shopify_headers(body, topic))
    assert answer.status_code == 202, answer.body
    drain()
    return order_of(client, admin, SHOP, str(order.get("order", order)["id"]))


@pytest.mark.parametrize(
    "name, cancelled",
    [
        ("shopify_orders_create.json", True),
        ("shopify_orders_cancelled.json", True),
        ("shopify_order_rest_fixture.json", False),
    ],
)
def test_each_captured_shopify_order_becomes_its_canonical_order(client, admin, name, cancelled):
    connect(client, admin, SHOP, "shopify")
    captured = payload(name)
    order = captured.get("order", captured)
    count_stock(client, admin, *skus(order))

    found = shopify_order(client, admin, captured)

    assert found is not None
    assert found["externalId"] == str(order["id"]) and found["channel"] == SHOP
    assert [(ln["lineId"], ln["sku"], ln["quantity"]) for ln in found["lines"]] == [
        (str(li["id"]), li["sku"], li["quantity"]) for li in order["line_items"]
    ]
    # The contract's prices include VAT: a shop whose prices exclude it has its tax in the unit price.
    untaxed = order["taxes_included"] is False and order["total_tax"] != "0.00"
    assert all(
        (ln["unitPrice"]["amount"] == li["price"]) is not untaxed
        for ln, li in zip(found["lines"], order["line_items"], strict=True)
    )
    assert (
        found["total"] == found["payment"]["amount"] == {"amount": order["total_price"], "currency": order["currency"]}
    )
    assert found["customer"]["id"] == f"{SHOP}:{order['customer']['id']}"
    shipping = order["shipping_address"]
    assert found["delivery"]["address"]["postalCode"] == shipping["zip"]
    assert found["delivery"]["address"]["country"] == shipping["country_code"]
    assert all(ln["status"] == "cancelled" for ln in found["lines"]) is cancelled


def test_the_captured_woocommerce_order_becomes_its_canonical_order(client, admin):
    connect(client, admin, WOO, "woocommerce")
    order = payload("woocommerce_order.json")
    # Its first product has no SKU in WooCommerce: the line is kept under the channel's product id.
    count_stock(client, admin, f"{WOO}:product:93", "Bar3")
    body = raw(order)
    assert deliver(client, WOO, body, woo_headers(body, "order.created")).status_code == 202
    drain()

    found = order_of(client, admin, WOO, "727")
    assert found is not None
    assert [(ln["lineId"], ln["sku"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in found["lines"]] == [
        ("315", f"{WOO}:product:93", 2, "3.225"),  # 6.00 + 0.45 tax for two: VAT included
        ("316", "Bar3", 1, "12.90"),
    ]
    assert found["total"] == {"amount": "29.35", "currency": "USD"}
    assert found["shipping"]["amount"] == {"amount": "10.00", "currency": "USD"}
    assert found["placedAt"] == "2017-03-22T19:28:02.000Z"  # date_created_gmt, UTC
    assert found["payment"] == {"status": "paid", "amount": {"amount": "29.35", "currency": "USD"}}
    assert found["customer"]["id"] == f"{WOO}:guest:727"
    assert found["delivery"]["address"] == {
        "name": "John Doe",
        "line1": "969 Market",
        "postalCode": "94103",
        "city": "San Francisco",
        "region": "CA",
        "country": "US",
    }


def test_a_dutch_pick_up_order_with_many_lines_and_huge_ids_and_nothing_optional(client, admin):
    connect(client, admin, SHOP, "shopify", currency="EUR", locationMap={"ams-kalverstraat": STORE})
    lines = [
        {"id": BEYOND_2_53 + n, "sku": sku, "quantity": n + 1, "price": price}
        for n, (sku, price) in enumerate([("TEE-WHITE-M", "19.95"), ("CAP-NAVY", 20), ("TEE-BLACK-L", "0.5")])
    ]
    order = {
        "id": BEYOND_2_53,
        "created_at": "2026-03-29T02:30:00+02:00",
        "updated_at": "2026-03-29T02:31:00+02:00",
        "financial_status": "paid",
        "total_price": "80.95",
        "cancelled_at": None,
        "line_items": lines,
        "shipping_lines": [{"code": "ams-kalverstraat", "price": "0.00", "delivery_category": "pick-up"}],
    }

    found = shopify_order(client, admin, order)

    assert found is not None
    assert found["externalId"] == str(BEYOND_2_53)
    assert [ln["lineId"] for ln in found["lines"]] == [str(BEYOND_2_53 + n) for n in range(3)]
    assert [ln["unitPrice"] for ln in found["lines"]] == [
        {"amount": a, "currency": "EUR"} for a in ("19.95", "20", "0.5")
    ]
    assert found["placedAt"] == "2026-03-29T00:30:00.000Z"
    assert found["delivery"] == {"method": "click_and_collect", "locationId": STORE}
    assert found["customer"] == {"id": f"{SHOP}:guest:{BEYOND_2_53}", "email": None, "name": None, "phone": None}
    assert found["payment"]["status"] == "paid"


def on_the_keizersgracht(house_number: str, **more: str) -> dict[str, str]:
    """The canonical address of Keizersgracht <house_number>, 1015 CJ Amsterdam (name and company in
    `more`): the house number apart from the street, as Dutch carriers want it."""
    street = {"line1": "Keizersgracht", "houseNumber": house_number}
    return {**more, **street, "postalCode": "1015 CJ", "city": "Amsterdam", "country": "NL"}


def test_a_dutch_home_address_gets_its_house_number_apart(client, admin):
    connect(client, admin, SHOP, "shopify")
    address = {"name": "Anna de Vries", "address1": "Keizersgracht 123 A", "zip": "1015 CJ", "city": "Amsterdam"}
    order = variant("shopify_orders_create.json", id=BEYOND_2_53, shipping_address={**address, "country_code": "NL"})
    count_stock(client, admin, *skus(order))

    found = shopify_order(client, admin, order)

    assert found is not None
    assert found["delivery"]["address"] == on_the_keizersgracht("123-A", name="Anna de Vries")


def _versions(n: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Per order its create (open) and a later update (cancelled for every other order)."""
    pairs = []
    for k in range(n):
        created = variant(
            "shopify_order_rest_fixture.json",
        )["order"]
        created.update(id=BEYOND_2_53 * 10 + k, cancelled_at=None)
        updated = {**created, "updated_at": "2030-01-01T00:00:00Z"}
        if k % 2:
            updated["cancelled_at"] = "2030-01-01T00:00:00Z"
        pairs.append((created, updated))
    return pairs


def test_repeats_and_shuffled_deliveries_end_in_one_correct_order_each(client, admin):
    connect(client, admin, SHOP, "shopify")
    pairs = _versions(8)
    count_stock(client, admin, *skus(pairs[0][0]))
    deliveries = [
        (raw(o), topic, f"wh-{k}-{topic}")
        for k, (created, updated) in enumerate(pairs)
        for o, topic in ((created, "orders/create"), (updated, "orders/updated"))
    ]
    rng = random.Random(11)
    deliveries += rng.sample(deliveries, k=round(len(deliveries) * 0.3))  # 30% delivered twice
    rng.shuffle(deliveries)

    for body, topic, webhook_id in deliveries:
        answer = deliver(client, SHOP, body, shopify_headers(body, topic, webhook_id=webhook_id))
        assert answer.status_code == 202, answer.body
    drain()

    for k, (created, _) in enumerate(pairs):
        found = order_of(client, admin, SHOP, str(created["id"]))
        assert found is not None
        expected = "cancelled" if k % 2 else "open"
        assert {ln["status"] for ln in found["lines"]} == {"cancelled" if k % 2 else "allocated"}, expected
    listed = client.http.get(f"/orders?channel={SHOP}&limit=100", headers=admin)
    assert len(json.loads(listed.body)["items"]) == len(pairs)


def test_an_update_that_arrives_before_its_create_gives_the_final_order(client, admin):
    connect(client, admin, SHOP, "shopify")
    [(created, updated)] = _versions(2)[1:]
    count_stock(client, admin, *skus(created))

    for order, topic in ((updated, "orders/cancelled"), (created, "orders/create")):
        body = raw(order)
        assert deliver(client, SHOP, body, shopify_headers(body, topic)).status_code == 202
    drain()

    found = order_of(client, admin, SHOP, str(created["id"]))
    assert found is not None
    assert {ln["status"] for ln in found["lines"]} == {"cancelled"}
    # The create came later but is older: it changed nothing (the lines were cancelled once).
    assert [h["type"] for h in found["history"]].count("OrderLinesCancelled") == 1


def test_an_unknown_sku_is_dead_lettered_with_its_reason_and_created_once_redriven(client, admin):
    connect(client, admin, SHOP, "shopify")
    order = variant("shopify_orders_create.json", id=BEYOND_2_53, cancelled_at=None)
    ops = bearer(issue_token("ops"))
    body = raw(order)
    assert deliver(client, SHOP, body, shopify_headers(body, "orders/create")).status_code == 202
    pump = drain()
    assert order_of(client, admin, SHOP, str(BEYOND_2_53)) is None

    letter = inbox_dead_letter(client, ops)
    assert letter["reason"].startswith("Unmappable: SKU 'IPOD2008PINK' (line 866550311766439020) is not known")

    count_stock(client, admin, "IPOD2008PINK")
    redrive_inbox(client, ops)
    drain(pump)

    found = order_of(client, admin, SHOP, str(BEYOND_2_53))
    assert found is not None and [ln["sku"] for ln in found["lines"]] == ["IPOD2008PINK", "IPOD2008PINK"]
