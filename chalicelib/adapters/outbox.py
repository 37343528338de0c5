"""The outbox relay: events stored with their change are published to the bus, then marked sent.

In AWS the table's stream hands new events to `relay_stream_records` within a second; the
scheduled `sweep` publishes whatever is still pending after that (a failed publish, a throttled
stream consumer). Locally, the pump sweeps with no delay. A publish that fails leaves the event
pending, so it is retried; one that succeeds but is not marked is published again with the same
`eventId`, which consumers use to drop duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters import aws, keys
from chalicelib.adapters.dynamo import Item, Table, Write, chunks, plain, put
from chalicelib.clock import moment, now
from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import AlreadyExists, Conflict, DomainError, VersionMismatch
from chalicelib.domain.events import Event
from chalicelib.domain.timestamps import iso
from chalicelib.resources import EVENT_SOURCE

_PUT_EVENTS_MAX = 10
# What a failed version condition on an aggregate's item means, given the item as it is now.
Stale = Callable[[Item | None], DomainError]


def event_item(*, pk: str, sk: str, event_id: str, event: Event, version: int, resource: str, **ids: str) -> Item:
    """An event as stored beside the change that caused it: history, and outbox until published.

    `ids` are the aggregate's identifiers (orderId; sku and locationId) repeated in the detail.
    """
    return {
        "PK": pk,
        "SK": sk,
        "type": "event",
        "eventId": event_id,
        "eventType": event.type,
        "version": version,
        "at": event.at,
        "actor": event.actor,
        "detail": event.detail,
        "resource": resource,
        "ids": ids,
        **ids,
        **keys.OUTBOX.index(event_id, event.at),
    }


def recorded_events(aggregate: Aggregate, *, pk: str, kind: str, event_prefix: str = "", **ids: str) -> list[Item]:
    """The events one change of an aggregate (an "order", a "task") recorded, as items of its
    partition, numbered in order. `event_prefix` keeps ids apart where kinds share ids (a location
    and a channel may both be called "store")."""
    version = aggregate.version
    return [
        event_item(
            pk=pk,
            sk=keys.event_sk(version, seq),
            event_id=event_prefix + keys.event_id(aggregate.identity, version, seq),
            event=event,
            version=version,
            resource=f"{kind}/{aggregate.identity}",
            **ids,
        )
        for seq, event in enumerate(aggregate.new_events)
    ]


def event_item_writes(table: Table, items: Sequence[Item]) -> list[Write]:
    """Each event written once: a repeat of the same change cannot write its events twice."""
    return [put(table.name, item, condition="attribute_not_exists(PK)") for item in items]


def aggregate_writes(
    table: Table,
    aggregate: Aggregate,
    item: Item,
    events: Sequence[Item],
    *,
    stale: Stale,
    created: Stale | None = None,
) -> list[Write]:
    """An aggregate's item, new (it must not exist: `created` says what went wrong otherwise,
    AlreadyExists unless told) or changed (only on the version it was read at: `stale` says what
    went wrong otherwise), and the events its change recorded."""
    if aggregate.is_new:
        header = put(
            table.name,
            item,
            condition="attribute_not_exists(PK)",
            on_condition_failed=created or (lambda _old: AlreadyExists(aggregate.identity)),
        )
    else:
        header = put(
            table.name,
            item,
            condition="version = :v",
            values={":v": aggregate.stored_version},
            on_condition_failed=stale,
        )
    return [header, *event_item_writes(table, events)]


def ended_or_changed(kind: str, aggregate: Aggregate, *, live: str, also: Sequence[str] = ()) -> Stale:
    """Why an aggregate's version condition failed: it ended meanwhile (its status is no longer
    `live`: a conflict naming the status and the `also` attributes) or it only changed (412)."""
    aggregate_id = aggregate.identity

    def stale(old: Item | None) -> DomainError:
        if old is not None and old.get("status") != live:
            status = old["status"]
            extra: dict[str, Any] = {name: old.get(name) for name in also}
            said = "".join(f" ({name} {value})" for name, value in extra.items())
            extra |= {f"{kind}Id": aggregate_id, f"{kind}Status": status}
            return Conflict(f"{kind} {aggregate_id} is {status} already{said}", **extra)
        current = old["version"] if old else None
        return VersionMismatch(f"{kind} {aggregate_id} changed meanwhile", currentVersion=current)

    return stale


def event_detail(item: Item) -> dict[str, Any]:
    """The published detail: the event's own detail plus its envelope fields."""
    return {
        **item["detail"],
        **item.get("ids", {}),
        "eventId": item["eventId"],
        "version": item["version"],
        "occurredAt": item["at"],
        "actor": item["actor"],
    }


