"""Amazon's orders (SP-API Orders v2026-01-01) mapped, pure: several lines, promotions with their
discounts, ids beyond 2^53, missing optional sections, upper-case statuses, amounts without decimals,
and its notifications unwrapped from SQS bodies encoded once or twice."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from chalicelib.adapters.channels import amazon, connector
from chalicelib.adapters.channels.base import Unmappable, parse
from chalicelib.domain.network import Channel
from tests.captured import payload

AMAZON = Channel("amazon-nl", "amazon", currency="EUR")


def mapped(order: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The ChannelOrder and its command as `POST /orders` takes it (JSON), from the order as sent."""
    found = connector("amazon").to_order(parse(json.dumps(order)), AMAZON)
    return found, found.command.model_dump(mode="json", by_alias=True, exclude_none=True)


def example() -> dict[str, Any]:
    order: dict[str, Any] = copy.deepcopy(payload("amazon_sp_v2026_getorder.json")["order"])
    return order


def money(amount: str, currency: str = "GBP") -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


def test_promotions_keep_their_discount_on_the_line_and_the_shipping_to_the_penny():
    order = example()
    [item] = order["orderItems"]
    item.update(quantityOrdered=2)
    item["product"]["price"]["unitPrice"] = money("20.00")
    item["promotion"] = {"breakdowns": [{"promotionId": "NL-SUMMER"}, {"promotionId": "FREE-SHIP"}]}
    item["proceeds"]["breakdowns"] = [
        {"type": "ITEM", "subtotal": money("40.00")},
        {"type": "SHIPPING", "subtotal": money("4.95")},
        {
            "type": "TAX",
            "subtotal": money("8.40"),
            "detailedBreakdowns": [{"subtype": "ITEM", "value": money("8.40")}],
        },
        {
            "type": "DISCOUNT",
            "subtotal": money("-5.00"),
            "detailedBreakdowns": [
                {"subtype": "ITEM", "value": money("-4.00")},
                {"subtype": "SHIPPING", "value": money("-1.00")},
            ],
        },
    ]
    order["proceeds"] = {"grandTotal": money("48.35")}
    _, body = mapped(order)
    [line] = body["lines"]
    assert line["unitPrice"] == {"amount": "24.20", "currency": "GBP"}  # (40.00 + 8.40 tax) / 2
    assert line["discounts"] == [{"amount": {"amount": "4.00", "currency": "GBP"}, "code": "NL-SUMMER,FREE-SHIP"}]
    assert body["shipping"] == {"amount": {"amount": "3.95", "currency": "GBP"}, "method": "STANDARD"}
    assert body["payment"]["amount"] == {"amount": "48.35", "currency": "GBP"}
    assert body["discounts"] == []  # it adds up: no platform adjustment


