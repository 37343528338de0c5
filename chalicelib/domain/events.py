"""What happened to an aggregate, past tense."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to an aggregate, past tense. Becomes history and a published event."""

    type: str
    actor: str
    at: str
    detail: dict[str, Any]
