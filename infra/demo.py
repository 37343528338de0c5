"""The demo network `make run` loads into an empty stack: through the same use cases the API runs."""

from __future__ import annotations

import json
from pathlib import Path

DEMO_NETWORK = Path(__file__).with_name("demo_network.json")


def load_if_empty() -> int:
    """Load the demo locations and stock unless the stack already has a network; returns locations loaded."""
    from chalicelib.adapters.dynamo import Table
    from chalicelib.contracts.api import PutLocation, PutStock
    from chalicelib.domain.access import Principal
    from chalicelib.service import network

    table = Table()
    if network.list_locations(table)["items"]:
        return 0
    demo = json.loads(DEMO_NETWORK.read_text())
    for location_id, body in demo["locations"].items():
        network.put_location(table, location_id, PutLocation.model_validate(body), if_match=None)
    admin = Principal("admin")
    for location_id, counts in demo["stock"].items():
        for sku, on_hand in counts.items():
            network.put_stock(table, location_id, sku, PutStock(on_hand=on_hand), admin, if_match=None)
    return len(demo["locations"])
