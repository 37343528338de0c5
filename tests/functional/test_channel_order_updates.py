"""A platform's update of an order it sent before (webhook, signed, through the inbox queue): a new
address or lines added, removed or changed edit the order through the order edit use case; one it
no longer allows (shipped) is dead-lettered at once with its reason; older ones and repeats change
nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests import channels as ch
from tests.conftest import bearer, issue_token
from tests.functional.test_channel_orders import BEYOND_2_53, SHOP, WOO, on_the_keizersgracht, shopify_order
from tests.functional.test_order_edits import shipped
from tests.functional.test_partners import emitted

pytestmark = pytest.mark.usefixtures("demo")
IPOD = "IPOD2008PINK"
WOO_SKUS = (f"{WOO}:product:93", "Bar3", "CAP-NAVY")
AMSTERDAM = {"address1": "Keizersgracht 123", "zip": "1015 CJ", "city": "Amsterdam", "country_code": "NL"}
ROTTERDAM = {"address_1": "Coolsingel 40", "postcode": "3011 AD", "city": "Rotterdam", "state": "", "country": "NL"}


def events(order: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [h for h in order["history"] if h["type"] == kind]


def line(order: dict[str, Any], line_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [ln for ln in order["lines"] if ln["lineId"] == line_id]
    assert len(found) == 1, line_id
    return found[0]


def shopify_created(client: Any, admin: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A paid Shopify order (two lines of IPOD2008PINK to Kentucky) as sent, and as the OMS took it."""
    ch.connect(client, admin, SHOP, "shopify")
    ch.count_stock(client, admin, IPOD)
    sent = ch.variant("shopify_orders_create.json", id=BEYOND_2_53, cancelled_at=None, financial_status="paid")
    taken = shopify_order(client, admin, sent)
    assert taken is not None and {ln["status"] for ln in taken["lines"]} == {"allocated"}
    return sent, taken


def shopify_update(order: dict[str, Any], updated_at: str, **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(order), "updated_at": updated_at, **changes}


def woo_deliver(client: Any, order: dict[str, Any], topic: str) -> None:
    body = ch.raw(order)
    delivery = f"{order['id']}-{order['date_modified_gmt']}"
    assert ch.deliver(client, WOO, body, ch.woo_headers(body, topic, delivery_id=delivery)).status_code == 202


