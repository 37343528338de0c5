"""Helpers for the channel tests: platforms' payloads as captured, signed as each platform signs,
delivered to POST /webhooks/{channelId}, and the channel-inbox queue drained by the pump."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from typing import Any, TypeVar

from chalicelib.resources import RESOURCES
from infra.pump import Pump
from tests.captured import payload
from tests.conftest import put
from tests.fake_platforms import Platform, serve

P = TypeVar("P", bound=Platform)

SECRET = "shpss_" + "a1B2c3D4e5F6" * 3
QUEUE = "channel-inbox"
DC = "dc-tilburg"


def raw(order: Any) -> bytes:
    """As the platforms send it: big integers as digits, whatever Python holds them in."""
    return json.dumps(order).encode()


def signature(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_headers(body: bytes, topic: str, *, webhook_id: str | None = None, secret: str = SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature(body, secret),
        "X-Shopify-Shop-Domain": "snowdevil.myshopify.com",
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2025-07-10T16:15:47.000000Z",
        "X-Shopify-Event-Id": str(uuid.uuid4()),
    }


def woo_headers(
    body: bytes, topic: str, *, delivery_id: str = "d41d8cd98f00b204", secret: str = SECRET
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/8.9.0 Hookshot (WordPress/6.5.0)",
        "X-WC-Webhook-Source": "https://shop.example.nl/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": topic.split(".")[1],
        "X-WC-Webhook-Signature": signature(body, secret),
        "X-WC-Webhook-ID": "31",
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }


def connect(client: Any, admin: dict[str, str], channel_id: str, kind: str, **config: Any) -> dict[str, Any]:
    answer = put(client, f"/channels/{channel_id}", {"type": kind, "secret": SECRET, **config}, admin)
    assert answer.status_code in (200, 201), answer.body
    found: dict[str, Any] = json.loads(answer.body)
    return found


def count_stock(client: Any, admin: dict[str, str], *skus: str, location: str = DC) -> None:
    for sku in skus:
        answer = put(client, f"/inventory/{location}/{sku}", {"onHand": 100}, admin)
        assert answer.status_code in (200, 201), answer.body


def deliver(client: Any, channel_id: str, body: bytes, headers: dict[str, str]) -> Any:
    return client.http.post(f"/webhooks/{channel_id}", body=body, headers=headers)


def drain(pump: Pump | None = None) -> Pump:
    """Pump until the inbox is empty (each failing message has had all its receives)."""
    pump = pump or Pump(retry_delay_s=0)
    for _ in range(RESOURCES.queue(QUEUE).max_receive_count + 2):
        if not pump.run_once().queues[QUEUE].received:
            break
    return pump


def inbox_received(pump: Pump, passes: int = 4) -> int:
    """Poll and drain `passes` times; how many inbox messages were received."""
    return sum(pump.run_once().queues["channel-inbox"].received for _ in range(passes))


def pump_until_quiet(pump: Pump, passes: int = 12) -> None:
    """Relay, route and drain until two passes in a row receive nothing."""
    quiet = 0
    for _ in range(passes):
        quiet = quiet + 1 if not pump.run_once().received else 0
        if quiet == 2:
            return


def running(platform: P) -> Iterator[P]:
    """A fake platform served over HTTP for a fixture's duration."""
    server = serve(platform)
    yield platform
    server.shutdown()
    server.server_close()


def inbox_dead_letter(client: Any, ops: dict[str, str]) -> dict[str, Any]:
    """The one message in the channel inbox's dead-letter queue."""
    letters = json.loads(client.http.get(f"/ops/dead-letters?queue={QUEUE}", headers=ops).body)
    [letter] = letters["queues"][0]["messages"]
    found: dict[str, Any] = letter
    return found


def redrive_inbox(client: Any, ops: dict[str, str]) -> None:
    """Send the inbox's one dead letter back to it."""
    moved = client.http.post(f"/ops/dead-letters/{QUEUE}/redrive", body="", headers=ops)
    assert json.loads(moved.body)["moved"] == 1


def order_of(client: Any, admin: dict[str, str], channel_id: str, external_id: str) -> dict[str, Any] | None:
    found = client.http.get(f"/orders?channel={channel_id}&externalId={external_id}", headers=admin)
    assert found.status_code == 200, found.body
    items = json.loads(found.body)["items"]
    if not items:
        return None
    answer = client.http.get(f"/orders/{items[0]['orderId']}", headers=admin)
    order: dict[str, Any] = json.loads(answer.body)
    return order


def variant(name: str, **changes: Any) -> dict[str, Any]:
    order = copy.deepcopy(payload(name))
    order.update(changes)
    return order
