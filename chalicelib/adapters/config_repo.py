"""Live configuration sections in the single table: versions, the active pointer, their events.

Bodies are stored as JSON text: sections hold floats (`maxDistanceKm`), which DynamoDB numbers
would bring back as Decimal, and nothing ever queries inside a body.
"""

from __future__ import annotations

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
from chalicelib.adapters.outbox import event_item
from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.domain.events import Event


class Raced(Conflict):
    """Another write got there first (a version number taken, the active pointer moved)."""


class ConfigRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def active(self, section: str) -> Item | None:
        return self.table.get(keys.config_active_key(section), consistent=True)

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
        pk = keys.config_pk(section)
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

    def new_version(self, item: Item) -> Write:
        """A version number is taken once: two saves racing for it cannot both succeed."""
        return put(
            self.table.name,
            item,
            condition="attribute_not_exists(PK)",
            on_condition_failed=_raced(f"version {item['version']} of {item['section']} was saved meanwhile"),
        )

    def move_active(self, item: Item, *, expected: Item | None) -> Write:
        """Point ACTIVE at `item`, only if it still points where it did when read."""
        what = f"the active version of {item['section']} changed meanwhile"
        if expected is None:
            return put(self.table.name, item, condition="attribute_not_exists(PK)", on_condition_failed=_raced(what))
        # `activations` too: after a rollback the same version can be active again (ABA).
        return put(
            self.table.name,
            item,
            condition="version = :expected AND activations = :activations",
            values={":expected": expected["version"], ":activations": expected["activations"]},
            on_condition_failed=_raced(what),
        )

    def changed_event(self, section: str, activation: int, version: int, event: Event) -> Write:
        return put(
            self.table.name,
            event_item(
                pk=keys.config_pk(section),
                sk=keys.config_event_sk(activation),
                event_id=f"config.{section}.{activation}",
                event=event,
                version=version,
                resource=f"config/{section}",
                section=section,
            ),
            condition="attribute_not_exists(PK)",
            on_condition_failed=_raced(f"activation {activation} of {section} happened meanwhile"),
        )


def _raced(detail: str) -> Callable[[Item | None], DomainError]:
    def error(_old: Item | None) -> DomainError:
        return Raced(detail)

    return error