def woo_created(client: Any, admin: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The captured WooCommerce order (paid, lines 315 and 316) as sent, and as the OMS took it."""
    ch.connect(client, admin, WOO, "woocommerce")
    ch.count_stock(client, admin, *WOO_SKUS)
    sent = ch.variant("woocommerce_order.json")
    woo_deliver(client, sent, "order.created")
    ch.drain()
    taken = ch.order_of(client, admin, WOO, "727")
    assert taken is not None and {ln["status"] for ln in taken["lines"]} == {"allocated"}
    return sent, taken


def woo_update(order: dict[str, Any], modified: str, **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(order), "date_modified_gmt": modified, **changes}


def test_a_shopify_update_with_a_new_address_edits_the_order(client, admin):
    sent, taken = shopify_created(client, admin)
    [before] = taken["fulfilmentOrders"]
    address = {**sent["shipping_address"], **AMSTERDAM, "province_code": None}

    update = shopify_update(sent, "2019-06-05T10:00:00-04:00", shipping_address=address)
    found = shopify_order(client, admin, update, "orders/updated")

    assert found is not None
    assert found["delivery"]["address"] == on_the_keizersgracht("123", name="Steve Shipper", company="Shipping Company")
    [edited] = events(found, "OrderEdited")
    assert edited["actor"] == f"channel:{SHOP}"
    fos = {fo["fulfilmentOrderId"]: fo for fo in found["fulfilmentOrders"]}
    assert fos.pop(before["fulfilmentOrderId"])["status"] == "cancelled"
    [new] = fos.values()
    assert new["destination"]["address"]["city"] == "Amsterdam"
    assert [(ln["lineId"], ln["quantity"], ln["status"]) for ln in found["lines"]] == [
        (ln["lineId"], ln["quantity"], "allocated") for ln in taken["lines"]
    ]
    assert found["total"] == taken["total"]


def test_a_woocommerce_update_adding_a_line_sources_it(client, admin):
    sent, taken = woo_created(client, admin)
    cap = {
        "id": 320,
        "name": "Cap",
        "product_id": 50,
        "variation_id": 0,
        "quantity": 2,
        "subtotal": "20.00",
        "subtotal_tax": "1.50",
        "total": "20.00",
        "total_tax": "1.50",
        "taxes": [{"id": 75, "total": "1.5", "subtotal": "1.5"}],
        "sku": "CAP-NAVY",
        "price": 10,
    }
    update = woo_update(
        sent,
        "2017-03-23T09:00:00",
        line_items=[*sent["line_items"], cap],
        total="50.85",
        total_tax="2.85",
        cart_tax="2.85",
    )

    woo_deliver(client, update, "order.updated")
    ch.drain()

    found = ch.order_of(client, admin, WOO, "727")
    assert found is not None
    added = line(found, "320")
    # The platform's price, VAT included: (20.00 + 1.50) / 2.
    assert (added["sku"], added["quantity"], added["unitPrice"]["amount"]) == ("CAP-NAVY", 2, "10.75")
    assert added["status"] == "allocated"
    [fo] = [fo for fo in found["fulfilmentOrders"] if any(fl["lineId"] == "320" for fl in fo["lines"])]
    assert fo["locationId"] == ch.DC and fo["status"] != "cancelled"
    [edited] = events(found, "OrderEdited")
    assert edited["detail"]["amountDue"] == {"amount": "21.50", "currency": "USD"}
    assert [ln["status"] for ln in found["lines"][:2]] == ["allocated", "allocated"]
    assert found["fulfilmentOrders"][: len(taken["fulfilmentOrders"])] == taken["fulfilmentOrders"]


def test_an_update_removing_a_line_cancels_and_refunds_it(client, admin):
    sent, taken = woo_created(client, admin)
    kept = [li for li in sent["line_items"] if li["id"] != 316]
    update = woo_update(sent, "2017-03-23T09:00:00", line_items=kept, total="16.45", total_tax="0.45", cart_tax="0.45")

    woo_deliver(client, update, "order.updated")
    ch.drain()

    found = ch.order_of(client, admin, WOO, "727")
    assert found is not None
    removed = line(found, "316")
    assert (removed["status"], removed["cancelledQuantity"]) == ("cancelled", 1)
    [refund] = found["refunds"]
    assert refund["amount"] == {"amount": "12.90", "currency": "USD"}  # 12.00 + 0.90 tax, paid
    assert line(found, "315") == line(taken, "315")
    [edited] = events(found, "OrderEdited")
    assert edited["detail"]["removedLines"] == [{"lineId": "316", "quantity": 1}]


def test_an_update_after_shipping_is_dead_lettered_with_its_reason(client, admin, capsys):
    sent, taken = woo_created(client, admin)
    for fo in taken["fulfilmentOrders"]:
        shipped(client, fo["fulfilmentOrderId"])
    before = ch.order_of(client, admin, WOO, "727")
    assert before is not None
    capsys.readouterr()

    woo_deliver(client, woo_update(sent, "2017-03-23T09:00:00", shipping=ROTTERDAM), "order.updated")
    ch.drain()

    letter = ch.inbox_dead_letter(client, bearer(issue_token("ops")))
    assert letter["receiveCount"] == 1  # refused at once: sending it again changes nothing
    assert letter["reason"] == (
        "Refused: the platform's update of order 727 cannot be applied to OMS order "
        f"{taken['orderId']}, which is left as it was: line(s) 315, 316 have shipped: "
        "the edit would change what is on its way"
    )
    assert ch.order_of(client, admin, WOO, "727") == before
    metrics = emitted(capsys.readouterr().out, "ChannelOrdersApplied")
    assert [(m["channel"], m["outcome"]) for m in metrics] == [(WOO, "refused")]


def test_an_older_update_after_a_newer_one_changes_nothing(client, admin):
    sent, taken = shopify_created(client, admin)
    [first, second] = sent["line_items"]
    newer = shopify_update(sent, "2019-06-06T10:00:00-04:00", line_items=[{**first, "quantity": 3}, second])
    older = shopify_update(
        sent, "2019-06-05T10:00:00-04:00", shipping_address={**sent["shipping_address"], **AMSTERDAM}
    )

    # The newer twice (two webhooks of one change: separate deliveries), then the older, each applied
    # before the next comes (the inbox queue keeps no order of its own).
    for order in (newer, newer, older):
        body = ch.raw(order)
        assert ch.deliver(client, SHOP, body, ch.shopify_headers(body, "orders/updated")).status_code == 202
        ch.drain()

    found = ch.order_of(client, admin, SHOP, str(BEYOND_2_53))
    assert found is not None
    assert [(ln["lineId"], ln["quantity"]) for ln in found["lines"]] == [
        (str(first["id"]), 3),
        (str(second["id"]), 1),
    ]
    assert found["delivery"] == taken["delivery"]
    [edited] = events(found, "OrderEdited")
    assert edited["detail"]["changedLines"] == [{"lineId": str(first["id"]), "quantity": 3}]