def publish(table: Table, events: Sequence[Item]) -> int:
    """Publish pending events and mark those the bus took; returns how many were published."""
    return len(_publish(table, events))


def _publish(table: Table, events: Sequence[Item]) -> set[str]:
    """The eventIds of `events` the bus took and that are now marked sent."""
    published: set[str] = set()
    bus = aws.bus_name()
    for batch in chunks(events, _PUT_EVENTS_MAX):
        try:
            answer = aws.client("events").put_events(
                Entries=[
                    {
                        "Source": EVENT_SOURCE,
                        "DetailType": e["eventType"],
                        "Detail": json.dumps(event_detail(e), default=str),
                        "Resources": [e["resource"]],
                        "EventBusName": bus,
                    }
                    for e in batch
                ]
            )
        except Exception as exc:
            from chalicelib.observability import logger

            logger.warning("publishing events failed; they stay pending", extra={"error": str(exc)})
            continue
        for event, entry in zip(batch, answer.get("Entries", []), strict=False):
            if "EventId" in entry and not entry.get("ErrorCode"):
                _mark_sent(table, event)
                published.add(event["eventId"])
    return published


def _mark_sent(table: Table, event: Item) -> None:
    table.update(
        {"PK": event["PK"], "SK": event["SK"]},
        "REMOVE GSI3PK, GSI3SK SET sentAt = :now",
        condition="attribute_exists(PK)",
        values={":now": now()},
    )


def pending(table: Table, *, older_than: timedelta) -> list[Item]:
    """Events not yet published, oldest first, from every shard of the sparse index."""
    cutoff = iso(moment() - older_than)
    out: list[Item] = []
    for partition in keys.OUTBOX.partitions():
        cursor: str | None = None
        while True:
            items, cursor = table.query_index(
                "GSI3",
                partition,
                limit=100,
                cursor=cursor,
                newest_first=False,
                sk_before=cutoff + "~",
            )
            out.extend(items)
            if cursor is None:
                break
    # The index holds keys only for events; fetch nothing more: GSI3 projects every attribute.
    return sorted(out, key=lambda e: (e["at"], e["eventId"]))


def sweep(table: Table, *, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Publish what the stream relay left pending; report the backlog as `OutboxPendingAgeSeconds`:
    the age of the oldest event still pending after the sweep, 0 when none (an alarm fires above 60 s)."""
    events = pending(table, older_than=older_than)
    published = _publish(table, events)
    left = [e for e in events if e["eventId"] not in published]
    from chalicelib.observability import count

    count("OutboxPendingAgeSeconds", pending_age_seconds(left))
    return len(published)


def pending_age_seconds(events: Sequence[Item], *, at: datetime | None = None) -> float:
    """Seconds since the oldest of `events` occurred (`at`: now by default); 0 for none."""
    if not events:
        return 0.0
    oldest = min(datetime.fromisoformat(str(e["at"]).replace("Z", "+00:00")) for e in events)
    return max(0.0, round(((at or moment()) - oldest).total_seconds(), 3))


def relay_stream_records(table: Table, records: Iterable[dict[str, Any]]) -> int:
    """From DynamoDB stream records: publish newly inserted, still pending events."""
    from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamRecordModel

    events = []
    for raw in records:
        record = DynamoDBStreamRecordModel.model_validate(raw)
        image = record.dynamodb.NewImage  # deserialised by the model
        if record.eventName != "INSERT" or not isinstance(image, dict) or not image:
            continue
        item: Item = plain(image)
        if item.get("type") == "event" and str(item.get("GSI3PK", "")).startswith("OUTBOX#"):
            events.append(item)
    return publish(table, events)
