"""Every captured platform order through the local stack over HTTP, as in AWS: webhooks signed as the
platforms sign them, marketplaces polled by the stack's own schedule from fakes served by this test
process, and Amazon's ORDER_CHANGE put on the stack's notification queue. Each becomes its canonical
order, once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests.captured import payload
from tests.channels import SECRET, raw, shopify_headers, woo_headers
from tests.conftest import unique
from tests.e2e.conftest import LocalStackProcess
from tests.fake_platforms import (
    AMAZON_MARKETPLACE,
    AMAZON_SELLER_ID,
    FakeAmazon,
    FakeBol,
    FakeMagento,
    FakeZalando,
    Platform,
    serve,
)
from tests.functional.test_amazon import dutch, in_our_marketplace, published
from tests.functional.test_bol import captured as bol_captured
from tests.magento import CAPTURED, HOODIE_SKU, NEW, STRAP_SKU, TEE, ago, dutch_variant
from tests.magento import captured as magento_captured
from tests.zalando import EAN, FIRST, SHOES, TWO_UNITS
from tests.zalando import captured as zalando_captured

pytestmark = pytest.mark.e2e
DC = "dc-tilburg"
ARRIVAL_S = 30  # the pump fires the poll schedule each pass, a few passes a second


def put_channel(stack: LocalStackProcess, channel_id: str, body: dict[str, Any]) -> None:
    answer = requests.put(
        f"{stack.url}/channels/{channel_id}", data=json.dumps(body), headers=stack.headers(), timeout=10
    )
    assert answer.status_code in (200, 201), answer.text


def deactivate(stack: LocalStackProcess, channel_id: str, kind: str) -> None:
    """So the stack's later journeys push no stock to a fake that is gone."""
    put_channel(stack, channel_id, {"type": kind, "active": False})


@pytest.fixture
def connect(stack: LocalStackProcess) -> Iterator[Callable[[str, dict[str, Any]], None]]:
    """Registers channels on the stack for the test's duration."""
    made: list[tuple[str, str]] = []

    def register(channel_id: str, body: dict[str, Any]) -> None:
        put_channel(stack, channel_id, body)
        made.append((channel_id, body["type"]))

    yield register
    for channel_id, kind in made:
        deactivate(stack, channel_id, kind)


def count_stock(stack: LocalStackProcess, skus: set[str]) -> None:
    for sku in skus:
        answer = requests.put(
            f"{stack.url}/inventory/{DC}/{sku}", data=json.dumps({"onHand": 100}), headers=stack.headers(), timeout=10
        )
        assert answer.status_code in (200, 201), answer.text


