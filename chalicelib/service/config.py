"""Live configuration: sections the business changes at run time, validated, versioned and audited.

Other code reads a section with `active(table, "clickAndCollect")` (or `active_version` when it
must record which version it applied): the model instance, from the in-process cache. A write
here forgets the cache entry, so this process sees it at once; other Lambdas within
OMS_CACHE_SECONDS. A section never saved is its built-in default (version 0).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal, cast, overload

from chalicelib.adapters import keys
from chalicelib.adapters.config_repo import ConfigRepository, Raced
from chalicelib.adapters.dynamo import Item, Table, Write
from chalicelib.clock import now
from chalicelib.domain.access import Principal
from chalicelib.domain.config_changes import Change, diff, paths
from chalicelib.domain.errors import Conflict, Invalid, NotFound, VersionMismatch
from chalicelib.domain.events import Event
from chalicelib.domain.sourcing.policy import Rule, Scope, SourcingPolicy
from chalicelib.observability import count
from chalicelib.service import cache

if TYPE_CHECKING:
    from chalicelib.contracts.config import ClickAndCollectConfig, Section, SourcingConfig

_RETRIES = 3
MAX_PAGE = 100


def section_model(section: str) -> type[Section]:
    from chalicelib.contracts.config import SECTIONS

    model = SECTIONS.get(section)
    if model is None:
        raise NotFound(f"no configuration section {section!r}; there are {', '.join(sorted(SECTIONS))}")
    return model


# ---- reading, for every request ---------------------------------------------------------------


@overload
def active(table: Table, section: Literal["sourcing"]) -> SourcingConfig: ...
@overload
def active(table: Table, section: Literal["clickAndCollect"]) -> ClickAndCollectConfig: ...
@overload
def active(table: Table, section: str) -> Section: ...
def active(table: Table, section: str) -> Section:
    """The section that governs requests now (0 DynamoDB calls on a warm Lambda). Do not mutate it."""
    return active_version(table, section)[1]


def sourcing_policy(section: SourcingConfig) -> SourcingPolicy:
    """The `sourcing` section as the domain takes it (the engine knows nothing of the contract)."""
    return SourcingPolicy(
        rules=tuple(
            Rule(
                name=r.name,
                location_types=tuple(r.location_types),
                when=Scope(methods=tuple(r.when.methods), channels=tuple(r.when.channels)),
                include_groups=tuple(r.include_groups),
                exclude_groups=tuple(r.exclude_groups),
                exclude_size_classes=tuple(r.exclude_size_classes),
                max_distance_km=r.max_distance_km,
                safety_stock=r.safety_stock,
                min_stock_at_location=r.min_stock_at_location,
                respect_daily_capacity=r.respect_daily_capacity,
                sort=tuple(r.sort),
                allow_split=r.allow_split,
                max_shipments=r.max_shipments,
                on_no_match=r.on_no_match,
                hold_team=r.hold_team,
            )
            for r in section.rules
        ),
        collect_from_store_stock=section.collect_from_store_stock,
    )


def active_version(table: Table, section: str) -> tuple[int, Section]:
    """(version, section): version 0 is the built-in default."""
    model = section_model(section)

    def load() -> tuple[int, Section]:
        from chalicelib.contracts.config import DEFAULTS

        item = ConfigRepository(table).active(section)
        if item is None:
            return 0, DEFAULTS[section]
        return int(item["version"]), model.model_validate_json(item["bodyJson"])

    return cache.cached(cache_key(section), load)


def cache_key(section: str) -> str:
    return f"config:{section}"


# ---- reading, for people ------------------------------------------------------------------------


def get_all(table: Table) -> dict[str, Any]:
    from chalicelib.contracts.config import SECTIONS

    repo = ConfigRepository(table)
    return {"sections": {s: _active_view(s, repo.active(s)) for s in SECTIONS}}


def get_section(table: Table, section: str) -> dict[str, Any]:
    section_model(section)
    return _active_view(section, ConfigRepository(table).active(section))


def history(table: Table, section: str, *, limit: int, cursor: str | None) -> dict[str, Any]:
    section_model(section)
    repo = ConfigRepository(table)
    active_now = _version_of(repo.active(section))
    items, next_cursor = repo.history(section, limit=limit, cursor=cursor)
    return {
        "section": section,
        "activeVersion": active_now,
        "items": [_view(i, active_version=active_now) for i in items],
        "nextCursor": next_cursor,
    }


# ---- writing ------------------------------------------------------------------------------------


def save(
    table: Table, section: str, raw_body: Any, principal: Principal, *, draft: bool, if_match: int | None
) -> dict[str, Any]:
    """Validate and store a new version; unless a draft, make it active in the same transaction."""
    body = _body(section_model(section).model_validate(raw_body))  # ValidationError: 422 naming the field
    repo = ConfigRepository(table)
    for _ in range(_RETRIES):
        current = repo.active(section)
        _check_if_match(if_match, current, section)
        if not draft and current is not None and json.loads(current["bodyJson"]) == body:
            return _view(current, active_version=current["version"])  # PUT is idempotent: no empty version
        at = now()
        version = repo.latest_version(section) + 1
        item: Item = {
            **keys.config_version_key(section, version),
            "type": "config-version",
            "section": section,
            "version": version,
            "draft": draft,
            "bodyJson": _json(body),
            "savedAt": at,
            "savedBy": principal.actor,
            "basedOn": _version_of(current),
            "changesJson": _json(diff(_body_of(section, current), body)),
        }
        writes = [repo.new_version(item)]
        if not draft:
            writes += _activation(repo, item, current, principal.actor, at, reason="saved")
        try:
            table.transact(writes)
        except Raced:
            continue  # read again; a stale If-Match then answers 412
        cache.forget(cache_key(section))
        count("ConfigSaved", section=section, draft=str(draft).lower())
        return _view(item, active_version=item["version"] if not draft else _version_of(current))
    raise Conflict(f"{section} is being changed by someone else right now; read it again and retry")


def activate(table: Table, section: str, version: int, principal: Principal, *, if_match: int | None) -> dict[str, Any]:
    """Make a saved version active: a draft, or an older version (a rollback)."""
    model = section_model(section)
    repo = ConfigRepository(table)
    for _ in range(_RETRIES):
        current = repo.active(section)
        _check_if_match(if_match, current, section)
        target = repo.version(section, version)
        if target is None:
            raise Invalid(
                f"{section} has no version {version}", errors=[{"loc": ["body", "version"], "msg": "no such version"}]
            )
        if current is not None and current["version"] == version:
            return _view(current, active_version=version)
        _still_valid(model, target, section)
        try:
            table.transact(_activation(repo, target, current, principal.actor, now(), reason="activated"))
        except Raced:
            continue
        cache.forget(cache_key(section))
        count("ConfigActivated", section=section)
        return _view(target, active_version=version)
    raise Conflict(f"{section} is being changed by someone else right now; read it again and retry")


def _activation(
    repo: ConfigRepository, version_item: Item, current: Item | None, actor: str, at: str, *, reason: str
) -> list[Write]:
    section = version_item["section"]
    activation = (current["activations"] if current else 0) + 1
    pointer = {
        **version_item,
        **keys.config_active_key(section),
        "type": "config-active",
        "activations": activation,
        "activatedAt": at,
        "activatedBy": actor,
    }
    changed = diff(_body_of(section, current), json.loads(version_item["bodyJson"]))
    event = Event(
        "ConfigChanged",
        actor,
        at,
        {"previousVersion": _version_of(current), "activation": activation, "reason": reason, "paths": paths(changed)},
    )
    return [
        repo.move_active(pointer, expected=current),
        repo.changed_event(section, activation, version_item["version"], event),
    ]


# ---- helpers ------------------------------------------------------------------------------------


def _check_if_match(if_match: int | None, current: Item | None, section: str) -> None:
    stored = _version_of(current)
    if if_match is not None and if_match != stored:
        raise VersionMismatch(f"{section} is at version {stored}, not {if_match}", currentVersion=stored)


def _still_valid(model: type[Section], item: Item, section: str) -> None:
    """An old version is checked against today's shape before it governs requests again."""
    from pydantic import ValidationError

    try:
        model.model_validate_json(item["bodyJson"])
    except ValidationError as exc:
        raise Invalid(
            f"version {item['version']} of {section} no longer fits the section's shape; save a corrected version",
            errors=[{"loc": ["stored", *e["loc"]], "msg": e["msg"]} for e in exc.errors(include_input=False)],
        ) from None


