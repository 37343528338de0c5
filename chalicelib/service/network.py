"""Network and stock use cases: locations, channels, stock counts, feeds, and the sourcing summary."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import keys, secrets
from chalicelib.adapters.dynamo import Item, Table, put
from chalicelib.adapters.network_repo import NetworkRepository, location_from_item, location_to_item, location_view
from chalicelib.adapters.stock_repo import StockRepository, level_view
from chalicelib.clock import now
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Conflict, Forbidden, Invalid, NotFound, VersionMismatch
from chalicelib.domain.events import Event
from chalicelib.domain.network import NATIVE_CHANNELS, Capability, Geo, Location, LocationType
from chalicelib.domain.stock import StockLevel
from chalicelib.observability import count, logger
from chalicelib.service import cache

if TYPE_CHECKING:
    from chalicelib.contracts import api

FEED_MARKER_DAYS = 7
_RETRIES = 3


@dataclass(frozen=True)
class Network:
    locations: dict[str, Location]
    channels: dict[str, Item]

    def location(self, location_id: str) -> Location:
        found = self.locations.get(location_id)
        if found is None:
            raise Invalid(f"unknown location {location_id!r}", errors=[{"loc": ["locationId"], "msg": "unknown"}])
        return found

    def channel_active(self, channel_id: str) -> bool:
        item = self.channels.get(channel_id)
        if item is not None:
            return bool(item.get("active", True))
        return channel_id in NATIVE_CHANNELS


def network(table: Table) -> Network:
    """The whole network, from the cache (0 calls on a warm Lambda) or two GSI2 queries."""

    def load() -> Network:
        repo = NetworkRepository(table)
        return Network(
            locations={i["locationId"]: location_from_item(i) for i in repo.all_of(keys.LOCATIONS)},
            channels={i["channelId"]: i for i in repo.all_of(keys.CHANNELS)},
        )

    return cache.cached("network", load)


# ---- locations ------------------------------------------------------------------------------------


def put_location(
    table: Table, location_id: str, cmd: api.PutLocation, *, if_match: int | None
) -> tuple[int, dict[str, Any]]:
    repo = NetworkRepository(table)
    old = repo.get(keys.location_key(location_id))
    stored = old["version"] if old else None
    _check_if_match(if_match, stored, f"location {location_id}")
    item = location_to_item(location_from_command(location_id, cmd), (stored or 0) + 1)
    table.transact([repo.put_versioned(item, stored_version=stored, what=f"location {location_id}")])
    cache.forget("network")
    return (200 if old else 201), location_view(item)


def location_from_command(location_id: str, cmd: api.PutLocation) -> Location:
    return Location(
        location_id=location_id,
        name=cmd.name,
        type=LocationType(cmd.type),
        geo=Geo(cmd.geo.lat, cmd.geo.lon),
        capabilities=frozenset(Capability(c) for c in cmd.capabilities),
        active=cmd.active,
        size_class=cmd.size_class,
        daily_capacity=cmd.daily_capacity,
        groups=frozenset(cmd.groups),
        priority=cmd.priority,
        address=cmd.address.model_dump(exclude_none=True) if cmd.address else {},
    )


def get_location(table: Table, location_id: str) -> dict[str, Any]:
    item = NetworkRepository(table).get(keys.location_key(location_id))
    if item is None:
        raise NotFound(f"no location {location_id!r}")
    return location_view(item)


def list_locations(table: Table) -> dict[str, Any]:
    items = NetworkRepository(table).all_of(keys.LOCATIONS)
    return {"items": [location_view(i) for i in items], "nextCursor": None}


# ---- channels -------------------------------------------------------------------------------------


def put_channel(
    table: Table, channel_id: str, cmd: api.PutChannel, *, if_match: int | None
) -> tuple[int, dict[str, Any]]:
    repo = NetworkRepository(table)
    old = repo.get(keys.channel_key(channel_id))
    stored = old["version"] if old else None
    _check_if_match(if_match, stored, f"channel {channel_id}")
    has_secret = bool(old.get("hasSecret", False)) if old else False
    if "secret" in cmd.model_fields_set:
        # The secret first, then the item. Should the item write fail (a concurrent PUT won: 412),
        # the secret already holds the value (or absence) this admin asked for, which is harmless:
        # the item holds nothing derived from the value, and repeating the PUT makes hasSecret agree.
        if cmd.secret is None:
            secrets.delete_channel_secret(channel_id)
        else:
            secrets.put_channel_secret(channel_id, cmd.secret.get_secret_value())
        has_secret = cmd.secret is not None
    item = {
        **keys.channel_key(channel_id),
        **keys.channel_list_index(channel_id),
        "type": "channel",
        "channelId": channel_id,
        "channelType": cmd.type,
        "name": cmd.name,
        "active": cmd.active,
        "hasSecret": has_secret,  # the value itself lives in Secrets Manager only
        "version": (stored or 0) + 1,
    }
    table.transact([repo.put_versioned(item, stored_version=stored, what=f"channel {channel_id}")])
    cache.forget("network")
    return (200 if old else 201), _channel_view(item)


def list_channels(table: Table) -> dict[str, Any]:
    registered = {i["channelId"]: _channel_view(i) for i in NetworkRepository(table).all_of(keys.CHANNELS)}
    native = {
        c: {"channelId": c, "type": c, "name": None, "active": True, "native": True, "hasSecret": False, "version": 0}
        for c in sorted(NATIVE_CHANNELS)
        if c not in registered
    }
    return {"items": [*native.values(), *registered.values()], "nextCursor": None}


def _channel_view(item: Item) -> dict[str, Any]:
    return {
        "channelId": item["channelId"],
        "type": item["channelType"],
        "name": item.get("name"),
        "active": item.get("active", True),
        "native": item["channelId"] in NATIVE_CHANNELS,
        "hasSecret": bool(item.get("hasSecret", False)),
        "version": item["version"],
    }


# ---- stock ----------------------------------------------------------------------------------------


def may_count_stock_at(principal: Principal, location_id: str) -> None:
    if principal.kind in ("store", "dc") and principal.scope != location_id:
        raise Forbidden(f"a {principal.role} token counts stock at {principal.scope} only")


def put_stock(
    table: Table, location_id: str, sku: str, cmd: api.PutStock, principal: Principal, *, if_match: int | None
) -> tuple[int, dict[str, Any]]:
    may_count_stock_at(principal, location_id)
    network(table).location(location_id)
    repo = StockRepository(table)
    level = repo.level(sku, location_id)
    stored = level.version if level else None
    _check_if_match(if_match, stored, f"stock of {sku} at {location_id}")
    level = level or StockLevel(location_id, sku)
    level.count(cmd.on_hand, cmd.safety_stock)
    table.transact(repo.save(level, stored_version=stored, event=_changed(level, principal.actor, "count")))
    return (200 if stored is not None else 201), level_view(level)


def stock_of(table: Table, sku: str) -> dict[str, Any]:
    return {"sku": sku, "items": [level_view(lv) for lv in StockRepository(table).levels(sku)], "nextCursor": None}


class _AlreadyApplied(Conflict):
    pass


def apply_feed(table: Table, feed: api.StockFeed) -> int:
    """Apply a feed line by line, each once (per feedId and SKU), each in its own transaction."""
    network(table).location(feed.location_id)
    applied = 0
    for line in feed.lines:
        if feed.mode == "absolute" and line.quantity < 0:
            raise Invalid(f"absolute count for {line.sku} is negative")
        for attempt in range(_RETRIES):
            try:
                applied += _apply_feed_line(table, feed, line.sku, line.quantity)
                break
            except VersionMismatch:
                # A reservation or another feed moved the level meanwhile: read again and redo.
                if attempt == _RETRIES - 1:
                    raise
    count("StockFeedLinesApplied", value=applied, mode=feed.mode)
    return applied


def _apply_feed_line(table: Table, feed: api.StockFeed, sku: str, quantity: int) -> int:
    repo = StockRepository(table)
    level = repo.level(sku, feed.location_id)
    stored = level.version if level else None
    level = level or StockLevel(feed.location_id, sku)
    if feed.mode == "absolute":
        level.count(quantity)
    else:
        level.move(quantity)
    marker = put(
        table.name,
        {
            "PK": f"FEED#{feed.feed_id}",
            "SK": f"SKU#{sku}",
            "type": "feed-line",
            "expiresAt": _epoch_in_days(FEED_MARKER_DAYS),
        },
        condition="attribute_not_exists(PK)",
        on_condition_failed=lambda _old: _AlreadyApplied(f"feed {feed.feed_id} already applied to {sku}"),
    )
    try:
        table.transact([marker, *repo.save(level, stored_version=stored, event=_changed(level, "feed", feed.mode))])
    except _AlreadyApplied:
        logger.info("feed line already applied", extra={"feedId": feed.feed_id, "sku": sku})
        return 0
    return 1


def refresh_summaries(table: Table, pairs: set[tuple[str, str]]) -> int:
    repo = StockRepository(table)
    return sum(repo.refresh_summary(sku, location_id) for sku, location_id in sorted(pairs))


def _changed(level: StockLevel, actor: str, reason: str) -> Event:
    return Event(
        "InventoryChanged",
        actor,
        now(),
        {
            "onHand": level.on_hand,
            "reserved": level.reserved,
            "safetyStock": level.safety_stock,
            "available": level.available,
            "reason": reason,
        },
    )


def _check_if_match(if_match: int | None, stored: int | None, what: str) -> None:
    if if_match is not None and if_match != stored:
        raise VersionMismatch(f"{what} is at version {stored}, not {if_match}", currentVersion=stored)


def _epoch_in_days(days: int) -> int:
    return int(time.time()) + days * 86400
