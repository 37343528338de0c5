"""Locations and channels in the single table; the whole network is one GSI2 page or a few."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Item, Table, Write
from chalicelib.adapters.items import attributes, optional, required
from chalicelib.adapters.outbox import aggregate_writes, recorded_events
from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import DomainError, VersionMismatch
from chalicelib.domain.network import Capability, Channel, Geo, Location, LocationType, Partner, Rate, Registered, V


class NetworkRepository:
    def __init__(self, table: Table, *, track: Callable[[Aggregate], Aggregate] = lambda a: a) -> None:
        self.table = table
        self._track = track

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

    def location(self, location_id: str) -> Registered[Location] | None:
        """A location as registered now, tracked; None if it never was."""
        item = self.get(keys.LOCATIONS.key(location_id))
        return self._registered(location_from_item(item), item) if item else None

    def channel(self, channel_id: str) -> Registered[Channel] | None:
        """A channel as registered now, tracked; None if it never was."""
        item = self.get(keys.CHANNELS.key(channel_id))
        return self._registered(channel_from_item(item), item) if item else None

    def _registered(self, value: V, item: Item) -> Registered[V]:
        entry = Registered(value, version=item["version"], stored_version=item["version"])
        self._track(entry)
        return entry


def writes(table: Table, entry: Registered[Location] | Registered[Channel]) -> list[Write]:
    """A location or channel as a PUT replaced it, only on the version that was read; its event."""
    value = entry.value
    kind = "location" if isinstance(value, Location) else "channel"
    item = (
        location_to_item(value, entry.version) if isinstance(value, Location) else channel_to_item(value, entry.version)
    )

    def stale(old: Item | None) -> DomainError:
        current = old["version"] if old else None
        return VersionMismatch(f"{kind} {value.key} changed meanwhile (now version {current})", currentVersion=current)

    pk = (keys.LOCATIONS if kind == "location" else keys.CHANNELS).pk(value.key)
    events = recorded_events(entry, pk=pk, kind=kind, event_prefix=f"{kind}.", **{f"{kind}Id": value.key})
    return aggregate_writes(table, entry, item, events, stale=stale, created=stale)


def channel_to_item(channel: Channel, version: int) -> Item:
    return {
        **keys.CHANNELS.key(channel.channel_id),
        **keys.CHANNELS.listing(channel.channel_id),
        "type": "channel",
        "channelId": channel.channel_id,
        "channelType": channel.type,
        **channel_settings(channel),
        "pollRate": None if channel.poll_rate is None else [str(channel.poll_rate.per_second), channel.poll_rate.burst],
        "version": version,
    }


def channel_settings(channel: Channel) -> Item:
    """A channel's settings, under the same names on its item and in the API's view of it."""
    return {
        **attributes(channel, "name active has_secret has_credentials api_base_url currency auth_url"),
        "locationMap": dict(channel.location_map),
        "listings": dict(channel.listings),
        "pollEverySeconds": channel.poll_every_seconds,
    }


def channel_from_item(item: Item) -> Channel:
    rate = item.get("pollRate")  # [tokens a second as text, burst]
    return Channel(
        **optional(item, "name api_base_url currency auth_url"),
        channel_id=item["channelId"],
        type=item["channelType"],
        active=item.get("active", True),
        has_secret=bool(item.get("hasSecret", False)),
        has_credentials=bool(item.get("hasCredentials", False)),
        location_map=dict(item.get("locationMap") or {}),
        listings=dict(item.get("listings") or {}),
        poll_every_seconds=None if item.get("pollEverySeconds") is None else int(item["pollEverySeconds"]),
        poll_rate=None if rate is None else Rate(Decimal(rate[0]), int(rate[1])),
    )


def location_to_item(loc: Location, version: int) -> Item:
    return {
        **keys.LOCATIONS.key(loc.location_id),
        **keys.LOCATIONS.listing(loc.location_id),
        "type": "location",
        **attributes(loc, "location_id name"),
        "locationType": loc.type.value,
        "geo": {"lat": str(loc.geo.lat), "lon": str(loc.geo.lon)},
        **attributes(loc, "address size_class"),
        "capabilities": sorted(c.value for c in loc.capabilities),
        **attributes(loc, "active daily_capacity"),
        "groups": sorted(loc.groups),
        "priority": loc.priority,
        "partner": {"url": loc.partner.url} if loc.partner else None,
        "version": version,
    }


def location_from_item(item: Item) -> Location:
    return Location(
        **required(item, "location_id name"),
        **optional(item, "size_class daily_capacity"),
        type=LocationType(item["locationType"]),
        geo=Geo(float(item["geo"]["lat"]), float(item["geo"]["lon"])),
        capabilities=frozenset(Capability(c) for c in item.get("capabilities", [])),
        active=item.get("active", True),
        groups=frozenset(item.get("groups", [])),
        priority=item.get("priority", 0),
        address=item.get("address") or {},
        partner=Partner(item["partner"]["url"]) if item.get("partner") else None,
    )
