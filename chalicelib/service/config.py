"""Live configuration: sections the business changes at run time, validated, versioned and audited.

Other code reads a section with `active(table, "clickAndCollect")` (or `active_version` when it
must record which version it applied): the model instance, from the in-process cache. A write
here forgets the cache entry, so this process sees it at once; other Lambdas within
OMS_CACHE_SECONDS. A section never saved is its built-in default (version 0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, overload

from chalicelib.adapters.config_repo import ConfigRepository, version_from_item
from chalicelib.adapters.dynamo import Item, Table
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Conflict, Invalid, NotFound, expect_version
from chalicelib.domain.live_config import ActiveConfig, ConfigVersion, Raced
from chalicelib.domain.sourcing.policy import Rule, Scope, SourcingPolicy
from chalicelib.observability import count
from chalicelib.service import cache
from chalicelib.service.unit_of_work import Dependencies, UnitOfWork, attempts

if TYPE_CHECKING:
    from chalicelib.contracts.config import (
        ClickAndCollectConfig,
        ReturnsConfig,
        Section,
        SourcingConfig,
        StockOutConfig,
    )

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
def active(table: Table, section: Literal["returns"]) -> ReturnsConfig: ...
@overload
def active(table: Table, section: Literal["stockOut"]) -> StockOutConfig: ...
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
    pointer = repo.active(section)
    active_now = int(pointer["version"]) if pointer else 0
    items, next_cursor = repo.history(section, limit=limit, cursor=cursor)
    return {
        "section": section,
        "activeVersion": active_now,
        "items": [_view(version_from_item(i), active_version=active_now) for i in items],
        "nextCursor": next_cursor,
    }


# ---- writing ------------------------------------------------------------------------------------


def save(
    deps: Dependencies, section: str, raw_body: Any, principal: Principal, *, draft: bool, if_match: int | None
) -> dict[str, Any]:
    """Validate and store a new version; unless a draft, make it active in the same transaction."""
    checked = section_model(section).model_validate(raw_body)  # ValidationError: 422 naming the field
    body, warned = _body(checked), {"warnings": list(checked.warnings())}

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        active = _active(uow, section)
        _check_if_match(if_match, active)
        if not draft and active.current is not None and active.body == body:
            return {**_view(active.current, active_version=active.number), **warned}  # idempotent: no new version
        number = uow.config.latest_version(section) + 1
        version = uow.add(active.new_version(number, body, draft=draft, actor=principal.actor, at=deps.now()))
        if not draft:
            active.activate(version, actor=principal.actor, at=version.saved_at, reason="saved")
        uow.commit()
        cache.forget(cache_key(section))
        count("ConfigSaved", section=section, draft=str(draft).lower())
        return {**_view(version, active_version=active.number), **warned}

    return _retried(deps, attempt, section)


def activate(
    deps: Dependencies, section: str, number: int, principal: Principal, *, if_match: int | None
) -> dict[str, Any]:
    """Make a saved version active: a draft, or an older version (a rollback)."""
    model = section_model(section)

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        active = _active(uow, section)
        _check_if_match(if_match, active)
        target = uow.config.saved(section, number)
        if target is None:
            raise Invalid(
                f"{section} has no version {number}", errors=[{"loc": ["body", "version"], "msg": "no such version"}]
            )
        if active.number != number:
            _still_valid(model, target)
            active.activate(target, actor=principal.actor, at=deps.now(), reason="activated")
            uow.commit()
            cache.forget(cache_key(section))
            count("ConfigActivated", section=section)
        return _view(target, active_version=number)

    return _retried(deps, attempt, section)


def _active(uow: UnitOfWork, section: str) -> ActiveConfig:
    from chalicelib.contracts.config import DEFAULTS

    return uow.config.active_section(section, default_body=_body(DEFAULTS[section]))


def _retried(deps: Dependencies, attempt: Callable[[UnitOfWork], dict[str, Any]], section: str) -> dict[str, Any]:
    """A save or activation that lost a race is read again (a stale If-Match then answers 412)."""
    try:
        return attempts(deps.uow, attempt, retry_on=(Raced,), tries=_RETRIES)
    except Raced:
        raise Conflict(f"{section} is being changed by someone else right now; read it again and retry") from None


# ---- helpers ------------------------------------------------------------------------------------


def _check_if_match(if_match: int | None, active: ActiveConfig) -> None:
    expect_version(active.section, active.number, if_match)


def _still_valid(model: type[Section], version: ConfigVersion) -> None:
    """An old version is checked against today's shape before it governs requests again."""
    from pydantic import ValidationError

    try:
        model.model_validate(version.body)
    except ValidationError as exc:
        raise Invalid(
            f"version {version.number} of {version.section} no longer fits the section's shape; "
            "save a corrected version",
            errors=[{"loc": ["stored", *e["loc"]], "msg": e["msg"]} for e in exc.errors(include_input=False)],
        ) from None


def _body(section: Section) -> dict[str, Any]:
    return section.model_dump(mode="json", by_alias=True)


def _view(version: ConfigVersion, *, active_version: int) -> dict[str, Any]:
    return {
        "section": version.section,
        "version": version.number,
        "active": version.number == active_version,
        "draft": version.draft,
        "body": version.body,
        "savedAt": version.saved_at,
        "savedBy": version.saved_by,
        "basedOn": version.based_on,
        "changes": version.changes,
    }


def _active_view(section: str, item: Item | None) -> dict[str, Any]:
    if item is None:
        from chalicelib.contracts.config import DEFAULTS

        return {
            "section": section,
            "version": 0,
            "active": True,
            "draft": False,
            "body": _body(DEFAULTS[section]),
            "savedAt": None,
            "savedBy": None,
            "basedOn": None,
            "changes": [],
        }
    return _view(version_from_item(item), active_version=item["version"])
