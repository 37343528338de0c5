"""Shopify's own order edits (signed `orders/updated` webhooks through the inbox queue): units Shopify
took off a line (`quantity - current_quantity`, by an order edit or a refund restocked as cancelled)
are cancelled in the OMS, their stock released and their refund recorded as Shopify's, never paid by
the OMS; units refunded after they shipped are left to returns."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from tests import channels as ch
from tests.conftest import put
from tests.functional.test_channel_orders import BEYOND_2_53, SHOP, shopify_order
from tests.functional.test_fulfilment_events import stock
from tests.functional.test_order_edits import shipped

pytestmark = pytest.mark.usefixtures("demo")
IPOD = "IPOD2008PINK"
TWO, DISCOUNTED = "866550311766439020", "141249953214522974"  # the captured order's two line ids
USD = "USD"


def usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": USD}


def placed(client: Any, admin: dict[str, str], *, on_hand: int = 100, lines: int = 2) -> dict[str, Any]:
    """A paid Shopify order as sent: two IPODs at 199.00 on line TWO and (with `lines` 2) one at 199.00
    less 5.00 on line DISCOUNTED, plus 10.00 shipping; the OMS has taken it."""
    ch.connect(client, admin, SHOP, "shopify")
    put(client, f"/inventory/{ch.DC}/{IPOD}", {"onHand": on_hand}, admin)
    sent = ch.variant("shopify_orders_create.json", id=BEYOND_2_53, cancelled_at=None, financial_status="paid")
    two, discounted = sent["line_items"]
    if lines == 2:
        sent.update(line_items=[{**two, "quantity": 2}, discounted], total_price="602.00", subtotal_price="592.00")
    else:
        sent.update(line_items=[{**two, "quantity": 2}], total_price="408.00", subtotal_price="398.00")
        sent.update(total_discounts="0.00", discount_applications=[])
    assert shopify_order(client, admin, sent) is not None
    return sent


def update(sent: dict[str, Any], updated_at: str, current: dict[str, int], **changes: Any) -> dict[str, Any]:
    """`sent` as Shopify sends it after a change: each line's `current_quantity` (as `current` says,
    else all of it), the current totals, and `changes`."""
    order = {**copy.deepcopy(sent), "updated_at": updated_at, **changes}
    for item in order["line_items"]:
        item["current_quantity"] = current.get(str(item["id"]), item["quantity"])
    return order


def refund(*items: tuple[str, int, str]) -> dict[str, Any]:
    """A Shopify refund of (line id, units, restock type)."""
    return {
        "id": 890088186047892319,
        "refund_line_items": [
            {"id": n, "line_item_id": int(line_id), "quantity": units, "restock_type": restock}
            for n, (line_id, units, restock) in enumerate(items, 1)
        ],
    }


def deliver(client: Any, order: dict[str, Any], *, webhook_id: str | None = None) -> None:
    body = ch.raw(order)
    headers = ch.shopify_headers(body, "orders/updated", webhook_id=webhook_id)
    assert ch.deliver(client, SHOP, body, headers).status_code == 202
    ch.drain()


def the_order(client: Any, admin: dict[str, str]) -> dict[str, Any]:
    found = ch.order_of(client, admin, SHOP, str(BEYOND_2_53))
    assert found is not None
    return found


def units(order: dict[str, Any]) -> dict[str, tuple[int, int, str]]:
    """Per line: (quantity, cancelled, status)."""
    return {ln["lineId"]: (ln["quantity"], ln["cancelledQuantity"], ln["status"]) for ln in order["lines"]}


def refunds(order: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    return [(r["executor"], r["status"], r["amount"]) for r in order["refunds"]]


EDITED = {"current_total_price": "403.00", "current_subtotal_price": "393.00", "current_total_tax": "0.00"}


@pytest.mark.parametrize(
    "how",
    [
        {},  # an order edit: Shopify keeps no refund line for the unit; the merchant refunds the balance there
        {"refunds": [refund((TWO, 1, "cancel"))]},  # a refund of the unit, restocked as cancelled
    ],
    ids=["order-edit", "refund-restock-cancel"],
)
def test_units_shopify_took_off_are_cancelled_with_their_refund_recorded_as_shopifys(client, admin, how):
    sent = placed(client, admin)
    before = stock(client, IPOD, admin)[ch.DC]

    change = {**EDITED, "current_total_discounts": "5.00", "financial_status": "partially_refunded", **how}
    deliver(client, update(sent, "2019-06-05T10:00:00-04:00", {TWO: 1}, **change))

    found = the_order(client, admin)
    assert units(found) == {TWO: (2, 1, "allocated"), DISCOUNTED: (1, 0, "allocated")}
    # Shopify's own refund, what the customer paid for the unit (the totals' difference), to the cent;
    # the OMS records it and asks its payment side for nothing.
    taken_off = Decimal(sent["total_price"]) - Decimal(EDITED["current_total_price"])
    assert (
        refunds(found)
        == [("channel", "refunded_by_channel", usd(f"{taken_off:.2f}"))]
        == [("channel", "refunded_by_channel", usd("199.00"))]
    )
    assert found["payment"] == {"status": "paid", "amount": usd("602.00")}
    after = stock(client, IPOD, admin)[ch.DC]
    assert (after["onHand"], after["reserved"]) == (before["onHand"], before["reserved"] - 1)
    [cancelled] = [h for h in found["history"] if h["type"] == "OrderLinesCancelled"]
    assert cancelled["detail"]["lines"] == [{"lineId": TWO, "quantity": 1}]


def test_the_same_edit_delivered_again_or_carried_by_a_later_update_cancels_once(client, admin):
    sent = placed(client, admin)
    edited = update(sent, "2019-06-05T10:00:00-04:00", {TWO: 1}, **EDITED)

    deliver(client, edited, webhook_id="edit-1")
    deliver(client, edited, webhook_id="edit-1")  # Shopify's retry of the delivery
    deliver(client, edited, webhook_id="edit-2")  # another webhook of the same change
    later = {**edited["shipping_address"], "address2": "Suite 2"}
    deliver(client, {**edited, "updated_at": "2019-06-06T10:00:00-04:00", "shipping_address": later})

    found = the_order(client, admin)
    assert units(found) == {TWO: (2, 1, "allocated"), DISCOUNTED: (1, 0, "allocated")}
    assert refunds(found) == [("channel", "refunded_by_channel", usd("199.00"))]
    assert found["delivery"]["address"]["line2"] == "Suite 2"


def test_every_unit_taken_off_cancels_the_order_with_all_it_paid_recorded_as_refunded_by_shopify(client, admin):
    sent = placed(client, admin)
    before = stock(client, IPOD, admin)[ch.DC]
    everything = refund((TWO, 2, "cancel"), (DISCOUNTED, 1, "cancel"))
    nothing = {"current_total_price": "0.00", "current_subtotal_price": "0.00", "current_total_discounts": "0.00"}

    deliver(
        client,
        update(
            sent,
            "2019-06-05T10:00:00-04:00",
            {TWO: 0, DISCOUNTED: 0},
            financial_status="refunded",
            refunds=[everything],
        )
        | nothing,
    )

    found = the_order(client, admin)
    assert found["status"] == "cancelled"
    assert units(found) == {TWO: (2, 2, "cancelled"), DISCOUNTED: (1, 1, "cancelled")}
    # All the customer paid (592.00 of goods, 10.00 shipping), never more, and not by the OMS.
    assert refunds(found) == [("channel", "refunded_by_channel", usd("602.00"))]
    assert {fo["status"] for fo in found["fulfilmentOrders"]} == {"cancelled"}
    assert stock(client, IPOD, admin)[ch.DC]["reserved"] == before["reserved"] - 3


def test_an_update_without_current_quantity_changes_no_units(client, admin):
    sent = placed(client, admin)
    taken = the_order(client, admin)
    older = copy.deepcopy(sent)  # as API versions before 2024-01 send it: no current_quantity at all
    for item in older["line_items"]:
        item.pop("current_quantity", None)

    deliver(client, {**older, "updated_at": "2019-06-05T10:00:00-04:00", "refunds": [refund((TWO, 1, "cancel"))]})

    found = the_order(client, admin)
    assert units(found) == units(taken) == {TWO: (2, 0, "allocated"), DISCOUNTED: (1, 0, "allocated")}
    assert found["refunds"] == []


@pytest.mark.parametrize(
    "restock, cancelled",
    [
        ("return", 0),  # the shipped unit came back: a return, not a cancellation of the other
        ("no_restock", 0),  # kept by the customer: as far as units were fulfilled, it may be the shipped one
        ("cancel", 1),  # the unit that never shipped
    ],
)
def test_a_unit_refunded_after_one_shipped_cancels_only_a_unit_that_never_did(client, admin, restock, cancelled):
    sent = placed(client, admin, on_hand=1, lines=1)  # one unit allocated (and shipped), one backordered
    for fo in the_order(client, admin)["fulfilmentOrders"]:
        shipped(client, fo["fulfilmentOrderId"])
    fulfilment = {"id": 255858046, "status": "success", "line_items": [{"id": int(TWO), "quantity": 1}]}

    deliver(
        client,
        update(
            sent,
            "2019-06-05T10:00:00-04:00",
            {TWO: 1},
            financial_status="partially_refunded",
            refunds=[refund((TWO, 1, restock))],
            fulfillments=[fulfilment],
            current_total_price="209.00",
        ),
    )

    found = the_order(client, admin)
    [line] = found["lines"]
    assert (line["cancelledQuantity"], line["ledger"]["fulfilled"]) == (cancelled, 1)
    assert line["backorderedQuantity"] == 1 - cancelled
    assert refunds(found) == ([("channel", "refunded_by_channel", usd("199.00"))] if cancelled else [])


def test_an_order_cancelled_after_an_edit_the_oms_never_saw_refunds_each_unit_once(client, admin):
    sent = placed(client, admin)

    cancelled = update(sent, "2019-06-05T10:00:00-04:00", {TWO: 1}, **EDITED, cancelled_at="2019-06-05T10:00:00-04:00")
    body = ch.raw(cancelled)
    assert ch.deliver(client, SHOP, body, ch.shopify_headers(body, "orders/cancelled")).status_code == 202
    ch.drain()

    found = the_order(client, admin)
    assert units(found) == {TWO: (2, 2, "cancelled"), DISCOUNTED: (1, 1, "cancelled")}
    # The edited unit's refund is Shopify's; the rest (199.00 + 194.00 + 10.00 shipping) the OMS's as
    # ever for a whole cancellation: together all that was paid, nothing twice.
    assert refunds(found) == [
        ("channel", "refunded_by_channel", usd("199.00")),
        ("payment", "requested", usd("403.00")),
    ]
