"""The demo network `make run` loads into an empty stack: through the same use cases the API runs."""

from __future__ import annotations

import json
from pathlib import Path

DEMO_NETWORK = Path(__file__).with_name("demo_network.json")


def load_if_empty() -> int:
    """Load the demo locations and stock unless the stack already has a network; returns locations loaded."""
    from chalicelib.bootstrap import bootstrap
    from chalicelib.contracts.api import PutLocation, PutStock
    from chalicelib.domain.access import Principal
    from chalicelib.service import network

    deps = bootstrap()
    if network.list_locations(deps.table)["items"]:
        return 0
    demo = json.loads(DEMO_NETWORK.read_text())
    admin = Principal("admin")
    for location_id, body in demo["locations"].items():
        network.put_location(deps, location_id, PutLocation.model_validate(body), admin, if_match=None)
    for location_id, counts in demo["stock"].items():
        for sku, on_hand in counts.items():
            network.put_stock(deps, location_id, sku, PutStock(on_hand=on_hand), admin, if_match=None)
    return len(demo["locations"])
