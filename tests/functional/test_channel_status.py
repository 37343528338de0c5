"""Status back to the channels: a shipment, a cancellation (of the order or some of its units), a
return received or a refund goes outbox -> bus ->
channel-updates -> channel-status (FIFO, one group per order) -> the platform's API (fake platforms
over real HTTP here), exactly once, in order per order, retried, throttled and dead-lettered as the
README says, with no credential in any log or answer."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.pump import Pump
from tests.captured import payload
from tests.channels import (
    connect,
    count_stock,
    deliver,
    drain,
    order_of,
    pump_until_quiet,
    raw,
    running,
    shopify_headers,
    variant,
)
from tests.conftest import bearer, issue_token, post
from tests.fake_platforms import SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, FakeShopify, FakeWooCommerce

pytestmark = pytest.mark.usefixtures("demo")
SHOP, WOO = "shopify-nl", "woo-nl"
QUEUE = "channel-status"
TRACKING = {"carrier": "PostNL", "code": "3SABCD0123456789", "url": "https://jouw.postnl.nl/track/3SABCD0123456789"}
EXTERNAL = "820982911946154508"


@pytest.fixture
def shopify() -> Iterator[FakeShopify]:
    yield from running(FakeShopify())


@pytest.fixture
def woo() -> Iterator[FakeWooCommerce]:
    yield from running(FakeWooCommerce())


def connect_shopify(client: Any, admin: dict[str, str], fake: FakeShopify) -> dict[str, Any]:
    credentials = {"shopDomain": "snowdevil.myshopify.com", "accessToken": SHOPIFY_TOKEN}
    return connect(client, admin, SHOP, "shopify", credentials=credentials, apiBaseUrl=fake.url)


def connect_woo(client: Any, admin: dict[str, str], fake: FakeWooCommerce) -> dict[str, Any]:
    credentials = {"consumerKey": WOO_KEY, "consumerSecret": WOO_SECRET}
    return connect(client, admin, WOO, "woocommerce", credentials=credentials, apiBaseUrl=fake.url)


def shopify_order(client: Any, admin: dict[str, str], fake: FakeShopify) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Shopify order taken in by webhook, known to the fake shop too: (the OMS's order, the payload)."""
    order = variant("shopify_orders_create.json", id=int(EXTERNAL), cancelled_at=None, financial_status="paid")
    order["shipping_address"].update(country_code="NL", zip="1015 CJ", address1="Keizersgracht 123")
    count_stock(client, admin, *{li["sku"] for li in order["line_items"]})
    body = raw(order)
    assert deliver(client, SHOP, body, shopify_headers(body, "orders/create")).status_code == 202
    drain()
    found = order_of(client, admin, SHOP, EXTERNAL)
    assert found is not None
    fake.add_order(EXTERNAL, {str(li["id"]): li["quantity"] for li in order["line_items"]})
    return found, order


def ship(client: Any, order: dict[str, Any]) -> None:
    [fo] = order["fulfilmentOrders"]
    dc = bearer(issue_token(f"dc:{fo['locationId']}"))
    for event, extra in (("accept", {}), ("pick", {}), ("ship", {"tracking": TRACKING})):
        answer = post(client, f"/fulfilment-orders/{fo['fulfilmentOrderId']}/events", {"type": event, **extra}, dc)
        assert answer.status_code == 200, (event, answer.body)


def queue_update(aws: dict[str, str], **update: Any) -> None:
    """An update on channel-status as the channel-updates consumer queues it."""
    body = {"eventId": f"evt-{update['status']}-{time.monotonic_ns()}", "channelId": SHOP, "orderId": "o-1"} | update
    boto3.client("sqs").send_message(
        QueueUrl=aws[QUEUE],
        MessageBody=json.dumps(body),
        MessageGroupId=f"{body['channelId']}.{body['orderId']}",
        MessageDeduplicationId=body["eventId"],
    )


def dead_letters(client: Any) -> list[dict[str, Any]]:
    answer = client.http.get(f"/ops/dead-letters?queue={QUEUE}", headers=bearer(issue_token("ops")))
    [queue] = json.loads(answer.body)["queues"]
    letters: list[dict[str, Any]] = queue["messages"]
    return letters


