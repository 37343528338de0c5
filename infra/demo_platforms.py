"""The fake marketplaces `make run` starts, each holding a few orders of the demo's SKUs, and the channels
registered against them: the poll schedule (fired by the pump) fetches their orders, so a newcomer sees
marketplace orders arrive in the local OMS within a minute, through the same connector, inbox and
use cases as in AWS. The fakes answer the platforms' documented shapes (tests/fake_platforms.py)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tests.captured import payload
from tests.fake_platforms import (
    AMAZON_MARKETPLACE,
    FakeAmazon,
    FakeBol,
    FakeZalando,
    serve,
)
from tests.zalando import zalando_order

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer

    from tests.fake_platforms import Platform

# The demo's SKUs the fake marketplaces sell (infra/demo_network.json stocks them at the DC).
_BASKETS = (
    {"TEE-WHITE-M": (2, "19.99")},
    {"JEANS-SLIM-32": (1, "59.95"), "CAP-NAVY": (1, "14.50")},
    {"SNEAKER-42": (1, "89.00")},
)
_SHOPPER = {
    "firstName": "Sanne",
    "surname": "de Vries",
    "streetName": "Stationsplein",
    "houseNumber": "12",
    "houseNumberExtension": "B",
    "zipCode": "3511ED",
    "city": "Utrecht",
    "countryCode": "NL",
    "email": "sanne.devries@verkopen.test2.bol.com",
}
# Fixed, so a fake's order is the same order each run: the inbox keeps it once, `make run` after
# `make run` creates nothing twice.
_PLACED = "2026-11-27T09:30:00+01:00"


@dataclass
class Marketplace:
    """One running fake: the channel it is registered as and where it listens."""

    channel_id: str
    platform: Platform
    server: ThreadingHTTPServer

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start() -> list[Marketplace]:
    """Start the fakes, fill them and (re-)register their channels: a fake listens on a new port each
    run, so the channel's base URL is written each run."""
    return [_bol(), _zalando(), _amazon()]


def _bol() -> Marketplace:
    fake = FakeBol()
    for n, basket in enumerate(_BASKETS):
        fake.add_order(_bol_order(f"D{1000 + n}", basket, _PLACED))
    return _serve("bol-demo", fake, name="bol.com (fake, local)", currency="EUR")


def _bol_order(order_id: str, basket: dict[str, tuple[int, str]], placed: str) -> dict[str, Any]:
    return {
        "orderId": order_id,
        "pickUpPoint": False,
        "orderPlacedDateTime": placed,
        "shipmentDetails": _SHOPPER,
        "orderItems": [
            {
                "orderItemId": f"{order_id}{n}",
                "cancellationRequest": False,
                "fulfilment": {"method": "FBR"},
                "offer": {"offerId": f"offer-{sku}", "reference": sku},
                "product": {"ean": sku, "title": sku.replace("-", " ").title()},
                "quantity": quantity,
                "unitPrice": float(price),
                "latestChangedDateTime": placed,
            }
            for n, (sku, (quantity, price)) in enumerate(basket.items())
        ],
    }


def _zalando() -> Marketplace:
    """Zalando's orders are listed by their update time, so theirs is a minute ago at each start (a
    restart brings the same orders again: the inbox applies them to the orders already there)."""
    fake = FakeZalando()
    for n, basket in enumerate(_BASKETS):
        items = {
            f"5a1e0000-0000-4000-8000-0000000{n}{k:04d}": (sku, [("initial", float(price))] * quantity)
            for k, (sku, (quantity, price)) in enumerate(basket.items())
        }
        fake.add_order(zalando_order("zalando_order.json", items, order_id=f"5a1e0000-0000-4000-8000-00000000000{n}"))
    return _serve("zalando-demo", fake, name="Zalando (fake, local)")


def _amazon() -> Marketplace:
    """Amazon's orders are searched by their update time up to 2 minutes ago (Amazon refuses a search
    closer to its clock), so theirs is 5 minutes ago at each start."""
    fake = FakeAmazon()
    updated = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for n, basket in enumerate(_BASKETS):
        fake.add_order(_amazon_order(f"402-1000000-000000{n}", basket, updated))
    return _serve("amazon-demo", fake, name="Amazon.nl (fake, local)")


def _serve(channel_id: str, fake: Platform, **config: Any) -> Marketplace:
    """Serve a filled fake and (re-)register its channel at the fake's new address."""
    server = serve(fake)
    _register(channel_id, fake.channel(**config))
    return Marketplace(channel_id, fake, server)


def _amazon_order(order_id: str, basket: dict[str, tuple[int, str]], updated: str) -> dict[str, Any]:
    """Amazon's published getOrder example, sold on Amazon.nl in euros, unshipped, with the basket's
    items (prices VAT included: no tax apart, no shipping)."""
    order: dict[str, Any] = copy.deepcopy(payload("amazon_sp_v2026_getorder.json")["order"])
    template = order["orderItems"][0]
    items = []
    for n, (sku, (quantity, price)) in enumerate(basket.items()):
        item = copy.deepcopy(template)
        item.pop("promotion", None)
        item.update(orderItemId=f"{order_id.replace('-', '')}{n}", quantityOrdered=quantity)
        item["product"].update(sellerSku=sku, title=sku.replace("-", " ").title(), serialNumbers=[])
        item["product"]["price"] = {"unitPrice": _euros(Decimal(price))}
        item["proceeds"] = {
            "proceedsTotal": _euros(quantity * Decimal(price)),
            "breakdowns": [{"type": "ITEM", "subtotal": _euros(quantity * Decimal(price))}],
        }
        item["fulfillment"].update(quantityFulfilled=0, quantityUnfulfilled=quantity)
        items.append(item)
    total = sum((Decimal(item["proceeds"]["proceedsTotal"]["amount"]) for item in items), Decimal(0))
    order.update(orderId=order_id, createdTime=updated, lastUpdatedTime=updated, orderItems=items, packages=[])
    order["salesChannel"].update(marketplaceId=AMAZON_MARKETPLACE, marketplaceName="Amazon.nl")
    order["proceeds"] = {"grandTotal": _euros(total), "breakdowns": [{"type": "ITEM", "subtotal": _euros(total)}]}
    order["fulfillment"]["fulfillmentStatus"] = "UNSHIPPED"
    order["recipient"]["deliveryAddress"].update(
        addressLine1="Keizersgracht 123A", addressLine2="", postalCode="1015 CJ", city="Amsterdam", countryCode="NL"
    )
    return order


def _euros(amount: Decimal) -> dict[str, str]:
    return {"amount": str(amount), "currencyCode": "EUR"}


def _register(channel_id: str, body: dict[str, Any]) -> None:
    from chalicelib.bootstrap import bootstrap
    from chalicelib.contracts.api import PutChannel
    from chalicelib.domain.access import Principal
    from chalicelib.service import network

    network.put_channel(bootstrap(), channel_id, PutChannel.model_validate(body), Principal("admin"), if_match=None)