def test_several_lines_and_ids_beyond_2_53_stay_exact():
    order = example()
    second = copy.deepcopy(order["orderItems"][0])
    second.update(orderItemId=9007199254740993, quantityOrdered=1)
    second["product"].update(sellerSku="ECHO-DOT-SPARE", price={"unitPrice": money("29.99")})
    second["proceeds"] = {"breakdowns": [{"type": "ITEM", "subtotal": money("29.99")}]}
    order["orderItems"].append(second)
    order["proceeds"]["grandTotal"] = money("133.96")
    raw = json.dumps(order)
    assert "9007199254740993" in raw  # a JSON number, as a platform may send it
    _, body = mapped(order)
    assert [(ln["lineId"], ln["sku"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in body["lines"]] == [
        ("20212345678901", "ECHO-DOT-4-UK-CHARCOAL-3PACK", 3, "30.99"),
        ("9007199254740993", "ECHO-DOT-SPARE", 1, "29.99"),
    ]
    assert body["payment"]["amount"]["amount"] == "133.96"


def test_an_order_without_its_optional_sections_still_maps():
    order = example()
    for section in ("buyer", "recipient", "proceeds", "packages", "fulfillment", "orderAliases", "programs"):
        order.pop(section)
    for item in order["orderItems"]:
        for section in ("proceeds", "promotion", "fulfillment", "programs"):
            item.pop(section)
        item["product"]["price"]["unitPrice"].pop("currencyCode")
    found, body = mapped(order)
    assert body["payment"] == {"status": "paid", "amount": {"amount": "89.97", "currency": "EUR"}}  # the channel's
    assert "delivery" not in body and "email" not in body["customer"]
    assert body["customer"]["id"] == "amazon-nl:guest:202-1234567-8901234"
    assert found.updated_at.isoformat() == "2024-12-25T16:30:00+00:00" and not found.cancelled


def test_the_sandbox_orders_map_with_amounts_as_sent():
    cases = payload("amazon_sp_v2026_sandbox_cases.json")
    orders = [c["response"]["order"] for c in cases["getOrder"]["200"]["static"]]
    orders += [o for c in cases["searchOrders"]["200"]["static"] for o in c["response"]["orders"]]
    currencies = set()
    for order in orders:
        _, body = mapped(order)
        currencies.add(body["payment"]["amount"]["currency"])
        assert body["payment"]["amount"]["amount"] == order["proceeds"]["grandTotal"]["amount"]
    assert "JPY" in currencies  # "19940": no decimals, as sent


@pytest.mark.parametrize("status", ["CANCELLED", "CANCELED", "cancelled"])
def test_a_cancelled_order_is_cancelled_however_amazon_spells_it(status):
    order = example()
    order["fulfillment"]["fulfillmentStatus"] = status
    found, _ = mapped(order)
    assert found.cancelled


def test_an_item_amazon_cancelled_before_shipping_is_cancelled_but_not_one_the_buyer_only_asked_for():
    order = example()
    first = order["orderItems"][0]
    first["fulfillment"].update(quantityFulfilled=0, quantityUnfulfilled=3)
    second = copy.deepcopy(first)
    second.update(orderItemId="20212345678902")
    first["cancellation"] = {"cancellationExecution": {"cancelledBy": "SELLER", "cancelReason": "NoInventory"}}
    second["cancellation"] = {"cancellationRequest": {"requester": "BUYER", "cancelReason": "Changed mind"}}
    order["orderItems"].append(second)
    found, _ = mapped(order)
    assert found.cancel_lines == ("20212345678901",) and not found.cancelled


def test_a_pending_order_is_authorised_not_paid():
    order = example()
    order["fulfillment"]["fulfillmentStatus"] = "PENDING"
    _, body = mapped(order)
    assert body["payment"]["status"] == "authorized"


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda o: o.pop("orderId"), "orderId is missing"),
        (lambda o: o["orderItems"][0].pop("quantityOrdered"), "order item 20212345678901's quantityOrdered"),
        (
            lambda o: o["orderItems"][0]["product"]["price"].update(unitPrice=money("1", "EUR")),
            "is in EUR, the order in GBP",
        ),
        (lambda o: o.update(lastUpdatedTime="25/12/2024"), "lastUpdatedTime is not an ISO 8601 time"),
    ],
)
def test_what_cannot_be_mapped_says_which_field(change, reason):
    order = example()
    change(order)
    with pytest.raises(Unmappable, match=reason):
        mapped(order)


def test_a_notification_is_unwrapped_from_a_body_encoded_once_or_twice():
    note = payload("amazon_sp_order_change_notification.json")
    once, twice = json.dumps(note), json.dumps(json.dumps(note))
    for body in (once, twice):
        found = amazon.notification(body)
        assert (found.notification_id, found.type, found.seller_id, found.marketplace_id) == (
            "d0e9e693-c3ad-4373-979f-ed4ec98dd746",
            "ORDER_CHANGE",
            "A3TH9S8BH6GOGM",
            "ATVPDKIKX0DER",
        )
        assert json.loads(found.raw) == note and not found.fulfilled_by_amazon  # MFN
        assert connector("amazon").order_named(parse(found.raw)) == "903-8868176-2219830"  # type: ignore[attr-defined]
    assert connector("amazon").order_named(example()) is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body, reason",
    [("Message Body", "not JSON"), (json.dumps({"Records": []}), "has no NotificationType")],
)
def test_a_message_that_is_no_notification_says_so(body, reason):
    with pytest.raises(Unmappable, match=reason):
        amazon.notification(body)
