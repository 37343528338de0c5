"""A workflow definition as data: the states an entity goes through and the events that move it.

A state's `category` is what the rest of the OMS follows (stock, money, the order's status), so a
business may add its own states, a quality check, a manager's approval, without code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain.workflows.actions import Action

# A guard: a small JSON expression (see guards.py), kept as the JSON it came as.
Guard = Any

MAX_DURATION = timedelta(days=90)
MIN_DURATION = timedelta(seconds=1)
SLA_EVENT = "sla_breached"  # what a state's SLA timer sends when it fires


class Entity(StrEnum):
    ORDER = "order"
    FULFILMENT_ORDER = "fulfilmentOrder"
    RETURN = "return"
    TASK = "task"

    @property
    def a(self) -> str:
        """The entity with its article, for a sentence: "an order", "a task"."""
        return f"{'an' if self.value[0] in 'aeiou' else 'a'} {self.value}"


class Category(StrEnum):
    """What a state means to the rest of the OMS, in the order an entity usually goes through them.

    For a fulfilment order's lines: open and in_progress show `allocated`, picked `picked`, shipped
    `shipped`, ready `ready_for_pickup`, done `delivered` (home) or `collected`; rejected sends the
    units back to sourcing, cancelled gives them up. `picked` is its own category because the
    line shows it and it still may be cancelled: goods picked have not left the building.
    """

    OPEN = "open"  # waiting for someone to start
    IN_PROGRESS = "in_progress"  # being worked on (accepted, a quality check, an approval)
    PICKED = "picked"  # gathered (and perhaps packed) at the source, not left yet
    SHIPPED = "shipped"  # left the source, on its way
    READY = "ready"  # waiting at the destination for the customer
    DONE = "done"  # finished: in the customer's hands, refunded, decided
    REJECTED = "rejected"  # refused by whoever had to do it: the work goes elsewhere
    CANCELLED = "cancelled"


# Categories only a final state should have, and those a final state should not.
TERMINAL = frozenset({Category.DONE, Category.REJECTED, Category.CANCELLED})
# Until its goods leave the source, a fulfilment order's lines may still be cancelled and its stock released.
BEFORE_SHIPPING = frozenset({Category.OPEN, Category.IN_PROGRESS, Category.PICKED})
# Ended with its work not done: a fulfilment order's units are served elsewhere or not at all, the units a
# return still expected back are released on the ledger.
GIVEN_UP = frozenset({Category.REJECTED, Category.CANCELLED})


@dataclass(frozen=True, slots=True)
class State:
    name: str
    category: Category
    initial: bool = False
    final: bool = False
    sla: timedelta | None = None  # how long the entity may stay; then its SLA timer sends SLA_EVENT


@dataclass(frozen=True, slots=True)
class Transition:
    """In any of `sources`, `on` moves the entity `to` (when `guard` holds), doing `actions`."""

    sources: tuple[str, ...]
    on: str
    to: str
    guard: Guard | None = None
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True, slots=True)
class Definition:
    id: str
    entity: Entity
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    _by_name: dict[str, State] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {s.name: s for s in self.states})

    def state(self, name: str) -> State | None:
        return self._by_name.get(name)

    @property
    def initial(self) -> State:
        """The initial state (a checked definition has exactly one)."""
        return next(s for s in self.states if s.initial)

    def events(self) -> list[str]:
        """Every event some transition takes, in the order they first appear."""
        return list(dict.fromkeys(t.on for t in self.transitions))

    def leaving(self, state: str, event: str | None = None) -> Iterator[Transition]:
        """The transitions out of `state` (on `event`, if given), in declared order."""
        return (t for t in self.transitions if state in t.sources and (event is None or t.on == event))


_DURATION = re.compile(r"^P(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,7})M)?(?:(\d{1,9})S)?)?$")


def parse_duration(raw: int | str) -> timedelta:
    """Seconds, or an ISO-8601 duration in weeks, days, hours, minutes and seconds ("PT4H", "P2DT12H").

    Years and months have no fixed length, so they are refused; so is anything that is not one of
    these. Whether the duration is within bounds is the definition's check (`checks.py`).
    """
    if isinstance(raw, bool):
        raise ValueError("a duration is seconds or an ISO-8601 duration such as PT4H")
    if isinstance(raw, int):
        return timedelta(seconds=raw)
    found = _DURATION.match(raw)
    if found is None or raw in ("P", "PT") or raw.endswith("T"):
        raise ValueError(f"{raw!r} is not a duration: use seconds or ISO-8601 weeks to seconds, e.g. PT4H or P2D")
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