def test_a_shipment_goes_to_shopify_once_with_its_tracking_even_when_the_first_call_fails(
    client, admin, shopify, capsys, logs
):
    channel = connect_shopify(client, admin, shopify)
    assert channel["hasCredentials"] is True and SHOPIFY_TOKEN not in json.dumps(channel)
    order, _ = shopify_order(client, admin, shopify)
    shopify.fail_next(503, {"errors": "Service Unavailable"})

    ship(client, order)
    pump_until_quiet(Pump(retry_delay_s=0))

    [fulfillment] = shopify.fulfillments
    assert fulfillment["tracking_info"] == {"number": TRACKING["code"], "company": "PostNL", "url": TRACKING["url"]}
    [by_order] = fulfillment["line_items_by_fulfillment_order"]
    assert sorted(i["quantity"] for i in by_order["fulfillment_order_line_items"]) == [1, 1]
    assert [m for m, _, _ in shopify.received] == ["GET", "GET", "POST"]  # the 503, the retry, the fulfillment
    assert dead_letters(client) == []
    printed = capsys.readouterr().out + logs.getvalue()
    assert SHOPIFY_TOKEN not in printed and "shipped" in printed


def test_a_429_holds_the_update_back_for_its_retry_after_then_it_goes_once(client, admin, shopify, aws):
    connect_shopify(client, admin, shopify)
    shopify.add_order(EXTERNAL, {"1001": 2})
    # Long enough that a loaded machine's next pass still comes within it (moto's clock is the wall's).
    shopify.fail_next(429, {"errors": "Exceeded 2 calls per second for api client."}, Retry_After="8")
    queue_update(
        aws, externalId=EXTERNAL, status="shipped", lines=[{"lineId": "1001", "quantity": 2}], tracking=TRACKING
    )
    pump = Pump(retry_delay_s=0)

    assert pump.run_once().queues[QUEUE].failed == 1
    assert pump.run_once().queues[QUEUE].received == 0  # still invisible: Retry-After is honoured
    time.sleep(8.2)
    assert pump.run_once().queues[QUEUE].succeeded == 1
    assert len(shopify.fulfillments) == 1 and len(shopify.calls("POST")) == 1


def test_a_cancellation_never_overtakes_the_shipment_queued_before_it(client, admin, shopify, aws):
    connect_shopify(client, admin, shopify)
    shopify.add_order(EXTERNAL, {"1001": 1})
    queue_update(
        aws, externalId=EXTERNAL, status="shipped", lines=[{"lineId": "1001", "quantity": 1}], tracking=TRACKING
    )
    queue_update(aws, externalId=EXTERNAL, status="cancelled")
    shopify.fail_next(500)

    pump_until_quiet(Pump(retry_delay_s=0))

    assert [(m, p.rsplit("/", 1)[-1]) for m, p, _ in shopify.received] == [
        ("GET", "fulfillment_orders.json"),  # 500: the cancellation waits behind it
        ("GET", "fulfillment_orders.json"),
        ("POST", "fulfillments.json"),
        ("POST", "cancel.json"),
    ]
    assert shopify.cancelled == {EXTERNAL}


def test_already_fulfilled_or_cancelled_counts_as_success(client, admin, shopify, aws, capsys):
    connect_shopify(client, admin, shopify)
    shopify.add_order(EXTERNAL, {"1001": 1})
    shopify.fulfillment_orders[EXTERNAL][0]["status"] = "closed"  # fulfilled in Shopify's admin meanwhile
    shopify.cancelled.add(EXTERNAL)
    queue_update(aws, externalId=EXTERNAL, status="shipped", lines=[{"lineId": "1001", "quantity": 1}])
    queue_update(aws, externalId=EXTERNAL, status="cancelled")

    pump_until_quiet(Pump(retry_delay_s=0))

    assert shopify.fulfillments == [] and len(shopify.calls("POST")) == 1  # the cancel, answered 422 "already"
    assert dead_letters(client) == []
    outcomes = [json.loads(ln) for ln in capsys.readouterr().out.splitlines() if '"ChannelStatusPushes"' in ln]
    assert [(m["status"], m["outcome"]) for m in outcomes] == [("shipped", "already"), ("cancelled", "already")]


