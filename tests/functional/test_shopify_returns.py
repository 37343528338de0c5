"""Shopify's returns: a signed `returns/approve` webhook (Shopify's sample body, which names the return
and carries no lines) is kept once by its webhook id on the channel inbox; its consumer reads the
return through the fake shop's GraphQL Admin API and creates the OMS return through the use case of
`POST /orders/{id}/returns`, at the DC that sent the units, with Shopify's reasons as codes. Each
return once, whatever the webhook id; what cannot be created is retried, dead-lettered and counted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests import channels as ch
from tests.captured import payload
from tests.conftest import bearer, issue_token
from tests.fake_platforms import SHOPIFY_TOKEN, FakeShopify
from tests.functional.test_channel_status import EXTERNAL, SHOP, connect_shopify, shopify_order
from tests.functional.test_zalando_returns import delivered, outcomes, returns_at

pytestmark = pytest.mark.usefixtures("demo")
FIRST, SECOND = "866550311766439020", "141249953214522974"  # the captured order's lines, one unit each
RETURN_ID = 123134564567890
GRAPHQL = "/admin/api/2026-07/graphql.json"


@pytest.fixture
def shopify() -> Iterator[FakeShopify]:
    yield from ch.running(FakeShopify())


def approved(return_id: int = RETURN_ID, order_id: str = EXTERNAL, topic: str = "returns/approve") -> bytes:
    """Shopify's sample webhook of `topic`, for that return of that order."""
    sample = payload("shopify_returns_webhooks.json")[topic]
    order = {"id": int(order_id), "admin_graphql_api_id": f"gid://shopify/Order/{order_id}"}
    named = {"id": return_id, "admin_graphql_api_id": f"gid://shopify/Return/{return_id}"}
    return ch.raw(sample | named | {"order": order})


def send(client: Any, body: bytes, webhook_id: str | None = None, topic: str = "returns/approve") -> dict[str, Any]:
    answer = ch.deliver(client, SHOP, body, ch.shopify_headers(body, topic, webhook_id=webhook_id))
    assert answer.status_code in (200, 202), answer.body
    found: dict[str, Any] = json.loads(answer.body)
    return found


def asked(shopify: FakeShopify) -> list[str]:
    """The returns the OMS asked the shop's GraphQL API for."""
    return [body["variables"]["id"] for _, path, body in shopify.calls("POST") if path == GRAPHQL]


def dead_letter_reasons(client: Any) -> list[str]:
    ops = bearer(issue_token("ops"))
    letters = json.loads(client.http.get(f"/ops/dead-letters?queue={ch.QUEUE}", headers=ops).body)
    return sorted(m["reason"] for m in letters["queues"][0]["messages"])


def delivered_order(client: Any, admin: dict[str, str], shopify: FakeShopify) -> dict[str, Any]:
    """The captured Shopify order, taken in by its webhook and delivered to the customer."""
    connect_shopify(client, admin, shopify)
    order, _ = shopify_order(client, admin, shopify)
    delivered(client, admin, EXTERNAL, SHOP)
    return order


def test_an_approved_return_becomes_an_oms_return_at_the_dc_once_whatever_the_webhook_id(
    client: Any, admin: dict[str, str], shopify: FakeShopify, capsys: pytest.CaptureFixture[str]
) -> None:
    order = delivered_order(client, admin, shopify)
    dc = order["fulfilmentOrders"][0]["locationId"]
    gid = shopify.add_return(RETURN_ID, EXTERNAL, [(FIRST, 1, "SIZE_TOO_SMALL"), (SECOND, 1, "DEFECTIVE")])
    body = approved()
    capsys.readouterr()

    assert send(client, body, "wh-approve-1") == {"status": "accepted"}
    assert send(client, approved(topic="returns/request"), topic="returns/request") == {"status": "ignored"}
    ch.drain()

    [ret] = returns_at(client, dc)
    assert ret["orderId"] == order["orderId"] and ret["createdBy"] == f"channel:{SHOP}"
    assert (ret["status"], ret["returnTo"]) == ("approved", {"locationId": dc})
    reasons = sorted((ln["lineId"], ln["quantity"], ln["reason"]) for ln in ret["lines"])
    assert reasons == sorted([(FIRST, 1, "does_not_fit"), (SECOND, 1, "defective")])
    assert asked(shopify) == [gid]
    assert outcomes(capsys.readouterr().out) == ["approved"]

    send(client, body, "wh-approve-1")  # Shopify's retry of the same delivery: kept once, not queued
    send(client, body, "wh-approve-2")  # another delivery of the same return: asked again, created once
    ch.drain()

    assert [r["returnId"] for r in returns_at(client, dc)] == [ret["returnId"]]
    assert asked(shopify) == [gid, gid]
    lines = json.loads(client.http.get(f"/orders/{order['orderId']}", headers=admin).body)["lines"]
    assert [ln["ledger"]["returnRequested"] for ln in lines] == [1, 1]