def _body(section: Section) -> dict[str, Any]:
    return section.model_dump(mode="json", by_alias=True)


def _body_of(section: str, item: Item | None) -> dict[str, Any]:
    if item is None:
        from chalicelib.contracts.config import DEFAULTS

        return _body(DEFAULTS[section])
    return cast("dict[str, Any]", json.loads(item["bodyJson"]))


def _version_of(item: Item | None) -> int:
    return int(item["version"]) if item else 0


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


def _view(item: Item, *, active_version: int) -> dict[str, Any]:
    changes: list[Change] = json.loads(item.get("changesJson") or "[]")
    return {
        "section": item["section"],
        "version": item["version"],
        "active": item["version"] == active_version,
        "draft": bool(item.get("draft", False)),
        "body": json.loads(item["bodyJson"]),
        "savedAt": item.get("savedAt"),
        "savedBy": item.get("savedBy"),
        "basedOn": item.get("basedOn"),
        "changes": changes,
    }


def _active_view(section: str, item: Item | None) -> dict[str, Any]:
    if item is None:
        return {
            "section": section,
            "version": 0,
            "active": True,
            "draft": False,
            "body": _body_of(section, None),
            "savedAt": None,
            "savedBy": None,
            "basedOn": None,
            "changes": [],
        }
    return _view(item, active_version=item["version"])
