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

from collections.abc import Iterable
from typing import Any

from chalicelib.adapters import aws, keys
from chalicelib.adapters.dynamo import Item, Table, Write, put, to_wire
from chalicelib.adapters.outbox import event_item
from chalicelib.clock import now
from chalicelib.domain.errors import Conflict, DomainError, VersionMismatch
from chalicelib.domain.orders import Event
from chalicelib.domain.stock import StockLevel

SUMMARY_CAP = 20
# `free` and others are DynamoDB reserved words: always through placeholders.
_NAMES = {"#f": "free", "#r": "reserved", "#v": "version"}


def level_from_item(item: Item) -> StockLevel:
    return StockLevel(
        location_id=item["locationId"],
        sku=item["sku"],
        on_hand=item["onHand"],
        reserved=item["reserved"],
        safety_stock=item.get("safetyStock", 0),
        version=item["version"],
    )


def level_view(level: StockLevel) -> dict[str, Any]:
    return {
        "locationId": level.location_id,
        "sku": level.sku,
        "onHand": level.on_hand,
        "reserved": level.reserved,
        "safetyStock": level.safety_stock,
        "available": level.available,
        "version": level.version,
    }


class StockRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def level(self, sku: str, location_id: str) -> StockLevel | None:
        item = self.table.get(keys.stock_key(sku, location_id), consistent=True)
        return level_from_item(item) if item else None

    def levels(self, sku: str) -> list[StockLevel]:
        """One SKU at every location: one Query."""
        items = self.table.partition(keys.stock_pk(sku))
        return [level_from_item(i) for i in items if i["SK"].startswith(keys.STOCK_LEVEL_PREFIX)]

    def save(self, level: StockLevel, *, stored_version: int | None, event: Event) -> list[Write]:
        """Store a counted or moved level and its InventoryChanged event; refused if it changed meanwhile."""

        def stale(old: Item | None) -> DomainError:
            current = old["version"] if old else None
            return VersionMismatch(
                f"stock of {level.sku} at {level.location_id} changed meanwhile (now version {current})",
                currentVersion=current,
            )

        item = {
            **keys.stock_key(level.sku, level.location_id),
            "type": "stock",
            "sku": level.sku,
            "locationId": level.location_id,
            "onHand": level.on_hand,
            "reserved": level.reserved,
            "safetyStock": level.safety_stock,
            "free": level.on_hand - level.reserved - level.safety_stock,
            "version": level.version,
            "updatedAt": event.at,
        }
        if stored_version is None:
            write = put(self.table.name, item, condition="attribute_not_exists(PK)", on_condition_failed=stale)
        else:
            write = put(
                self.table.name,
                item,
                condition="version = :v",
                values={":v": stored_version},
                on_condition_failed=stale,
            )
        return [
            write,
            put(
                self.table.name,
                event_item(
                    pk=keys.stock_pk(level.sku),
                    sk=keys.stock_event_sk(level.location_id, level.version),
                    event_id=f"stock.{level.sku}.{level.location_id}.{level.version}",
                    event=event,
                    version=level.version,
                    resource=f"stock/{level.sku}/{level.location_id}",
                    sku=level.sku,
                    locationId=level.location_id,
                ),
                condition="attribute_not_exists(PK)",
            ),
        ]

    def summaries(self, skus: Iterable[str]) -> dict[str, dict[str, int]]:
        """sku -> location -> capped free stock, for a whole cart in one BatchGetItem (one per 100 SKUs)."""
        wanted = sorted(set(skus))
        found: dict[str, dict[str, int]] = {sku: {} for sku in wanted}
        for item in self.table.get_many([keys.stock_summary_key(s) for s in wanted]):
            found[item["PK"].removeprefix("STOCK#")] = {k[2:]: v for k, v in item.items() if k.startswith("a_")}
        return found

    def refresh_summary(self, sku: str, location_id: str) -> bool:
        """Copy one level into the SKU's summary, unless a newer copy is already there."""
        level = self.table.get(keys.stock_key(sku, location_id), consistent=True)
        if level is None:
            return False
        capped = max(0, min(SUMMARY_CAP, level["free"]))
        try:
            self.table.client.update_item(
                TableName=self.table.name,
                Key=to_wire(keys.stock_summary_key(sku)),
                UpdateExpression="SET #a = :a, #v = :v, #t = :t",
                ConditionExpression="attribute_not_exists(#v) OR #v < :v",
                ExpressionAttributeNames={"#a": f"a_{location_id}", "#v": f"v_{location_id}", "#t": "type"},
                ExpressionAttributeValues=to_wire({":a": capped, ":v": level["version"], ":t": "stock-summary"}),
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


def reserve(table: Table, sku: str, location_id: str, quantity: int) -> Write:
    """Take `quantity` of free stock, inside the caller's transaction, only if it is there."""
    return _move_reserved(table, sku, location_id, quantity, condition="#f >= :q", error=StockShort(sku, location_id))


def release(table: Table, sku: str, location_id: str, quantity: int) -> Write:
    """Give back reserved stock (cancelled, rejected, expired)."""
    missing = Conflict(f"{location_id} holds no reservation of {quantity} {sku} to release")
    return _move_reserved(table, sku, location_id, -quantity, condition="#r >= :r", error=missing)


def take(table: Table, sku: str, location_id: str, quantity: int) -> Write:
    """Sold and carried out at the till: the shelf has `quantity` fewer, whatever the count said."""
    return Write(
        {
            "Update": {
                "TableName": table.name,
                "Key": to_wire(keys.stock_key(sku, location_id)),
                "UpdateExpression": "SET onHand = if_not_exists(onHand, :zero) - :q, "
                "#f = if_not_exists(#f, :zero) - :q, #r = if_not_exists(#r, :zero), "
                "safetyStock = if_not_exists(safetyStock, :zero), sku = :sku, locationId = :loc, "
                "#t = :type, #v = if_not_exists(#v, :zero) + :one, updatedAt = :now",
                "ExpressionAttributeNames": {**_NAMES, "#t": "type"},
                "ExpressionAttributeValues": to_wire(
                    {
                        ":q": quantity,
                        ":zero": 0,
                        ":one": 1,
                        ":sku": sku,
                        ":loc": location_id,
                        ":type": "stock",
                        ":now": now(),
                    }
                ),
            }
        }
    )


def collect_held(table: Table, sku: str, location_id: str, *, held: int, taken: int) -> Write:
    """A hold of `held` units ends at the till and `taken` of them leave the shelf, in one write.

    A transaction may touch an item once, so a reservation bought in the store cannot be a
    `release` plus a `take`: this is both, `reserved - held`, `onHand - taken`, only if the hold is there.
    """
    missing = Conflict(
        f"{location_id} holds no reservation of {held} {sku} to collect", sku=sku, locationId=location_id
    )
    return Write(
        {
            "Update": {
                "TableName": table.name,
                "Key": to_wire(keys.stock_key(sku, location_id)),
                "UpdateExpression": "SET #r = #r - :held, onHand = onHand - :taken, #f = #f + :back, "
                "#v = #v + :one, updatedAt = :now",
                "ConditionExpression": "#r >= :held",
                "ExpressionAttributeNames": _NAMES,
                "ExpressionAttributeValues": to_wire(
                    {":held": held, ":taken": taken, ":back": held - taken, ":one": 1, ":now": now()}
                ),
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        on_condition_failed=lambda _old: missing,
    )


def dispatch(table: Table, sku: str, location_id: str, quantity: int) -> Write:
    """Reserved goods leave the location (shipped, or handed over from the shelf): `reserved` and
    `onHand` both down by `quantity`, in one write, only if the reservation is there."""
    return collect_held(table, sku, location_id, held=quantity, taken=quantity)


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


def _move_reserved(
    table: Table, sku: str, location_id: str, quantity: int, *, condition: str, error: DomainError
) -> Write:
    values: dict[str, Any] = {":d": quantity, ":one": 1, ":now": now()}
    values[":q" if quantity > 0 else ":r"] = abs(quantity)
    return Write(
        {
            "Update": {
                "TableName": table.name,
                "Key": to_wire(keys.stock_key(sku, location_id)),
                "UpdateExpression": "SET #r = #r + :d, #f = #f - :d, #v = #v + :one, updatedAt = :now",
                "ConditionExpression": condition,
                "ExpressionAttributeNames": _NAMES,
                "ExpressionAttributeValues": to_wire(values),
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        on_condition_failed=lambda _old: error,
    )