def test_a_return_cancelled_in_shopify_before_it_is_read_is_withdrawn_quietly(
    client: Any, admin: dict[str, str], shopify: FakeShopify, capsys: pytest.CaptureFixture[str]
) -> None:
    order = delivered_order(client, admin, shopify)
    shopify.add_return(RETURN_ID, EXTERNAL, [(FIRST, 1, "UNWANTED")], status="CANCELED")
    capsys.readouterr()

    send(client, approved(), "wh-approve-late")
    ch.drain()

    assert returns_at(client, order["fulfilmentOrders"][0]["locationId"]) == []
    assert dead_letter_reasons(client) == []  # nothing for an operator to mend
    assert outcomes(capsys.readouterr().out) == ["withdrawn"]


def test_a_return_of_an_order_the_oms_does_not_have_is_retried_then_dead_lettered_and_counted(
    client: Any, admin: dict[str, str], shopify: FakeShopify, capsys: pytest.CaptureFixture[str], logs: Any
) -> None:
    connect_shopify(client, admin, shopify)
    stranger = "450789469"
    shopify.add_return(RETURN_ID + 1, stranger, [(FIRST, 1, "UNWANTED")])
    capsys.readouterr()

    send(client, approved(RETURN_ID + 1, stranger))
    ch.drain()

    [reason] = dead_letter_reasons(client)
    assert reason.startswith(f"NotFound: announced return {RETURN_ID + 1}: the OMS has no order {stranger}")
    assert outcomes(capsys.readouterr().out).count("unknown_order") >= 2  # each attempt
    assert f'"announcedReturnId":"{RETURN_ID + 1}"' in logs.getvalue()


def test_graphql_errors_are_retried_and_a_shop_that_refuses_the_token_is_dead_lettered_saying_so(
    client: Any, admin: dict[str, str], shopify: FakeShopify
) -> None:
    order = delivered_order(client, admin, shopify)
    dc = order["fulfilmentOrders"][0]["locationId"]
    shopify.add_return(RETURN_ID, EXTERNAL, [(FIRST, 1, "UNWANTED")])
    denied = {"message": "Access denied for return field.", "extensions": {"code": "ACCESS_DENIED"}}
    shopify.fail_next(200, {"data": {"return": None}, "errors": [denied]}, path=GRAPHQL)

    send(client, approved())
    ch.drain()

    [ret] = returns_at(client, dc)  # the second try read it
    assert [(ln["lineId"], ln["reason"]) for ln in ret["lines"]] == [(FIRST, "changed_mind")]
    assert len(asked(shopify)) == 2

    shopify.add_return(RETURN_ID + 2, EXTERNAL, [(SECOND, 1, "UNWANTED")])
    for _ in range(3):  # every receive the inbox gives it
        shopify.fail_next(200, {"data": {"return": None}, "errors": [denied]}, path=GRAPHQL)
    send(client, approved(RETURN_ID + 2))
    ch.drain()
    credentials = {"shopDomain": "snowdevil.myshopify.com", "accessToken": SHOPIFY_TOKEN[:-1] + "x"}
    ch.connect(client, admin, SHOP, "shopify", credentials=credentials, apiBaseUrl=shopify.url)
    send(client, approved(RETURN_ID + 2))
    ch.drain()

    denied_twice = dead_letter_reasons(client)
    assert len(denied_twice) == 2 and len(returns_at(client, dc)) == 1
    assert any("GraphQL answered errors: Access denied for return field." in r for r in denied_twice), denied_twice
    assert any(f"shopify channel {SHOP} at 127.0.0.1 answered 401" in r for r in denied_twice), denied_twice
