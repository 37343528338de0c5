"""The rules sourcing follows, as the domain takes them (the live `sourcing` configuration section,
validated by its contract and converted by the service layer)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    """Which lines a rule is for; empty means all."""

    methods: tuple[str, ...] = ()  # DeliveryMethod values
    channels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rule:
    """One step of the brokering: which locations may serve, in what order, and what if none can."""

    name: str
    location_types: tuple[str, ...]  # LocationType values
    when: Scope = Scope()
    include_groups: tuple[str, ...] = ()  # if set, only locations in one of these groups
    exclude_groups: tuple[str, ...] = ()
    exclude_size_classes: tuple[str, ...] = ()
    max_distance_km: float | None = None
    safety_stock: int = 0  # held back on top of each level's own
    min_stock_at_location: int = 0  # a location must keep this many
    respect_daily_capacity: bool = True
    sort: tuple[str, ...] = ("fewest_shipments", "distance")  # fewest_shipments, distance, priority, stock_balance
    allow_split: bool = True  # may one line come from several locations
    max_shipments: int | None = None  # per destination
    # When units are left after this rule: "next_rule", "backorder", or "hold" them for `hold_team`.
    on_no_match: str = "next_rule"
    hold_team: str | None = None


@dataclass(frozen=True, slots=True)
class SourcingPolicy:
    """An ordered list of rules; the first that can serve a line does."""

    rules: tuple[Rule, ...]
    # Click & collect from the chosen store's own shelf when it has the stock; otherwise (or when
    # off) the click_and_collect rules choose where a transfer to that store comes from.
    collect_from_store_stock: bool = True
