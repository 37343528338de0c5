"""Network and stock use cases: locations, channels, stock counts, feeds, and the sourcing summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import keys, secrets
from chalicelib.adapters.dynamo import Table
from chalicelib.adapters.network_repo import (
    NetworkRepository,
    channel_from_item,
    channel_settings,
    location_from_item,
    location_to_item,
)
from chalicelib.adapters.stock_repo import StockRepository, level_view
from chalicelib.domain.access import Principal
from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import AlreadyExists, Forbidden, Invalid, NotFound, VersionMismatch, expect_version
from chalicelib.domain.network import (
    NATIVE_CHANNELS,
    Capability,
    Channel,
    Geo,
    Location,
    LocationType,
    Network,
    Partner,
    Rate,
    Registered,
    V,
)
from chalicelib.domain.stock_level import FeedLine
from chalicelib.observability import count, logger
from chalicelib.service import cache
from chalicelib.service.unit_of_work import Dependencies, Registry, UnitOfWork, attempts

if TYPE_CHECKING:
    from chalicelib.contracts import api

_RETRIES = 3
# What a location's item holds that its view does not, or shows otherwise.
_NOT_SHOWN = frozenset({"PK", "SK", "GSI2PK", "GSI2SK", "type", "locationType", "geo"})


def network(table: Table) -> Network:
    """The whole network, from the cache (0 calls on a warm Lambda) or two GSI2 queries."""

    def load() -> Network:
        repo = NetworkRepository(table)
        return Network(
            locations={i["locationId"]: location_from_item(i) for i in repo.all_of(keys.LOCATIONS.listed_in)},
            channels={i["channelId"]: channel_from_item(i) for i in repo.all_of(keys.CHANNELS.listed_in)},
        )

    return cache.cached("network", load)


def _register(
    deps: Dependencies,
    find: Callable[[Registry], Registered[V] | None],
    what: str,
    value: Callable[[Registered[V] | None], V],
    principal: Principal,
    *,
    if_match: int | None,
) -> tuple[int, Registered[V]]:
    """Create or replace a location or channel in one commit, only on the version If-Match names;
    `value` makes the new one from what is registered now. 201 when created, 200 when replaced."""
    uow = deps.uow()
    entry = find(uow.network)
    _check_if_match(if_match, entry, what)
    new = value(entry)
    created = entry is None
    entry = uow.add(Registered(new)) if entry is None else entry
    entry.replace(new, actor=principal.actor, at=deps.now())
    uow.commit()
    cache.forget("network")
    return (201 if created else 200), entry


# ---- locations ------------------------------------------------------------------------------------


def put_location(
    deps: Dependencies, location_id: str, cmd: api.PutLocation, principal: Principal, *, if_match: int | None
) -> tuple[int, dict[str, Any]]:
    def location(_: Registered[Location] | None) -> Location:
        new = location_from_command(location_id, cmd)  # a partner on another type: 422 before any secret
        if cmd.partner is not None:
            _keep_partner_secret(location_id, cmd.partner)
        return new

    status, entry = _register(
        deps, lambda n: n.location(location_id), f"location {location_id}", location, principal, if_match=if_match
    )
    return status, location_view(entry.value, entry.version)


def _keep_partner_secret(location_id: str, partner: api.PartnerIn) -> None:
    """Store the partner's new signing secret, or make sure one is stored: a dispatch is never sent
    unsigned. As with a channel's, the secret is written first (see put_channel). Removing the
    partner leaves its secret, to be used again should the partner come back."""
    if partner.secret is not None:
        secrets.put_secret(secrets.PARTNER, location_id, partner.secret.get_secret_value())
    elif secrets.secret(secrets.PARTNER, location_id) is None:
        raise Invalid(
            f"the partner of {location_id} has no signing secret yet: give partner.secret",
            errors=[{"loc": ["body", "partner", "secret"], "msg": "required: none is stored yet"}],
        )


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
        partner=Partner(cmd.partner.url) if cmd.partner else None,
    )


def get_location(table: Table, location_id: str) -> dict[str, Any]:
    item = NetworkRepository(table).get(keys.LOCATIONS.key(location_id))
    if item is None:
        raise NotFound(f"no location {location_id!r}")
    return location_view(location_from_item(item), item["version"])


def list_locations(table: Table) -> dict[str, Any]:
    items = NetworkRepository(table).all_of(keys.LOCATIONS.listed_in)
    return {"items": [location_view(location_from_item(i), i["version"]) for i in items], "nextCursor": None}


def location_view(loc: Location, version: int) -> dict[str, Any]:
    """A location as the API shows it: its item without the keys, its kind as `type`, its position in numbers."""
    item = location_to_item(loc, version)
    shown = {name: value for name, value in item.items() if name not in _NOT_SHOWN}
    return {**shown, "type": loc.type.value, "geo": {"lat": loc.geo.lat, "lon": loc.geo.lon}}


# ---- channels -------------------------------------------------------------------------------------


def put_channel(
    deps: Dependencies, channel_id: str, cmd: api.PutChannel, principal: Principal, *, if_match: int | None
) -> tuple[int, dict[str, Any]]:
    def channel(registered: Registered[Channel] | None) -> Channel:
        # The secrets first, then the item. Should the item write fail (a concurrent PUT won: 412),
        # Secrets Manager already holds the values (or absence) this admin asked for, which is harmless:
        # the item holds nothing derived from them, and repeating the PUT makes hasSecret agree.
        before = registered.value if registered else None
        has_secret = _keep_secret(cmd, "secret", secrets.CHANNEL, channel_id, bool(before and before.has_secret))
        has_credentials = _keep_secret(
            cmd, "credentials", secrets.CREDENTIALS, channel_id, bool(before and before.has_credentials)
        )
        return Channel(
            channel_id,
            cmd.type,
            name=cmd.name,
            active=cmd.active,
            has_secret=has_secret,
            has_credentials=has_credentials,
            api_base_url=cmd.api_base_url,
            currency=cmd.currency,
            auth_url=cmd.auth_url,
            location_map=cmd.location_map,
            listings=cmd.listings,
            poll_every_seconds=cmd.poll_every_seconds,
            poll_rate=Rate(Decimal(cmd.poll_rate.per_second), cmd.poll_rate.burst) if cmd.poll_rate else None,
        )

    status, entry = _register(
        deps, lambda n: n.channel(channel_id), f"channel {channel_id}", channel, principal, if_match=if_match
    )
    return status, _channel_view(entry.value, entry.version)


def _keep_secret(cmd: api.PutChannel, field: str, owner: secrets.Owner, channel_id: str, had: bool) -> bool:
    """Store, remove or keep one of the channel's secrets as the PUT says; whether it has one now."""
    if field not in cmd.model_fields_set:
        return had
    value = getattr(cmd, field)
    if value is None:
        secrets.delete_secret(owner, channel_id)
        return False
    raw = value.get_secret_value()
    secrets.put_secret(owner, channel_id, raw if isinstance(raw, str) else json.dumps(raw))
    return True


