"""What every aggregate has: a version for optimistic concurrency, and what a change recorded.

`stored_version` is the version as read (0: new, never stored); a change bumps `version` once,
however many events it records, and is stored only if the stored version is still
`stored_version`. The unit of work writes `new_events` (history and outbox) and `stock_changes`
in the same transaction as the aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.events import Event
from chalicelib.domain.stock import StockChange


@dataclass(slots=True, kw_only=True)
class Aggregate:
    version: int = 0
    stored_version: int = 0
    new_events: list[Event] = field(default_factory=list)
    stock_changes: list[StockChange] = field(default_factory=list)

    @property
    def identity(self) -> str:
        """The aggregate's id, unique among its kind."""
        raise NotImplementedError

    @property
    def is_new(self) -> bool:
        return self.stored_version == 0

    @property
    def changed(self) -> bool:
        return self.version != self.stored_version

    def _record(self, type_: str, actor: str, at: str, **detail: Any) -> None:
        self._touch()
        self.new_events.append(Event(type_, actor, at, detail))

    def _touch(self) -> None:
        """A change, announced or not: one version step however many it makes."""
        if self.version == self.stored_version:
            self.version += 1


@dataclass(slots=True, kw_only=True)
class RecordedByItsOrder(Aggregate):
    """An aggregate whose creation its order records (a claim, an exchange): with no event of its own,
    being new is its change to store."""

    def __post_init__(self) -> None:
        if self.is_new:
            self._touch()
