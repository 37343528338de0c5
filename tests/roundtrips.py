"""Count DynamoDB round trips: every API call made on the OMS's shared DynamoDB client.

A botocore `before-call` handler sees each operation once (retries are not separate calls), and
Powertools' idempotency persistence layer is handed that same client, so its calls count too.
Shared by `tests.bench` and `tests/functional/test_round_trips.py`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

EVENT = "before-call.dynamodb.*"
_ids = itertools.count()


class RoundTrips:
    """The DynamoDB operations seen so far, in order (`GetItem`, `Query`, ...)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def record(self, model: Any, **_: Any) -> None:
        # Must return None: a before-call handler's return value would short-circuit the call.
        self.calls.append(str(model.name))

    def clear(self) -> None:
        self.calls.clear()

    @property
    def total(self) -> int:
        return len(self.calls)

    def by_operation(self) -> Counter[str]:
        return Counter(self.calls)

    def describe(self) -> str:
        return ", ".join(f"{op} x{n}" if n > 1 else op for op, n in self.by_operation().items()) or "-"


def dynamodb_client() -> Any:
    """The client the OMS (and its idempotency utility) uses for every DynamoDB call."""
    from chalicelib.adapters import aws

    return aws.client("dynamodb")


@contextmanager
def counting(client: Any = None) -> Iterator[RoundTrips]:
    """Count the DynamoDB calls made on `client` (default: the OMS's shared one) inside the block."""
    target = client if client is not None else dynamodb_client()
    trips = RoundTrips()
    unique_id = f"oms-roundtrips-{next(_ids)}"
    target.meta.events.register(EVENT, trips.record, unique_id=unique_id)
    try:
        yield trips
    finally:
        target.meta.events.unregister(EVENT, unique_id=unique_id)