def list_channels(table: Table) -> dict[str, Any]:
    registered = {
        i["channelId"]: _channel_view(channel_from_item(i), i["version"])
        for i in NetworkRepository(table).all_of(keys.CHANNELS.listed_in)
    }
    native = {c: _channel_view(Channel(c, c), 0) for c in sorted(NATIVE_CHANNELS) if c not in registered}
    return {"items": [*native.values(), *registered.values()], "nextCursor": None}


def _channel_view(channel: Channel, version: int) -> dict[str, Any]:
    return {
        "channelId": channel.channel_id,
        "type": channel.type,
        **channel_settings(channel),
        "native": channel.channel_id in NATIVE_CHANNELS,
        "pollRate": _rate(channel.poll_rate),
        "version": version,
    }


def _rate(rate: Rate | None) -> dict[str, Any] | None:
    return None if rate is None else {"perSecond": str(rate.per_second), "burst": rate.burst}


# ---- stock ----------------------------------------------------------------------------------------


def may_count_stock_at(principal: Principal, location_id: str) -> None:
    if principal.kind in ("store", "dc") and principal.scope != location_id:
        raise Forbidden(f"a {principal.role} token counts stock at {principal.scope} only")


def put_stock(
    deps: Dependencies, location_id: str, sku: str, cmd: api.PutStock, principal: Principal, *, if_match: int | None
) -> tuple[int, dict[str, Any]]:
    may_count_stock_at(principal, location_id)
    deps.network().location(location_id)
    uow = deps.uow()
    level = uow.stock.level(sku, location_id)
    _check_if_match(if_match, level, f"stock of {sku} at {location_id}")
    level.count(cmd.on_hand, cmd.safety_stock, actor=principal.actor, at=deps.now(), reason="count")
    uow.commit()
    return (201 if level.is_new else 200), level_view(level)


def stock_of(table: Table, sku: str) -> dict[str, Any]:
    return {"sku": sku, "items": [level_view(lv) for lv in StockRepository(table).levels(sku)], "nextCursor": None}


def apply_feed(deps: Dependencies, feed: api.StockFeed) -> int:
    """Apply a feed line by line, each once (per feedId and SKU), each in its own transaction; a
    line whose level moved meanwhile (a reservation, another feed) is read again and redone."""
    deps.network().location(feed.location_id)
    applied = 0
    for line in feed.lines:
        if feed.mode == "absolute" and line.quantity < 0:
            raise Invalid(f"absolute count for {line.sku} is negative")

        def apply(uow: UnitOfWork, sku: str = line.sku, quantity: int = line.quantity) -> int:
            return _apply_feed_line(deps, uow, feed, sku, quantity)

        applied += attempts(deps.uow, apply, retry_on=(VersionMismatch,), tries=_RETRIES)
    count("StockFeedLinesApplied", value=applied, mode=feed.mode)
    return applied


def _apply_feed_line(deps: Dependencies, uow: UnitOfWork, feed: api.StockFeed, sku: str, quantity: int) -> int:
    level = uow.stock.level(sku, feed.location_id)
    if feed.mode == "absolute":
        level.count(quantity, actor="feed", at=deps.now(), reason=feed.mode)
    else:
        level.move(quantity, actor="feed", at=deps.now(), reason=feed.mode)
    marker = uow.add(FeedLine.applied(feed.feed_id, sku))
    try:
        uow.commit()
    except AlreadyExists as exc:
        if exc.identity != marker.identity:
            raise
        logger.info("feed line already applied", extra={"feedId": feed.feed_id, "sku": sku})
        return 0
    return 1


def refresh_summaries(table: Table, pairs: set[tuple[str, str]]) -> int:
    repo = StockRepository(table)
    return sum(repo.refresh_summary(sku, location_id) for sku, location_id in sorted(pairs))


def _check_if_match(if_match: int | None, found: Aggregate | None, what: str) -> None:
    stored = None if found is None or found.is_new else found.stored_version
    expect_version(what, stored, if_match)
