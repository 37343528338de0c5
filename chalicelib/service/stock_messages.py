"""Queue messages about stock: bulk feeds in, and stock events out to the sourcing summary."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.dynamo import Table
from chalicelib.service import network


def apply_feed(body: str) -> None:
    from chalicelib.bootstrap import bootstrap
    from chalicelib.contracts.api import StockFeed

    network.apply_feed(bootstrap(), StockFeed.model_validate_json(body))


def refresh_summary(body: str) -> None:
    """An EventBridge event (via SQS) naming stock levels that changed: one (InventoryChanged's
    `sku` and `locationId`), or several (a reservation's `lines` at its `locationId`, an order's
    `stock`)."""
    from chalicelib.contracts.messages import BusEvent

    network.refresh_summaries(Table(), stock_changed_by(BusEvent.model_validate_json(body).detail))


def stock_changed_by(detail: dict[str, Any]) -> set[tuple[str, str]]:
    """The (sku, locationId) pairs a stock event's detail names."""
    if "stock" in detail:  # an order's: OrderSourced, OrderLinesCancelled, OrderEdited, FulfilmentOrderUpdated
        return {(ref["sku"], ref["locationId"]) for ref in detail["stock"]}
    if "lines" in detail:
        return {(line["sku"], detail["locationId"]) for line in detail["lines"]}
    return {(detail["sku"], detail["locationId"])}
