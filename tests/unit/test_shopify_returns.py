"""Shopify's GraphQL `Return` as the OMS takes it: units per REST line item id, Shopify's reason (its
definition's handle, the enum as a code, then the built-in code nearest to it), the label's tracking;
what is no return to expect, or would be cut short, is refused; GraphQL errors say what they mean."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters.channels import shopify_returns
from chalicelib.adapters.channels.base import ReturnedUnits, Unmappable, Withdrawn
from chalicelib.adapters.outbound import Rejected, Throttled
from chalicelib.domain.errors import NotFound
from chalicelib.domain.network import Channel
from tests import channels as ch
from tests.fake_platforms import SHOPIFY_TOKEN, FakeShopify

LINE, OTHER = "866550311766439020", "141249953214522974"


@pytest.fixture
def shopify() -> Iterator[FakeShopify]:
    yield from ch.running(FakeShopify())


def returned(*units: tuple[str, int, str], **changes: Any) -> dict[str, Any]:
    fake = FakeShopify()
    gid = fake.add_return(7, "820982911946154508", list(units))
    found: dict[str, Any] = fake.returns[gid] | changes
    return found


@pytest.mark.parametrize(
    "reason, codes",
    [
        ("SIZE_TOO_SMALL", ("size_too_small", "does_not_fit")),
        ("SIZE_TOO_LARGE", ("size_too_large", "does_not_fit")),
        ("UNWANTED", ("unwanted", "changed_mind")),
        ("DEFECTIVE", ("defective",)),
        ("NOT_AS_DESCRIBED", ("not_as_described", "wrong_item")),
        ("WRONG_ITEM", ("wrong_item",)),
        ("OTHER", ("other",)),  # no built-in is near: an admin's code `other`, else dead-lettered
    ],
)
def test_each_reason_is_tried_as_its_own_code_then_as_the_nearest_built_in(reason: str, codes: tuple[str, ...]) -> None:
    found = shopify_returns.to_return(returned((LINE, 2, reason)))

    assert (found.return_key, found.external_id) == ("7", "820982911946154508")
    assert found.lines == (ReturnedUnits(LINE, 2, codes),)


def test_units_of_a_line_and_reason_add_up_the_reason_definition_comes_first_and_the_label_is_read() -> None:
    found = returned((LINE, 1, "COLOR"), (LINE, 1, "COLOR"), (OTHER, 1, "COLOR"))
    found["returnLineItems"]["nodes"][2]["returnReasonDefinition"] = {"handle": "color-too-bright"}
    tracking = {"tracking": {"number": "3SABCD0123456789", "carrierName": "PostNL"}}
    found["reverseFulfillmentOrders"] = {"nodes": [{"reverseDeliveries": {"nodes": [{"deliverable": tracking}]}}]}

    mapped = shopify_returns.to_return(found)

    assert mapped.lines == (
        ReturnedUnits(LINE, 2, ("color", "changed_mind")),
        ReturnedUnits(OTHER, 1, ("color_too_bright", "color", "changed_mind")),
    )
    assert mapped.tracking == "3SABCD0123456789"


@pytest.mark.parametrize("status", ["CANCELED", "DECLINED", "REQUESTED"])
def test_a_return_shopify_no_longer_expects_is_withdrawn(status: str) -> None:
    with pytest.raises(Withdrawn, match=f"return 7 is {status.lower()} in Shopify"):
        shopify_returns.to_return(returned((LINE, 1, "UNWANTED"), status=status))


@pytest.mark.parametrize(
    "changes, refusal",
    [
        ({"returnLineItems": {"pageInfo": {"hasNextPage": True}, "nodes": []}}, "more than 50 lines"),
        ({"returnLineItems": {"nodes": []}}, "names no line items"),
    ],
)
def test_a_return_not_whole_is_refused(changes: dict[str, Any], refusal: str) -> None:
    with pytest.raises(Unmappable, match=refusal):
        shopify_returns.to_return(returned((LINE, 1, "UNWANTED"), **changes))


def test_graphql_answers_say_what_they_mean_for_the_queue(shopify: FakeShopify) -> None:
    channel = Channel("shop", "shopify", api_base_url=shopify.url)
    admin, headers = f"{shopify.url}/admin/api/2026-07", {"X-Shopify-Access-Token": SHOPIFY_TOKEN}
    webhook = {"id": 7, "admin_graphql_api_id": "gid://shopify/Return/7"}
    throttled = {"message": "Throttled", "extensions": {"code": "THROTTLED"}}
    shopify.fail_next(200, {"errors": [throttled]})

    with pytest.raises(Throttled) as waited:
        shopify_returns.fetch(channel, admin, headers, webhook)
    with pytest.raises(NotFound, match="has no return gid://shopify/Return/7"):
        shopify_returns.fetch(channel, admin, headers, webhook)
    shopify.fail_next(200, {"errors": "Invalid API key or access token"})
    with pytest.raises(Rejected, match="GraphQL answered errors: Invalid API key"):
        shopify_returns.fetch(channel, admin, headers, {"id": 7})

    assert waited.value.seconds == shopify_returns.THROTTLED_PAUSE_S
    asked = [body["variables"] for _, _, body in shopify.calls("POST")]
    assert asked == [{"id": "gid://shopify/Return/7", "lines": 50}] * 3
