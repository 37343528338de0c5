"""What a connector sent for a status update that its platform takes asynchronously (an Amazon feed):
the platform's handle for it, kept by the update's event id, so that the same update coming back (held
back to be checked again, redelivered, redriven) follows what was sent instead of sending it again;
and when it was sent, so that the connector can stop waiting for a platform that never finishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib import clock
from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Table
from chalicelib.domain.timestamps import iso
from chalicelib.resources import DLQ_RETENTION_DAYS


@dataclass(frozen=True)
class Sent:
    channel_id: str
    event_id: str
    handle: str  # the platform's id for what was sent (a feed id)
    sent_at: datetime

    def waited(self) -> timedelta:
        return clock.moment() - self.sent_at


def sent(channel_id: str, event_id: str) -> Sent | None:
    """What was sent for the update, if anything is remembered."""
    item = Table().get(keys.channel_push_key(channel_id, event_id), consistent=True)
    if item is None:
        return None
    return Sent(channel_id, event_id, str(item["handle"]), datetime.fromisoformat(str(item["sentAt"])))


def remember(channel_id: str, event_id: str, handle: str) -> Sent:
    """Remember `handle` as sent now, for as long as the update could come back (a dead letter's life)."""
    found = Sent(channel_id, event_id, handle, clock.moment())
    Table().put(
        {
            **keys.channel_push_key(channel_id, event_id),
            "channelId": channel_id,
            "eventId": event_id,
            "handle": handle,
            "sentAt": iso(found.sent_at),
            "expiresAt": int(found.sent_at.timestamp()) + DLQ_RETENTION_DAYS * 86_400,
        }
    )
    return found


def forget(found: Sent) -> None:
    """What was sent failed at the platform: the update, redriven once fixed, is sent afresh."""
    Table().delete(keys.channel_push_key(found.channel_id, found.event_id))
