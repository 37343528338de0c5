"""Locations and channels in the single table; the whole network is one GSI2 page or a few."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Item, Table, Write, put
from chalicelib.domain.errors import DomainError, VersionMismatch
from chalicelib.domain.network import Capability, Geo, Location, LocationType


class NetworkRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def all_of(self, listing: str) -> list[Item]:
        """Every location (or channel): the listing's GSI2 partition, page by page."""
        items: list[Item] = []
        cursor: str | None = None
        while True:
            page, cursor = self.table.query_index("GSI2", listing, limit=500, cursor=cursor, newest_first=False)
            items.extend(page)
            if cursor is None:
                return items

    def get(self, key: dict[str, str]) -> Item | None:
        return self.table.get(key, consistent=True)

    def put_versioned(self, item: Item, *, stored_version: int | None, what: str) -> Write:
        """Create (stored_version None) or replace exactly the version that was read."""

        def stale(old: Item | None) -> DomainError:
            current = old["version"] if old else None
            return VersionMismatch(f"{what} changed meanwhile (now version {current})", currentVersion=current)

        if stored_version is None:
            return put(self.table.name, item, condition="attribute_not_exists(PK)", on_condition_failed=stale)
        return put(
            self.table.name, item, condition="version = :v", values={":v": stored_version}, on_condition_failed=stale
        )


def location_to_item(loc: Location, version: int) -> Item:
    return {
        **keys.location_key(loc.location_id),
        **keys.location_list_index(loc.location_id),
        "type": "location",
        "locationId": loc.location_id,
        "name": loc.name,
        "locationType": loc.type.value,
        "geo": {"lat": str(loc.geo.lat), "lon": str(loc.geo.lon)},
        "address": loc.address,
        "sizeClass": loc.size_class,
        "capabilities": sorted(c.value for c in loc.capabilities),
        "active": loc.active,
        "dailyCapacity": loc.daily_capacity,
        "groups": sorted(loc.groups),
        "priority": loc.priority,
        "version": version,
    }


def location_from_item(item: Item) -> Location:
    return Location(
        location_id=item["locationId"],
        name=item["name"],
        type=LocationType(item["locationType"]),
        geo=Geo(float(item["geo"]["lat"]), float(item["geo"]["lon"])),
        capabilities=frozenset(Capability(c) for c in item.get("capabilities", [])),
        active=item.get("active", True),
        size_class=item.get("sizeClass"),
        daily_capacity=item.get("dailyCapacity"),
        groups=frozenset(item.get("groups", [])),
        priority=item.get("priority", 0),
        address=item.get("address") or {},
    )


def location_view(item: Item) -> dict[str, Any]:
    return {
        "locationId": item["locationId"],
        "name": item["name"],
        "type": item["locationType"],
        "geo": {"lat": float(item["geo"]["lat"]), "lon": float(item["geo"]["lon"])},
        "address": item.get("address") or {},
        "sizeClass": item.get("sizeClass"),
        "capabilities": item.get("capabilities", []),
        "active": item.get("active", True),
        "dailyCapacity": item.get("dailyCapacity"),
        "groups": item.get("groups", []),
        "priority": item.get("priority", 0),
        "version": item["version"],
    }
