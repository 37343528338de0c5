"""Batch reads hold for any number of keys: BatchGetItem takes 100 a call and may leave some unread."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters import aws
from chalicelib.adapters.dynamo import Table
from chalicelib.adapters.stock_repo import StockRepository

pytestmark = pytest.mark.usefixtures("demo")
DEMO_STOCK = json.loads((Path(__file__).parents[2] / "infra" / "demo_network.json").read_text())["stock"]


def demo_skus() -> set[str]:
    return {sku for levels in DEMO_STOCK.values() for sku in levels}


def test_summaries_of_more_skus_than_one_batch_holds():
    unknown = {f"NO-SUCH-SKU-{n:03d}" for n in range(250)}
    found = StockRepository(Table()).summaries(unknown | demo_skus())
    assert set(found) == unknown | demo_skus()
    assert all(found[sku] for sku in demo_skus())
    assert not any(found[sku] for sku in unknown)


def test_keys_dynamodb_leaves_unprocessed_are_read_again():
    """DynamoDB answers part of a batch under load; botocore's hook makes moto do the same once."""
    calls: list[int] = []

    def leave_half_unread(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append(1)
        if len(calls) > 1:
            return
        name, items = next(iter(parsed["Responses"].items()))
        half = len(items) // 2
        parsed["Responses"][name] = items[:half]
        keys = [{"PK": i["PK"], "SK": i["SK"]} for i in items[half:]]
        parsed["UnprocessedKeys"] = {name: {"Keys": keys}}

    client = aws.client("dynamodb")
    client.meta.events.register("after-call.dynamodb.BatchGetItem", leave_half_unread)
    try:
        found = StockRepository(Table()).summaries(demo_skus())
    finally:
        client.meta.events.unregister("after-call.dynamodb.BatchGetItem", leave_half_unread)
    assert len(calls) == 2
    assert all(found[sku] for sku in demo_skus())
