"""Live configuration sections in the single table: versions, the active pointer, their events.

Bodies are stored as JSON text: sections hold floats (`maxDistanceKm`), which DynamoDB numbers
would bring back as Decimal, and nothing ever queries inside a body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import (
    Item,
    Table,
    Write,
    decode_cursor,
    encode_cursor,
    from_wire,
    put,
    retrying,
    to_wire,
)
from chalicelib.adapters.items import attributes
from chalicelib.adapters.outbox import aggregate_writes, event_item, event_item_writes
from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import DomainError
from chalicelib.domain.live_config import ActiveConfig, ConfigVersion, Raced


class ConfigRepository:
    def __init__(self, table: Table, *, track: Callable[[Aggregate], Aggregate] = lambda a: a) -> None:
        self.table = table
        self._track = track

    def active(self, section: str) -> Item | None:
        return self.table.get(keys.CONFIG.key(section), consistent=True)

    def version(self, section: str, version: int) -> Item | None:
        return self.table.get(keys.config_version_key(section, version), consistent=True)

    def latest_version(self, section: str) -> int:
        """The highest version number saved so far (0: none): one Query for one key."""
        items, _ = self._versions(section, limit=1, cursor=None)
        return int(items[0]["version"]) if items else 0

    def history(self, section: str, *, limit: int, cursor: str | None) -> tuple[list[Item], str | None]:
        """Saved versions, newest first, one page."""
        return self._versions(section, limit=limit, cursor=cursor)

    def _versions(self, section: str, *, limit: int, cursor: str | None) -> tuple[list[Item], str | None]:
        pk = keys.CONFIG.pk(section)
        kwargs: dict[str, Any] = {
            "TableName": self.table.name,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": to_wire({":pk": pk, ":prefix": keys.CONFIG_VERSION_PREFIX}),
            "ScanIndexForward": False,
            "Limit": limit,
            "ConsistentRead": True,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = decode_cursor(
                cursor,
                shape={"PK", "SK"},
                within=lambda key: key["PK"] == pk and key["SK"].startswith(keys.CONFIG_VERSION_PREFIX),
            )
        page = retrying(lambda: self.table.client.query(**kwargs), doing="read configuration versions")
        last = page.get("LastEvaluatedKey")
        return [from_wire(i) for i in page.get("Items", [])], encode_cursor(last) if last else None

    def active_section(self, section: str, *, default_body: dict[str, Any]) -> ActiveConfig:
        """Which version governs a section now, tracked; new (activation 0) if none ever did."""
        item = self.active(section)
        if item is None:
            active = ActiveConfig(section, default_body)
        else:
            active = ActiveConfig(
                section,
                default_body,
                current=version_from_item(item),
                activated_at=item.get("activatedAt"),
                activated_by=item.get("activatedBy"),
                version=item["activations"],
                stored_version=item["activations"],
            )
        self._track(active)
        return active

    def saved(self, section: str, number: int) -> ConfigVersion | None:
        item = self.version(section, number)
        return version_from_item(item) if item else None


def version_to_item(v: ConfigVersion) -> Item:
    return {
        **keys.config_version_key(v.section, v.number),
        "type": "config-version",
        "section": v.section,
        "version": v.number,
        "draft": v.draft,
        "bodyJson": _json(v.body),
        **attributes(v, "saved_at saved_by based_on"),
        "changesJson": _json(v.changes),
    }


def version_from_item(item: Item) -> ConfigVersion:
    """A saved version, from its own item or from the active pointer's copy of it."""
    return ConfigVersion(
        section=item["section"],
        number=int(item["version"]),
        body=json.loads(item["bodyJson"]),
        draft=bool(item.get("draft", False)),
        saved_at=item.get("savedAt") or "",
        saved_by=item.get("savedBy") or "",
        based_on=int(item.get("basedOn") or 0),
        changes=json.loads(item.get("changesJson") or "[]"),
        version=1,
        stored_version=1,
    )


def version_writes(table: Table, v: ConfigVersion) -> list[Write]:
    """A version number is taken once: two saves racing for it cannot both succeed."""
    raced = _raced(f"version {v.number} of {v.section} was saved meanwhile")
    return aggregate_writes(table, v, version_to_item(v), [], stale=raced, created=raced)


def active_writes(table: Table, active: ActiveConfig) -> list[Write]:
    """Point ACTIVE at the version now governing (a copy of it, so reading is one GetItem), only if
    it still points where it did when read; and the ConfigChanged event of the activation."""
    if active.current is None:
        raise ValueError(f"nothing to activate for {active.section}")
    pointer = {
        **version_to_item(active.current),
        **keys.CONFIG.key(active.section),
        "type": "config-active",
        "activations": active.version,
        "activatedAt": active.activated_at,
        "activatedBy": active.activated_by,
    }
    raced = _raced(f"the active version of {active.section} changed meanwhile")
    header = (
        put(table.name, pointer, condition="attribute_not_exists(PK)", on_condition_failed=raced)
        if active.is_new
        else put(
            table.name,
            pointer,
            condition="activations = :a",
            values={":a": active.stored_version},
            on_condition_failed=raced,
        )
    )
    events = [
        event_item(
            pk=keys.CONFIG.pk(active.section),
            sk=keys.config_event_sk(active.version),
            event_id=f"config.{active.section}.{active.version}",
            event=event,
            version=active.number,
            resource=f"config/{active.section}",
            section=active.section,
        )
        for event in active.new_events[-1:]  # one activation per change
    ]
    return [header, *event_item_writes(table, events)]


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


def _raced(detail: str) -> Callable[[Item | None], DomainError]:
    def error(_old: Item | None) -> DomainError:
        return Raced(detail)

    return error