def test_a_400_goes_to_the_dead_letter_queue_at_once_with_a_readable_reason(client, admin, shopify, aws, logs):
    connect_shopify(client, admin, shopify)
    shopify.fail_next(400, {"errors": {"order": ["Required parameter missing or invalid"]}})
    queue_update(aws, externalId=EXTERNAL, status="cancelled")

    pump_until_quiet(Pump(retry_delay_s=0))

    assert len(shopify.received) == 1  # not retried: the same request would be refused again
    [letter] = dead_letters(client)
    assert letter["reason"].startswith(f"Refused: shopify channel {SHOP} at 127.0.0.1 answered 400: "), letter
    assert "Required parameter missing or invalid" in letter["reason"]
    assert SHOPIFY_TOKEN not in json.dumps(letter) and SHOPIFY_TOKEN not in logs.getvalue()

    # Fixed on Shopify's side: redriven back into its FIFO group, it goes through.
    redriven = post(client, f"/ops/dead-letters/{QUEUE}/redrive", {}, bearer(issue_token("ops")))
    assert json.loads(redriven.body)["moved"] == 1, redriven.body
    pump_until_quiet(Pump(retry_delay_s=0))
    assert shopify.cancelled == {EXTERNAL} and dead_letters(client) == []


def test_a_channel_without_credentials_is_dead_lettered_saying_what_to_do(client, admin, shopify, aws):
    connect(client, admin, SHOP, "shopify", apiBaseUrl=shopify.url)
    queue_update(aws, externalId=EXTERNAL, status="cancelled")
    pump_until_quiet(Pump(retry_delay_s=0))
    [letter] = dead_letters(client)
    assert "has no shopDomain, accessToken in its credentials: PUT /channels/shopify-nl" in letter["reason"]
    assert shopify.received == []


def test_woocommerce_is_completed_with_a_tracking_note_once(client, admin, woo, aws, capsys):
    channel = connect_woo(client, admin, woo)
    assert WOO_SECRET not in json.dumps(channel)
    woo.add_order("727")
    shipped = {
        "channelId": WOO,
        "externalId": "727",
        "status": "shipped",
        "fulfilmentOrderId": "fo-1",
        "tracking": TRACKING,
    }
    queue_update(aws, **shipped, eventId="evt-ship")
    woo.fail_next(502)
    pump_until_quiet(Pump(retry_delay_s=0))
    queue_update(aws, **shipped, eventId="evt-ship-again")  # delivered again (at least once): nothing new
    pump_until_quiet(Pump(retry_delay_s=0))

    order = woo.orders["727"]
    assert order["status"] == "completed"
    [note] = order["notes"]
    assert note["note"] == f"Shipped with PostNL {TRACKING['code']} {TRACKING['url']} (OMS fo-1)."
    assert note["customer_note"] is True
    assert len(woo.calls("PUT")) == 1 and woo.calls("PUT")[0][2] == {"status": "completed"}
    printed = capsys.readouterr().out
    assert WOO_SECRET not in printed and WOO_KEY not in printed


def test_credentials_must_fit_the_platform_and_are_never_shown(client, admin):
    answer = client.http.put(
        f"/channels/{WOO}",
        body=json.dumps({"type": "woocommerce", "credentials": {"consumerKey": WOO_KEY, "password": WOO_SECRET}}),
        headers={**admin, "Content-Type": "application/json"},
    )
    assert answer.status_code == 422 and WOO_SECRET not in answer.body.decode() and WOO_KEY not in answer.body.decode()
    listed = client.http.get("/channels", headers=admin)
    assert WOO_SECRET not in listed.body.decode()


