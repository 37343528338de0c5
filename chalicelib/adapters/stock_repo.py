"""Stock in the single table: one small item per (SKU, location), and a per-SKU summary.

The items are the truth; reservations change them with conditions inside the order's
transaction, so two orders racing for the last unit cannot both get it. Each item keeps
`free` = onHand - reserved - safetyStock, unclamped, so every condition is one comparison
(`free >= :q`); the API shows max(0, free) as `available`.

The summary holds, per location, `min(free, SUMMARY_CAP)`, refreshed from InventoryChanged and
OrderSourced events. Capping means a bestseller's summary is written only when a location runs
low, never on every sale; a capped figure reads as "plenty", and the transaction's condition
has the last word.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from chalicelib.adapters import aws, keys
from chalicelib.adapters.dynamo import Item, Table, Write, retrying, to_wire
from chalicelib.adapters.items import attributes, required
from chalicelib.adapters.outbox import aggregate_writes, event_item
from chalicelib.clock import now
from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import AlreadyExists, Conflict, DomainError, VersionMismatch
from chalicelib.domain.stock import StockMove
from chalicelib.domain.stock_level import FeedLine, StockLevel

SUMMARY_CAP = 20
# `free` and others are DynamoDB reserved words: always through placeholders.
_NAMES = {"#f": "free", "#r": "reserved", "#v": "version"}


FEED_MARKER_DAYS = 7


def level_from_item(item: Item) -> StockLevel:
    return StockLevel(
        **required(item, "location_id sku on_hand reserved version"),
        safety_stock=item.get("safetyStock", 0),
        stored_version=item["version"],
    )


def writes(table: Table, level: StockLevel) -> list[Write]:
    """A counted or moved level, only on the version it was read at (a new one only if still
    none), and its InventoryChanged event."""

    def stale(old: Item | None) -> DomainError:
        current = old["version"] if old else None
        return VersionMismatch(
            f"stock of {level.sku} at {level.location_id} changed meanwhile (now version {current})",
            currentVersion=current,
        )

    item = {
        **keys.stock_key(level.sku, level.location_id),
        "type": "stock",
        **attributes(level, "sku location_id on_hand reserved safety_stock"),
        "free": level.on_hand - level.reserved - level.safety_stock,
        "version": level.version,
        "updatedAt": level.new_events[-1].at if level.new_events else now(),
    }
    events = [
        event_item(
            pk=keys.stock_pk(level.sku),
            sk=keys.stock_event_sk(level.location_id, level.version),
            event_id=f"stock.{level.sku}.{level.location_id}.{level.version}",
            event=event,
            version=level.version,
            resource=f"stock/{level.sku}/{level.location_id}",
            sku=level.sku,
            locationId=level.location_id,
        )
        for event in level.new_events[-1:]  # one change, one count: the last word is the level's
    ]
    return aggregate_writes(table, level, item, events, stale=stale, created=stale)


def feed_line_writes(table: Table, line: FeedLine) -> list[Write]:
    """The marker that a feed's line was applied: written once, kept a week (redeliveries come sooner)."""
    marker = {
        "PK": f"FEED#{line.feed_id}",
        "SK": f"SKU#{line.sku}",
        "type": "feed-line",
        "expiresAt": int(datetime.fromisoformat(now()).timestamp()) + FEED_MARKER_DAYS * 86400,
    }
    return aggregate_writes(table, line, marker, [], stale=lambda _old: AlreadyExists(line.identity))


def level_view(level: StockLevel) -> dict[str, Any]:
    return attributes(level, "location_id sku on_hand reserved safety_stock available version")


