"""Running a definition: where an event takes an entity, and what has to happen on the way.

The entity keeps its `Position`: the state it is in and `entry`, how many times it has entered a
state so far. Everything set on entering a state (its SLA timer, the timers and tasks the
transition starts) is stamped with that position, so a timer or a task's outcome that arrives after
the entity moved on is recognized as late (`is_current`) even if it came back to the same state.
A transition back into the state it leaves (a self-transition) does not leave it: its timers run on.

`step` is pure: the caller stores the new position, cancels and sets the timers, opens the tasks and
runs the effects (`Accepted.effects`), in one change of the entity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.workflows.actions import EFFECTS, Effect, OpenTask, RequireField, StartTimer, StopTimer
from chalicelib.domain.workflows.definition import SLA_EVENT, Category, Definition, State, Transition
from chalicelib.domain.workflows.guards import holds, resolve


@dataclass(frozen=True, slots=True)
class Position:
    state: str
    entry: int = 0  # states entered so far; 0: the initial state, as the entity started


@dataclass(frozen=True, slots=True)
class Timer:
    """Send `event` to the entity at `due`, if it is still at (`state`, `entry`) by then."""

    name: str
    due: datetime
    event: str
    state: str
    entry: int


@dataclass(frozen=True, slots=True)
class TaskToOpen:
    """A task for `team`; its outcome, sent to the entity as `outcomes[outcome]`, counts only while
    the entity is still at (`state`, `entry`)."""

    team: str
    outcomes: Mapping[str, str]
    due: datetime | None
    state: str
    entry: int
    escalate_to: str | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    event: str
    before: Position
    position: Position
    category: Category
    effects: tuple[Effect, ...] = ()  # to run in this order: stock, sourcing, channel, events
    cancel: tuple[str, ...] = ()  # names of the entity's timers to drop (before setting `timers`)
    timers: tuple[Timer, ...] = ()
    tasks: tuple[TaskToOpen, ...] = ()
    final: bool = False

    @property
    def state(self) -> str:
        return self.position.state

    @property
    def moved(self) -> bool:
        return self.position != self.before


@dataclass(frozen=True, slots=True)
class Refused:
    """`event` is not allowed at `position` (a 409 naming `allowed`), or needs `missing` fields."""

    event: str
    position: Position
    allowed: tuple[str, ...]
    missing: tuple[str, ...] = ()


class Stamped(Protocol):
    @property
    def state(self) -> str: ...
    @property
    def entry(self) -> int: ...


def start(definition: Definition, now: datetime) -> Accepted:
    """A new entity in the definition's initial state, with that state's SLA timer."""
    initial = definition.initial
    position = Position(initial.name, 0)
    return Accepted(
        event="",
        before=position,
        position=position,
        category=initial.category,
        timers=_sla(initial, position, now),
        final=initial.final,
    )


def step(
    definition: Definition, position: Position, event: str, context: Mapping[str, Any], now: datetime
) -> Accepted | Refused:
    """Where `event` takes an entity at `position`: guarded transitions first, in declared order, the
    first whose guard holds over `context` wins; else the unguarded one, if any."""
    transition = _chosen(definition, position.state, event, context)
    if transition is None:
        return Refused(event, position, tuple(allowed_events(definition, position.state, context)))
    missing = tuple(
        a.path for a in transition.actions if isinstance(a, RequireField) and _absent(resolve(a.path, context))
    )
    if missing:
        return Refused(event, position, tuple(allowed_events(definition, position.state, context)), missing)
    to = definition.state(transition.to)
    assert to is not None, "a checked definition knows every state its transitions go to"
    moves = transition.to != position.state
    after = Position(to.name, position.entry + 1) if moves else position
    cancel = [a.name for a in transition.actions if isinstance(a, StopTimer)]
    if moves:
        cancel += running_in(definition, position.state)
    timers = [
        Timer(a.name, now + a.after, a.event, after.state, after.entry)
        for a in transition.actions
        if isinstance(a, StartTimer)
    ]
    if moves:
        timers += _sla(to, after, now)
    tasks = tuple(
        TaskToOpen(a.team, dict(a.outcomes), now + a.sla if a.sla else None, after.state, after.entry, a.escalate_to)
        for a in transition.actions
        if isinstance(a, OpenTask)
    )
    return Accepted(
        event=event,
        before=position,
        position=after,
        category=to.category,
        effects=tuple(a for a in transition.actions if isinstance(a, EFFECTS)),
        cancel=tuple(dict.fromkeys(cancel)),
        timers=tuple(timers),
        tasks=tasks,
        final=to.final,
    )


def allowed_events(definition: Definition, state: str, context: Mapping[str, Any]) -> list[str]:
    """The events that would move an entity in `state` now, in declared order (required fields aside)."""
    events = dict.fromkeys(t.on for t in definition.leaving(state))
    return [event for event in events if _chosen(definition, state, event, context) is not None]


def is_current(stamped: Stamped, position: Position) -> bool:
    """Whether a timer or task set at (state, entry) still speaks for an entity now at `position`."""
    return stamped.state == position.state and stamped.entry == position.entry


def running_in(definition: Definition, state: str) -> list[str]:
    """The names of every timer that may run while an entity is in `state`: its SLA timer, and those
    the transitions into it start. Leaving the state cancels them all."""
    found = state_sla_names(definition, state)
    found += [a.name for t in definition.transitions if t.to == state for a in t.actions if isinstance(a, StartTimer)]
    return list(dict.fromkeys(found))


def state_sla_names(definition: Definition, state: str) -> list[str]:
    s = definition.state(state)
    return [sla_timer_name(state)] if s is not None and s.sla is not None else []


def sla_timer_name(state: str) -> str:
    """The name of a state's SLA timer (a `:` no timer a definition names can have)."""
    return f"sla:{state}"


def _sla(state: State, position: Position, now: datetime) -> tuple[Timer, ...]:
    if state.sla is None:
        return ()
    return (Timer(sla_timer_name(state.name), now + state.sla, SLA_EVENT, position.state, position.entry),)


def _chosen(definition: Definition, state: str, event: str, context: Mapping[str, Any]) -> Transition | None:
    if definition.state(state) is None:
        return None
    candidates = list(definition.leaving(state, event))
    guarded = (t for t in candidates if t.guard is not None and holds(t.guard, context))
    fallback = (t for t in candidates if t.guard is None)
    return next(guarded, None) or next(fallback, None)


def _absent(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, dict)) and not value)
