"""What the repositories of aggregates share: each aggregate they read is handed to `track` (the
unit of work's, so that it is written if it changes), and a missing one is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from chalicelib.adapters.dynamo import Item, Table
from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import NotFound

A = TypeVar("A", bound=Aggregate)


class TrackedRepository(Generic[A]):
    def __init__(self, table: Table, *, track: Callable[[A], A] = lambda aggregate: aggregate) -> None:
        self.table = table
        self._track = track

    def _one(self, key: dict[str, Any], from_item: Callable[[Item], A], *, missing: str) -> A:
        """The aggregate stored under `key` (a consistent read), tracked; `missing` says what is not there."""
        item = self.table.get(key, consistent=True)
        if item is None:
            raise NotFound(missing)
        return self._track(from_item(item))
