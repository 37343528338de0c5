"""Queue messages about stock: bulk feeds in, and stock events out to the sourcing summary."""

from __future__ import annotations

import json

from chalicelib.adapters.dynamo import Table
from chalicelib.service import network


def apply_feed(body: str) -> None:
    from chalicelib.contracts.api import StockFeed

    network.apply_feed(Table(), StockFeed.model_validate_json(body))


def refresh_summary(body: str) -> None:
    """An EventBridge event (via SQS) naming a stock level that changed."""
    detail = json.loads(body)["detail"]
    network.refresh_summaries(Table(), {(detail["sku"], detail["locationId"])})
