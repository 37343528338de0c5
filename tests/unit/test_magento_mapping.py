"""Magento's orders mapped, pure: the captured order (GET /V1/orders/3) to the cent, VAT-inclusive
lines with their coupon discounts, a configurable product as its parent line only, shipping after
its discount, states (cancelled, paid or not), UTC times, Dutch street lines, a guest with nothing
optional, and readable reasons for what cannot be mapped."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters.channels import connector
from chalicelib.adapters.channels.base import ChannelOrder, Unmappable, parse
from chalicelib.contracts.api.base import Address, HomeDelivery
from chalicelib.domain.network import Channel
from tests import magento
from tests.channels import raw

SHOP = Channel("magento-nl", "magento")


def mapped(order: dict[str, Any]) -> ChannelOrder:  # as the inbox hands it over: JSON, numbers exact
    return connector("magento").to_order(parse(raw(order)), SHOP)


def address_of(found: ChannelOrder) -> Address:
    delivery = found.command.delivery
    assert isinstance(delivery, HomeDelivery)
    return delivery.address


def lines_of(found: ChannelOrder) -> list[tuple[str, str, int, str, list[tuple[str, str | None]]]]:
    return [
        (ln.line_id, ln.sku, ln.quantity, ln.unit_price.amount, [(d.amount.amount, d.code) for d in ln.discounts])
        for ln in found.command.lines
    ]


def test_the_captured_order_maps_to_the_cent_with_its_total_as_magento_charged_it(caplog):
    found = mapped(magento.captured())
    command = found.command
    assert command.external_id == magento.CAPTURED and command.channel == SHOP.channel_id
    assert lines_of(found) == [("3", magento.TEE, 1, "22", [])]
    assert command.shipping is not None and command.shipping.amount.amount == "5"
    assert command.shipping.method == "Best Way - Table Rate"
    # The tutorial elided six of its seven items: Magento's grand_total is what was charged, and the
    # difference from the one item left is reconciled (logged), not invented as lines.
    assert (command.payment.amount.amount, command.payment.amount.currency) == ("165", "USD")
    assert [getattr(r, "difference", None) for r in caplog.records] == ["138.00"]
    assert command.payment.status == "authorized"  # state new: not invoiced
    assert command.placed_at.isoformat() == "2017-08-21T22:22:19+00:00"
    assert found.updated_at.isoformat() == "2017-08-21T22:22:20+00:00"
    assert found.cancelled is False and found.cancelled_units == {}
    customer = command.customer
    assert (customer.id, customer.email, customer.name) == ("magento-nl:3", "jdoe@example.com", "Jane Doe")
    address = address_of(found)
    assert (address.line1, address.postal_code, address.city, address.region, address.country) == (
        "123 Oak Ave",
        "10577",
        "Purchase",
        "NY",
        "US",
    )


def test_a_configurable_is_its_parent_line_and_coupons_come_off_each_line_to_the_cent(caplog):
    found = mapped(magento.dutch_variant())
    assert not caplog.records  # its parts add up to its grand_total: nothing reconciled
    assert lines_of(found) == [
        (magento.HOODIE, magento.HOODIE_SKU, 2, "59.95", [("11.99", "WELCOME10")]),  # its simple child is not a line
        (magento.STRAP, magento.STRAP_SKU, 1, "14.95", [("1.5", "WELCOME10")]),
    ]
    assert [ln.tax_rate for ln in found.command.lines] == ["21", "21"]
    command = found.command
    assert command.discounts == []  # the order's -13.49 is the lines' discounts, not another one
    assert command.shipping is not None and command.shipping.amount.amount == "4.95"
    assert (command.payment.status, command.payment.amount.amount, command.payment.amount.currency) == (
        "paid",
        "126.31",
        "EUR",
    )
    assert command.external_id == magento.NEW and command.customer.id == "magento-nl:17"
    assert command.customer.phone == "+31612345678"


def test_dutch_street_lines_give_the_house_number_and_its_addition():
    address = address_of(mapped(magento.dutch_variant()))
    assert (address.line1, address.house_number, address.line2, address.postal_code) == (
        "Keizersgracht",
        "123-A",
        None,
        "1015 CJ",
    )
    one_line = magento.dutch_variant()
    one_line["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]["street"] = [
        "Keizersgracht 123A",
        "3 hoog",
    ]
    address = address_of(mapped(one_line))
    assert (address.line1, address.house_number, address.line2) == ("Keizersgracht", "123-A", "3 hoog")


def test_a_shipping_discount_comes_off_the_shipping():
    order = magento.dutch_variant(shipping_discount_amount=4.95, grand_total=121.36)
    found = mapped(order)
    assert found.command.shipping is not None and found.command.shipping.amount.amount == "0.00"
    assert found.command.payment.amount.amount == "121.36"


def test_a_row_magento_rounded_keeps_its_total_exactly():
    order = magento.dutch_variant()
    strap = order["items"][2]
    strap.update(qty_ordered=3, price_incl_tax=14.95, row_total_incl_tax=44.86, discount_amount=0)
    order["grand_total"] = 157.72  # 119.90 - 11.99 + 44.86 + 4.95
    found = mapped(order)
    line = found.command.lines[1]
    paid = line.quantity * float(line.unit_price.amount) - sum(float(d.amount.amount) for d in line.discounts)
    assert (line.unit_price.amount, round(paid, 2)) == ("14.96", 44.86)  # 0.02 over, taken off again
    assert found.command.payment.amount.amount == "157.72" and found.command.discounts == []


@pytest.mark.parametrize(
    "state, paid, cancelled",
    [
        ("new", False, False),
        ("pending_payment", False, False),
        ("holded", False, False),
        ("payment_review", False, False),
        ("processing", True, False),
        ("complete", True, False),
        ("canceled", False, True),
    ],
)
def test_the_state_says_whether_it_is_paid_or_cancelled(state, paid, cancelled):
    found = mapped(magento.dutch_variant(state=state))
    assert (found.command.payment.status == "paid", found.cancelled) == (paid, cancelled)


def test_units_cancelled_in_magento_are_counted_per_line():
    order = magento.dutch_variant()
    order["items"][0]["qty_canceled"] = 1
    assert mapped(order).cancelled_units == {magento.HOODIE: 1}


def test_a_guest_with_nothing_optional_is_known_by_the_order():
    found = mapped(magento.guest_variant())
    command = found.command
    assert command.customer.id == f"magento-nl:guest:{magento.CAPTURED}"
    assert (command.customer.name, command.customer.phone) == ("Jane Doe", None)  # from the billing address
    assert command.shipping is not None and command.shipping.method is None
    assert address_of(found).region is None
    assert command.lines[0].tax_rate is None


def test_a_virtual_order_has_no_delivery():
    order = magento.captured()
    order["extension_attributes"] = {}
    assert mapped(order).command.delivery is None


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda o: o.pop("entity_id"), "entity_id is missing"),
        (lambda o: o.update(items=[]), "the order has no line items"),
        (lambda o: o.update(created_at="21/08/2017"), "created_at is not an ISO 8601 time"),
        (lambda o: o["items"][0].update(qty_ordered=1.5), "item 3's qty_ordered is not a whole number"),
        (lambda o: o["items"][0].update(price_incl_tax="abc"), "item 3's price_incl_tax is not an amount"),
        (lambda o: o["items"][0].update(product_type="bundle"), "item 3 is a bundle"),
        (lambda o: o.pop("grand_total"), "grand_total is not an amount"),
        (lambda o: o.pop("order_currency_code"), "the order has no currency"),
    ],
)
def test_what_cannot_be_mapped_says_which_field(change, reason):
    order = magento.captured()
    change(order)
    with pytest.raises(Unmappable, match=reason):
        mapped(order)