def listed(stack: LocalStackProcess, channel_id: str, external_id: str) -> list[dict[str, Any]]:
    answer = requests.get(
        f"{stack.url}/orders?channel={channel_id}&externalId={external_id}", headers=stack.headers(), timeout=10
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def arrived(stack: LocalStackProcess, channel_id: str, external_id: str) -> dict[str, Any]:
    """The canonical order, once the stack's queues have brought it (failing after a deadline)."""
    deadline = time.monotonic() + ARRIVAL_S
    while not (found := listed(stack, channel_id, external_id)) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert found, f"{channel_id} {external_id} never arrived:\n{stack.log_tail()}"
    order: dict[str, Any] = requests.get(
        f"{stack.url}/orders/{found[0]['orderId']}", headers=stack.headers(), timeout=10
    ).json()
    return order


def settled(stack: LocalStackProcess) -> None:
    """Until the stack's queues are empty: whatever a delivery was going to do, it has done."""
    deadline = time.monotonic() + ARRIVAL_S
    while stack.queued_messages() and time.monotonic() < deadline:
        time.sleep(0.3)


def post(stack: LocalStackProcess, channel_id: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{stack.url}/webhooks/{channel_id}", data=body, headers=headers, timeout=10)


@pytest.mark.parametrize(
    "name", ["shopify_orders_create.json", "shopify_orders_cancelled.json", "shopify_order_rest_fixture.json"]
)
def test_each_captured_shopify_order_signed_and_posted_becomes_its_canonical_order_once(
    stack: LocalStackProcess, connect: Callable[[str, dict[str, Any]], None], name: str
) -> None:
    channel_id = unique("shopify")  # the create and the cancellation share an order id: a shop each
    connect(channel_id, {"type": "shopify", "secret": SECRET})
    captured = payload(name)
    order = captured.get("order", captured)
    count_stock(stack, {str(li["sku"]) for li in order["line_items"]})
    body = raw(captured)

    headers = shopify_headers(body, "orders/create")
    assert [post(stack, channel_id, body, headers).status_code for _ in range(2)] == [202, 202]

    found = arrived(stack, channel_id, str(order["id"]))
    settled(stack)
    assert len(listed(stack, channel_id, str(order["id"]))) == 1
    assert [(ln["lineId"], ln["sku"], ln["quantity"]) for ln in found["lines"]] == [
        (str(li["id"]), li["sku"], li["quantity"]) for li in order["line_items"]
    ]
    total = {"amount": order["total_price"], "currency": order["currency"]}
    assert found["total"] == found["payment"]["amount"] == total
    assert found["customer"]["id"] == f"{channel_id}:{order['customer']['id']}"


def test_a_forged_or_unsigned_shopify_delivery_is_401_and_stores_nothing(
    stack: LocalStackProcess, connect: Callable[[str, dict[str, Any]], None]
) -> None:
    channel_id = unique("shopify")
    connect(channel_id, {"type": "shopify", "secret": SECRET})
    order = payload("shopify_order_rest_fixture.json")["order"]
    body = raw({"order": order})
    forged = shopify_headers(body, "orders/create", secret="forged-" + "x" * 24)
    unsigned = {k: v for k, v in forged.items() if k != "X-Shopify-Hmac-Sha256"}
    for headers in (forged, unsigned):
        assert post(stack, channel_id, body, headers).status_code == 401
    settled(stack)
    assert listed(stack, channel_id, str(order["id"])) == []


def test_the_captured_woocommerce_order_signed_and_posted_becomes_its_canonical_order_once(
    stack: LocalStackProcess, connect: Callable[[str, dict[str, Any]], None]
) -> None:
    channel_id = unique("woo")
    connect(channel_id, {"type": "woocommerce", "secret": SECRET})
    count_stock(stack, {f"{channel_id}:product:93", "Bar3"})  # its first product has no SKU in WooCommerce
    body = raw(payload("woocommerce_order.json"))

    assert post(stack, channel_id, body, woo_headers(body, "order.created", secret="z" * 32)).status_code == 401
    for _ in range(2):
        assert post(stack, channel_id, body, woo_headers(body, "order.created")).status_code == 202

    found = arrived(stack, channel_id, "727")
    settled(stack)
    assert len(listed(stack, channel_id, "727")) == 1
    assert [(ln["lineId"], ln["sku"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in found["lines"]] == [
        ("315", f"{channel_id}:product:93", 2, "3.225"),
        ("316", "Bar3", 1, "12.90"),
    ]
    assert found["total"] == {"amount": "29.35", "currency": "USD"}
    assert found["payment"] == {"status": "paid", "amount": {"amount": "29.35", "currency": "USD"}}
    assert found["shipping"]["amount"] == {"amount": "10.00", "currency": "USD"}


@pytest.fixture(scope="session")
def fake() -> Iterator[Callable[[Platform], None]]:
    """Serves fakes on 127.0.0.1 in this process until the session ends: a poll the stack began just
    before a test made its channel inactive still finds its fake."""
    servers = []

    def start(platform: Platform) -> None:
        servers.append(serve(platform))

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def polled(fake: Callable[[Platform], None], connect: Callable[[str, dict[str, Any]], None]) -> Callable[..., str]:
    """Serves a filled fake and connects a new channel of the test's to it (the stack's schedule then
    polls it; `config`: more of the channel's settings): the channel's id."""

    def start(platform: Platform, **config: Any) -> str:
        channel_id = unique(platform.kind)
        fake(platform)
        connect(channel_id, platform.channel(**config))
        return channel_id

    return start


def test_bol_orders_polled_by_the_stacks_schedule_become_canonical(
    stack: LocalStackProcess, polled: Callable[..., str]
) -> None:
    bol = FakeBol()
    for name in ("bol_order.json", "bol_order_v10_from_spec_examples.json"):
        order = bol_captured(name)
        bol.add_order(order)
        count_stock(stack, {i["product"]["ean"] for i in order["orderItems"]})
    channel_id = polled(bol, currency="EUR")

    old = arrived(stack, channel_id, "1042823870")
    assert old["payment"]["amount"] == {"amount": "52.97", "currency": "EUR"}
    assert [(ln["sku"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in old["lines"]] == [
        ("8785056370398", 1, "19.99"),
        ("8717418510749", 1, "32.98"),
    ]
    v10 = arrived(stack, channel_id, "A2K8290LP8")
    assert v10["payment"]["amount"] == {"amount": "118.91", "currency": "EUR"}


def test_zalando_orders_polled_by_the_stacks_schedule_become_canonical(
    stack: LocalStackProcess, polled: Callable[..., str]
) -> None:
    zalando = FakeZalando()
    for order in zalando_captured():
        zalando.add_order(order)
    count_stock(stack, {EAN, SHOES})
    channel_id = polled(zalando)

    one = arrived(stack, channel_id, FIRST)
    assert one["payment"]["amount"] == {"amount": "50", "currency": "EUR"}
    assert [(ln["sku"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in one["lines"]] == [(EAN, 1, "50")]
    two = arrived(stack, channel_id, TWO_UNITS)
    assert two["payment"]["amount"] == {"amount": "100", "currency": "EUR"}
    assert [(ln["sku"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in two["lines"]] == [(SHOES, 2, "50")]


@pytest.fixture(scope="module")
def amazon(local_stack: LocalStackProcess, fake: Callable[[Platform], None]) -> Iterator[tuple[FakeAmazon, str]]:
    """One fake Amazon and its channel for the module: notifications find their channel by seller and
    marketplace, so the stack has one channel of them."""
    platform, channel_id = FakeAmazon(), unique("amazon")
    fake(platform)
    if not local_stack.running:
        local_stack.start()
    put_channel(local_stack, channel_id, platform.channel())
    yield platform, channel_id
    deactivate(local_stack, channel_id, "amazon")


def test_amazon_orders_polled_by_the_stacks_schedule_become_canonical(
    stack: LocalStackProcess, amazon: tuple[FakeAmazon, str]
) -> None:
    fake, channel_id = amazon
    orders = [in_our_marketplace(o) for o in published() if o["fulfillment"]["fulfilledBy"] == "MERCHANT"]
    for order in orders:
        count_stock(stack, {i["product"]["sellerSku"] for i in order["orderItems"]})
        fake.add_order(order)

    uk = arrived(stack, channel_id, "202-1234567-8901234")
    assert uk["payment"]["amount"] == {"amount": "103.97", "currency": "GBP"}
    assert [(ln["sku"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in uk["lines"]] == [
        ("ECHO-DOT-4-UK-CHARCOAL-3PACK", 3, "30.99")
    ]
    us = arrived(stack, channel_id, "123-4567890-1234567")
    assert [(ln["quantity"], ln["unitPrice"]["amount"]) for ln in us["lines"]] == [(2, "50.00"), (1, "49.99")]
    assert us["payment"]["amount"] == {"amount": "154.99", "currency": "USD"}
    for order in orders:
        arrived(stack, channel_id, order["orderId"])


def test_an_amazon_order_change_sent_twice_to_the_stacks_queue_makes_the_order_once(
    stack: LocalStackProcess, amazon: tuple[FakeAmazon, str]
) -> None:
    from chalicelib.resources import physical_name

    fake, channel_id = amazon
    order = dutch("402-7654321-0000001")
    order["lastUpdatedTime"] = "2024-12-25T16:30:00Z"  # long before any poll's window: only the notification brings it
    count_stock(stack, {i["product"]["sellerSku"] for i in order["orderItems"]})
    fake.add_order(order)
    note = payload("amazon_sp_order_change_notification.json")
    change = note["Payload"]["OrderChangeNotification"]
    change.update(SellerId=AMAZON_SELLER_ID, AmazonOrderId=order["orderId"])
    change["Summary"]["MarketplaceId"] = AMAZON_MARKETPLACE
    note["NotificationMetadata"]["NotificationId"] = unique("notification")
    sqs = stack.sqs()
    queue = sqs.get_queue_url(QueueName=physical_name("amazon-notifications", "local"))["QueueUrl"]
    for _ in range(2):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(note))

    found = arrived(stack, channel_id, order["orderId"])
    settled(stack)
    assert len(listed(stack, channel_id, order["orderId"])) == 1
    assert found["payment"]["amount"] == {"amount": "103.97", "currency": "EUR"}


def test_magento_orders_polled_by_the_stacks_schedule_become_canonical(
    stack: LocalStackProcess, polled: Callable[..., str]
) -> None:
    magento = FakeMagento()
    magento.add_order(magento_captured(updated_at=ago(minutes=1)))
    magento.add_order(dutch_variant())
    count_stock(stack, {TEE, HOODIE_SKU, STRAP_SKU})
    # pollRate: the poller has no default plan for Magento (channel_poll.RATES).
    channel_id = polled(magento, pollRate={"perSecond": "1", "burst": 50})

    tutorial = arrived(stack, channel_id, CAPTURED)
    assert tutorial["payment"]["amount"] == {"amount": "165", "currency": "USD"}
    assert [(ln["sku"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in tutorial["lines"]] == [(TEE, 1, "22")]
    variant = arrived(stack, channel_id, NEW)
    assert variant["payment"]["amount"] == {"amount": "126.31", "currency": "EUR"}
    assert [(ln["sku"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in variant["lines"]] == [
        (HOODIE_SKU, 2, "59.95"),
        (STRAP_SKU, 1, "14.95"),
    ]
    settled(stack)
    assert len(listed(stack, channel_id, CAPTURED)) == 1 and len(listed(stack, channel_id, NEW)) == 1
