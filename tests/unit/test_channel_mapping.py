"""The connectors' mapping, pure: exact ids and amounts, UTC times, Dutch house numbers, currency
from the channel, and readable reasons (naming fields, never values) for what cannot be mapped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.adapters.channels import connector
from chalicelib.adapters.channels.base import Unmappable, parse
from chalicelib.adapters.channels.mapping import address
from chalicelib.domain.errors import NotFound
from chalicelib.domain.network import Channel
from tests.captured import payload
from tests.channels import raw

WOO = Channel("woo", "woocommerce", currency="EUR")


def woo(**changes: object) -> dict[str, object]:
    return {**payload("woocommerce_order.json"), **changes}


@pytest.mark.parametrize(
    "line1, line2, street, number, rest",
    [
        ("Keizersgracht 123A", None, "Keizersgracht", "123-A", None),
        ("Damrak 1-3 hs", None, "Damrak", "1-3 hs", None),
        ("Laan 1940-1945 12", None, "Laan 1940-1945", "12", None),
        ("1e Helmersstraat 5 bis", None, "1e Helmersstraat", "5-bis", None),
        ("Oudegracht", "12 bis", "Oudegracht", "12-bis", None),
        ("Oudegracht", "Achterhuis", "Oudegracht", None, "Achterhuis"),
    ],
)
def test_dutch_house_numbers_are_taken_out_of_the_street(line1, line2, street, number, rest):
    found = address(
        name=None,
        company="",
        line1=line1,
        line2=line2,
        postal_code="3511 AB",
        city="Utrecht",
        region=None,
        country="nl",
        field="shipping",
    )
    assert (found["line1"], found.get("houseNumber"), found.get("line2"), found["country"]) == (
        street,
        number,
        rest,
        "NL",
    )


def test_other_countries_keep_the_street_line_as_written():
    found = address(
        name=None,
        company=None,
        line1="969 Market",
        line2=None,
        postal_code="94103",
        city="SF",
        region="CA",
        country="US",
        field="shipping",
    )
    assert found == {"line1": "969 Market", "postalCode": "94103", "city": "SF", "region": "CA", "country": "US"}


def test_ids_beyond_2_53_stay_exact_and_numbers_become_exact_amounts():
    parsed = parse(b'{"id": 9007199254740993, "price": 19.95, "n": 3}')
    assert parsed == {"id": 9007199254740993, "price": Decimal("19.95"), "n": 3}


def test_an_order_without_currency_takes_the_channels():
    order = connector("woocommerce").to_order(woo(currency=None), WOO)
    assert order.command.payment.amount.currency == "EUR"
    assert order.figures.shipping == Decimal("10.00") and order.figures.discounts == ()


def test_times_without_a_zone_are_refused_unless_the_platform_says_utc():
    shop = Channel("shop", "shopify")
    body = {**payload("shopify_orders_create.json"), "created_at": "2019-06-04T13:53:06"}
    with pytest.raises(Unmappable, match="created_at has no time zone"):
        connector("shopify").to_order(body, shop)
    assert connector("woocommerce").to_order(woo(), WOO).updated_at.isoformat() == "2017-03-22T19:28:08+00:00"


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"currency": None}, "the order has no currency and channel bare names none"),
        ({"line_items": []}, "the order has no line items"),
        ({"total": "a lot"}, "total is not an amount"),
        (
            {"line_items": [{"id": 9, "quantity": 1, "subtotal": "1", "sku": "", "product_id": 0}]},
            "line item 9 has neither",
        ),
        ({"date_created_gmt": None}, "date_created_gmt is missing"),
    ],
)
def test_what_cannot_be_mapped_says_which_field(changes, reason):
    with pytest.raises(Unmappable, match=reason):
        connector("woocommerce").to_order(woo(**changes), Channel("bare", "woocommerce"))


def test_a_pick_up_at_a_location_the_channel_does_not_map_is_unmappable():
    body = {
        **payload("shopify_orders_create.json"),
        "shipping_lines": [{"code": "Hoofddorp", "price": "0", "delivery_category": "pick-up"}],
    }
    with pytest.raises(Unmappable, match="locationMap does not map"):
        connector("shopify").to_order(parse(raw(body)), Channel("shop", "shopify"))


def test_only_platforms_with_a_connector_take_webhooks():
    with pytest.raises(NotFound, match="shopify, woocommerce, bol"):
        connector("webshop")
    with pytest.raises(NotImplementedError):
        connector("shopify").fetch_order(Channel("shop", "shopify"), "{}", "1")


def test_every_polled_platform_has_a_poll_rate_and_a_window():
    """A channel that sets no `pollRate` of its own polls at its platform's (a missing one would fail
    every scheduled run of that channel)."""
    from chalicelib.adapters.channels import POLLED
    from chalicelib.service.channel_poll import EXACT_WINDOWS, RATES

    assert RATES.keys() >= POLLED
    assert EXACT_WINDOWS <= POLLED
