"""What every published event's detail carries (see `events`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EventDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    eventId: str
    version: int
    occurredAt: str
    actor: str
