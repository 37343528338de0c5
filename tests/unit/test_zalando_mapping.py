"""Zalando's orders mapped, pure: one unit per order line folded back into one line per article,
exact amounts, cancelled units counted, UTC times, the latest change as the update time, Dutch
addresses, pick-up points, and readable reasons for what cannot be mapped."""

from __future__ import annotations

import pytest

from chalicelib.adapters.channels import connector
from chalicelib.adapters.channels.base import ReturnedUnits, Unmappable, parse
from chalicelib.adapters.channels.zalando import Zalando
from chalicelib.domain.network import Channel
from tests.captured import payload
from tests.channels import raw
from tests.zalando import BOOTS, EAN, FIRST, NEW, SOCKS, SOCKS_ITEM, captured, dutch_variant, line_id, zalando_order

ZAL = Channel("zalando-de", "zalando", location_map={"123456": "pup-amsterdam-1"})


def mapped(document: object):  # as the inbox hands it over: JSON, numbers exact
    return connector("zalando").to_order(parse(raw(document)), ZAL)


def test_units_of_one_article_fold_into_one_line_priced_exactly():
    found = mapped(dutch_variant())
    lines = [(ln.line_id, ln.sku, ln.quantity, ln.unit_price.amount) for ln in found.command.lines]
    assert lines == [(BOOTS, EAN, 3, "99.95"), (SOCKS_ITEM, SOCKS, 1, "24.95")]
    [cheaper] = found.command.lines[0].discounts
    assert cheaper.amount.amount == "10.00"  # the unit sold for 89.95
    assert found.command.payment.amount.amount == "318.75"
    assert found.command.shipping is not None and found.command.shipping.amount.amount == "3.95"
    assert found.cancelled_units == {BOOTS: 1} and found.cancelled is False
    assert found.command.payment.status == "paid"


def test_the_captured_orders_map_with_ids_as_strings_and_times_in_utc():
    first, two = (mapped(d) for d in captured())
    assert first.command.external_id == FIRST and first.command.payment.status == "authorized"  # initial: unpaid
    assert first.command.placed_at.utcoffset().total_seconds() == 0
    assert [(ln.quantity, ln.unit_price.amount) for ln in two.command.lines] == [(2, "50")]
    assert two.command.customer.email == "pp-cc-kam+54877803368220@zalando.de"


def test_the_update_time_is_the_latest_change_of_the_order_or_its_lines():
    document = dutch_variant()
    document["data"]["attributes"]["modified_at"] = "2026-07-01T10:00:00.000+02:00"
    for resource in document["included"]:
        resource["attributes"]["modified_at"] = "2026-07-01T08:00:00.000Z"
    document["included"][-1]["attributes"]["modified_at"] = "2026-07-01T09:30:00.000Z"
    assert mapped(document).updated_at.isoformat() == "2026-07-01T09:30:00+00:00"


def test_every_unit_cancelled_cancels_the_order():
    document = zalando_order("zalando_order.json", {BOOTS: (EAN, [("canceled", 10), ("canceled", 10)])})
    found = mapped(document)
    assert found.cancelled is True and found.cancelled_units == {BOOTS: 2}


def test_a_mapped_pick_up_point_is_delivered_there_else_to_its_address():
    document = dutch_variant()
    ship_to = document["data"]["attributes"]["shipping_address"]
    ship_to.update(address_type="PICKUP_POINT", service_point_details={"service_point_id": "123456"})
    found = mapped(document).command.delivery
    assert found is not None and (found.method, found.location_id) == ("pickup_point", "pup-amsterdam-1")
    ship_to["service_point_details"]["service_point_id"] = "999"
    found = mapped(document).command.delivery
    assert found is not None and found.method == "home_delivery" and found.address.house_number == "123-A"


def test_an_article_without_the_merchants_id_keeps_zalandos():
    document = zalando_order("zalando_order.json", {BOOTS: (EAN, [("initial", 10)])})
    document["included"][0]["attributes"].pop("external_id")
    assert mapped(document).command.lines[0].sku == "zalando-de:product:DU341A00M-1020375000"


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda d: d["included"].pop(0), f"order line {line_id(BOOTS, 0)} names order item {BOOTS}, which the order"),
        (lambda d: d["included"].pop(1), f"order item {BOOTS} has no order lines"),
        (lambda d: d["data"]["attributes"].pop("order_date"), "order_date is missing"),
        (lambda d: d["included"][1]["attributes"]["price"].update(amount="9,95"), "price is not an amount"),
        (lambda d: d["included"].clear(), "the order has no line items"),
    ],
)
def test_what_cannot_be_mapped_says_which_field(change, reason):
    document = zalando_order("zalando_order.json", {BOOTS: (EAN, [("initial", 10)])}, order_id=NEW)
    change(document)
    with pytest.raises(Unmappable, match=reason.replace("(", r"\(")):
        mapped(document)


def test_an_announced_return_is_one_unit_per_order_line_of_its_items_canonical_line_with_reason_codes():
    example = payload("zalando_announced_returns_from_spec_examples.json")["data"][0]
    [order] = example["orders"]
    lines = [
        {"order_line_id": line_id(BOOTS, n), "order_item_id": BOOTS, "return_reason": reason}
        for n, reason in enumerate(["TOO_LARGE", "TOO_LARGE", "Faulty seam"])
    ]
    announced = example | {"orders": [order | {"order_id": NEW, "order_lines": lines}]}

    found = Zalando().to_return(parse(raw(announced)), ZAL)

    assert (found.return_key, found.external_id, found.tracking) == (
        example["announced_return_id"],
        NEW,
        "744374997468",
    )
    assert found.lines == (
        ReturnedUnits(BOOTS, 2, ("too_large", "does_not_fit")),
        ReturnedUnits(BOOTS, 1, ("faulty_seam",)),
    )
    with pytest.raises(Unmappable, match="names 2 orders, not one"):
        Zalando().to_return(example | {"orders": [order, order]}, ZAL)