class StockRepository:
    def __init__(self, table: Table, *, track: Callable[[Aggregate], Aggregate] = lambda a: a) -> None:
        self.table = table
        self._track = track

    def level(self, sku: str, location_id: str) -> StockLevel:
        """One level as stored now, tracked; a new one (version 0) where nothing was ever counted."""
        item = self.table.get(keys.stock_key(sku, location_id), consistent=True)
        level = level_from_item(item) if item else StockLevel(location_id, sku)
        self._track(level)
        return level

    def levels(self, sku: str) -> list[StockLevel]:
        """One SKU at every location: one Query."""
        items = self.table.partition(keys.stock_pk(sku))
        return [level_from_item(i) for i in items if i["SK"].startswith(keys.STOCK_LEVEL_PREFIX)]

    def summaries(self, skus: Iterable[str]) -> dict[str, dict[str, int]]:
        """sku -> location -> capped free stock, for a whole cart in one BatchGetItem (one per 100 SKUs)."""
        wanted = sorted(set(skus))
        found: dict[str, dict[str, int]] = {sku: {} for sku in wanted}
        for item in self.table.batch_get([keys.stock_summary_key(s) for s in wanted]):
            found[item["PK"].removeprefix("STOCK#")] = {k[2:]: v for k, v in item.items() if k.startswith("a_")}
        return found

    def refresh_summary(self, sku: str, location_id: str) -> bool:
        """Copy one level into the SKU's summary, unless a newer copy is already there."""
        level = self.table.get(keys.stock_key(sku, location_id), consistent=True)
        if level is None:
            return False
        capped = max(0, min(SUMMARY_CAP, level["free"]))
        try:
            retrying(
                lambda: self.table.client.update_item(
                    TableName=self.table.name,
                    Key=to_wire(keys.stock_summary_key(sku)),
                    UpdateExpression="SET #a = :a, #v = :v, #t = :t",
                    ConditionExpression="attribute_not_exists(#v) OR #v < :v",
                    ExpressionAttributeNames={"#a": f"a_{location_id}", "#v": f"v_{location_id}", "#t": "type"},
                    ExpressionAttributeValues=to_wire({":a": capped, ":v": level["version"], ":t": "stock-summary"}),
                ),
                doing="refresh a stock summary",
            )
        except aws.client("dynamodb").exceptions.ConditionalCheckFailedException:
            return False
        return True


class StockShort(Conflict):
    """A reservation's condition failed: the location has less free stock than sourcing thought."""

    def __init__(self, sku: str, location_id: str) -> None:
        super().__init__(f"{location_id} no longer has enough {sku}", sku=sku, locationId=location_id)
        self.sku, self.location_id = sku, location_id


class CapacityFull(Conflict):
    def __init__(self, location_id: str) -> None:
        super().__init__(f"{location_id} has no fulfilment capacity left today", locationId=location_id)
        self.location_id = location_id


def move(table: Table, m: StockMove) -> Write:
    """Everything one change does to one stock item, inside the caller's transaction, only if what
    it takes is there: free units for a reservation (else StockShort), reserved units for a release
    or a dispatch. A sale at the till takes from the shelf whatever the count said (no condition),
    and may create the item."""
    conditions = [c for c, needed in (("#f >= :nf", m.needs_free), ("#r >= :nr", m.needs_reserved)) if needed]
    values: dict[str, Any] = {
        ":dr": m.reserved,
        ":dh": m.on_hand,
        ":df": m.free,
        ":zero": 0,
        ":one": 1,
        ":sku": m.sku,
        ":loc": m.location_id,
        ":type": "stock",
        ":now": now(),
        **({":nf": m.needs_free} if m.needs_free else {}),
        **({":nr": m.needs_reserved} if m.needs_reserved else {}),
    }
    op: dict[str, Any] = {
        "TableName": table.name,
        "Key": to_wire(keys.stock_key(m.sku, m.location_id)),
        "UpdateExpression": "SET #r = if_not_exists(#r, :zero) + :dr, onHand = if_not_exists(onHand, :zero) + :dh, "
        "#f = if_not_exists(#f, :zero) + :df, safetyStock = if_not_exists(safetyStock, :zero), "
        "sku = :sku, locationId = :loc, #t = :type, #v = if_not_exists(#v, :zero) + :one, updatedAt = :now",
        "ExpressionAttributeNames": {**_NAMES, "#t": "type"},
        "ExpressionAttributeValues": to_wire(values),
    }
    if conditions:
        op["ConditionExpression"] = " AND ".join(conditions)
        op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"

    def refused(old: Item | None) -> DomainError:
        if m.needs_free and (old is None or old.get("free", 0) < m.needs_free):
            return StockShort(m.sku, m.location_id)
        return Conflict(
            f"{m.location_id} holds no reservation of {m.needs_reserved} {m.sku} to release",
            sku=m.sku,
            locationId=m.location_id,
        )

    return Write({"Update": op}, on_condition_failed=refused)


def use_capacity(table: Table, location_id: str, day: str, limit: int) -> Write:
    """One more fulfilment order today at a location with a daily limit, only if under it."""
    return Write(
        {
            "Update": {
                "TableName": table.name,
                "Key": to_wire(keys.capacity_key(location_id, day)),
                "UpdateExpression": "ADD #u :one SET expiresAt = if_not_exists(expiresAt, :ttl)",
                "ConditionExpression": "attribute_not_exists(#u) OR #u < :limit",
                "ExpressionAttributeNames": {"#u": "used"},
                "ExpressionAttributeValues": to_wire({":one": 1, ":limit": limit, ":ttl": _day_after(day)}),
            }
        },
        on_condition_failed=lambda _old: CapacityFull(location_id),
    )


def _day_after(day: str) -> int:
    from datetime import UTC, datetime, timedelta

    return int((datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(days=2)).timestamp())
