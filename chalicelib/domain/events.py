"""What happened to an aggregate, past tense, and the small base that records it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to an aggregate, past tense. Becomes history and a published event."""

    type: str
    actor: str
    at: str
    detail: dict[str, Any]


class _Recording(Protocol):
    version: int
    stored_version: int
    new_events: list[Event]


class Recorder:
    """An aggregate that records the events its changes cause, stored with it in one transaction.

    A change bumps `version` once, and is saved only if the stored version is still
    `stored_version` (optimistic concurrency). The dataclass that inherits this has those fields.
    """

    __slots__ = ()  # the slotted dataclasses that inherit this keep their slots

    def _record(self: _Recording, type_: str, actor: str, at: str, **detail: Any) -> None:
        if self.version == self.stored_version:
            self.version += 1
        self.new_events.append(Event(type_, actor, at, detail))
