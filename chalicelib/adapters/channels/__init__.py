"""The connectors, one per platform type, found by the channel's `type` (imported on first use)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from chalicelib.domain.errors import NotFound

if TYPE_CHECKING:
    from chalicelib.adapters.channels.base import Connector

# type -> "module:Class" in this package; bol, amazon and zalando join with their pollers.
CONNECTORS = {
    "shopify": "shopify:Shopify",
    "woocommerce": "woocommerce:WooCommerce",
}


def connector(channel_type: str) -> Connector:
    found = CONNECTORS.get(channel_type)
    if found is None:
        raise NotFound(f"channels of type {channel_type!r} take no webhooks here; these do: {', '.join(CONNECTORS)}")
    module, _, name = found.partition(":")
    made: Connector = getattr(importlib.import_module(f"{__name__}.{module}"), name)()
    return made