def test_a_refund_the_oms_paid_is_recorded_at_woocommerce_without_paying_again(client, admin, woo, aws):
    from tests.functional.test_returns import asked, event
    from tests.functional.test_returns import order as order_view
    from tests.functional.test_returns_quote import DC, delivered

    connect_woo(client, admin, woo)
    woo.add_order("727")
    order = delivered(client, admin, channel=WOO, externalId="727")
    returned = asked(client, admin, order["orderId"], [("1", 1, "changed_mind")], to=DC)
    dc = bearer(issue_token(f"dc:{DC}"))
    event(client, dc, returned["returnId"], "receive", lines=[{"lineId": "1", "quantity": 1}])
    pump_until_quiet(Pump(retry_delay_s=0))
    assert woo.orders["727"]["refunds"] == []  # asked of the payment side, not paid yet: nothing shows
    [requested] = order_view(client, admin, order["orderId"])["refunds"]
    paid = post(client, f"/refunds/{requested['refundId']}/events", {"type": "succeeded", "reference": "psp-9"}, admin)
    assert paid.status_code == 200, paid.body
    woo.fail_next(503, path="/wp-json/wc/v3/orders/727/refunds")  # asked again: still one refund
    pump_until_quiet(Pump(retry_delay_s=0))

    [refund] = woo.orders["727"]["refunds"]
    listed: Any = payload("woocommerce_order_refunds.json")  # a list, as GET .../refunds answers
    assert refund.keys() == listed[0].keys() - {"_links"}
    assert (refund["amount"], refund["refunded_payment"]) == ("14.32", False)  # recorded, not paid by Woo's gateway
    [posted] = [b for m, p, b in woo.received if (m, p) == ("POST", "/wp-json/wc/v3/orders/727/refunds")]
    assert posted["api_refund"] is False and posted["amount"] == "14.32"
    notes = [n["note"] for n in woo.orders["727"]["notes"]]
    [note] = [n for n in notes if n.startswith("Return received")]
    assert re.fullmatch(r"Return received in the OMS: 1 of line item 1 \(OMS event [^ ]+\)\.", note), note
    assert not any(n.startswith("Refund of") for n in notes)  # the refund itself says it
    assert dead_letters(client) == []

    # Units cancelled (WooCommerce cancels no lines): a note naming them; the order keeps its status.
    cancelled = {"channelId": WOO, "externalId": "727", "status": "cancelled"}
    queue_update(aws, eventId="evt-part", **cancelled, lines=[{"lineId": "2", "quantity": 1}])
    pump_until_quiet(Pump(retry_delay_s=0))
    assert woo.orders["727"]["notes"][-1]["note"] == "Cancelled in the OMS: 1 of line item 2 (OMS event evt-part)."
    assert woo.orders["727"]["status"] == "completed" and len(woo.orders["727"]["refunds"]) == 1


def test_an_exchanges_replacement_is_never_pushed_to_the_platform(client, admin, woo, aws):
    """The platform knows the original order only: the replacement the OMS made for an exchange ships
    without a word to it (it would be an order id the platform never had)."""
    from tests.functional.test_exchanges import exchanged, receive
    from tests.functional.test_returns import order as read_order
    from tests.functional.test_returns_quote import delivered

    connect_woo(client, admin, woo)
    woo.add_order("728")
    original = delivered(client, admin, channel=WOO, externalId="728")
    exc = exchanged(client, admin, original["orderId"], [{"sku": "TEE-WHITE-M", "quantity": 1}])
    receive(client, exc["returnId"])
    replacement = read_order(client, admin, exc["replacementOrderId"])
    assert replacement["externalId"].endswith(exc["exchangeId"])
    ship(client, replacement)
    pump_until_quiet(Pump(retry_delay_s=0))

    assert woo.received, "the original's return reached WooCommerce"
    assert not [path for _, path, _ in woo.received if "exc_" in path or "/orders/728:" in path]
    assert dead_letters(client) == []


def test_a_workflows_notify_channel_becomes_a_private_note_at_woocommerce(client, admin, woo, aws):
    """A `notify_channel` action's event is told to the platform that sold the order: WooCommerce
    gets its message as a private order note (once, though the first call fails)."""
    from chalicelib.bootstrap import bootstrap
    from chalicelib.contracts.events import parse_detail
    from chalicelib.service.channel_updates import status_update
    from tests.functional.test_returns_quote import delivered

    connect_woo(client, admin, woo)
    woo.add_order("730")
    order = delivered(client, admin, channel=WOO, externalId="730")
    sample = json.loads((Path(__file__).parents[1] / "events" / "ChannelNotificationRequested.json").read_text())
    detail = parse_detail("ChannelNotificationRequested", sample | {"orderId": order["orderId"]})
    update = status_update(bootstrap(), detail)
    assert update is not None and (update.status, update.reason, update.externalId) == (
        "notice",
        "delayed_for_inspection",
        "730",
    )
    woo.fail_next(503, path="/wp-json/wc/v3/orders/730/notes")  # asked again: still one note
    queue_update(aws, **update.model_dump(exclude_none=True))
    pump_until_quiet(Pump(retry_delay_s=0))
    [note] = [n for n in woo.orders["730"]["notes"] if "delayed_for_inspection" in n["note"]]
    assert note["note"] == f"OMS: delayed_for_inspection (OMS event {update.eventId})."
    assert note["customer_note"] is False  # for the shop's staff, not mailed to the customer
    assert woo.orders["730"]["status"] != "cancelled" and dead_letters(client) == []
