"""The connectors, one per platform type, found by the channel's `type` (imported on first use)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, cast

from chalicelib.domain.errors import NotFound

if TYPE_CHECKING:
    from chalicelib.adapters.channels.base import Connector, Polled

# type -> "module:Class" in this package.
CONNECTORS = {
    "shopify": "shopify:Shopify",
    "woocommerce": "woocommerce:WooCommerce",
    "bol": "bol:Bol",
    "zalando": "zalando:Zalando",
    "amazon": "amazon:Amazon",
    "magento": "magento:Magento",
}
# Those whose orders are fetched on a schedule (chalicelib/service/channel_poll.py).
POLLED = frozenset({"bol", "zalando", "amazon", "magento"})


def connector(channel_type: str) -> Connector:
    found = CONNECTORS.get(channel_type)
    if found is None:
        raise NotFound(f"channels of type {channel_type!r} take no webhooks here; these do: {', '.join(CONNECTORS)}")
    module, _, name = found.partition(":")
    made: Connector = getattr(importlib.import_module(f"{__name__}.{module}"), name)()
    return made


def poller(channel_type: str) -> Polled:
    """The connector of a polled type (one in POLLED)."""
    return cast("Polled", connector(channel_type))
