"""Is a definition sound? Every reason it is not (errors), and what looks like a mistake (warnings).

A definition is checked as a whole and every reason is listed, so that whoever designs a workflow
sees all that is wrong in one go, not one reason per attempt.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from chalicelib.domain.workflows import actions as act
from chalicelib.domain.workflows import guards
from chalicelib.domain.workflows.definition import (
    MAX_DURATION,
    MIN_DURATION,
    TERMINAL,
    Category,
    Definition,
    Entity,
    Transition,
)

_ANY = (act.OpenTask, act.StartTimer, act.StopTimer, act.NotifyChannel, act.RequireField, act.EmitEvent)
# Which actions make sense for which entity: stock moves with fulfilment orders (and back with returns).
ACTIONS_FOR: dict[Entity, tuple[type[act.Action], ...]] = {
    Entity.FULFILMENT_ORDER: (act.TakeStock, act.GiveBackStock, act.SourceAgain, *_ANY),
    Entity.ORDER: _ANY,
    Entity.RETURN: (act.GiveBackStock, *_ANY),
    Entity.TASK: (act.RequireField,),  # a task's transitions only move it: its time is its `due`
}
COMPLETE = "complete"  # the event a task is decided by, with its outcome


@dataclass(frozen=True, slots=True)
class Findings:
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def __add__(self, other: Findings) -> Findings:
        return Findings(self.errors + other.errors, self.warnings + other.warnings)


def check(definition: Definition) -> Findings:
    """Every reason `definition` cannot govern an entity, and every warning, each naming it."""
    errors: list[str] = []
    warnings: list[str] = []
    _states(definition, errors, warnings)
    known = {s.name for s in definition.states}
    for t in definition.transitions:
        _transition(definition, t, known, errors, warnings)
    _unguarded_once(definition, errors)
    if definition.entity is Entity.TASK:
        _no_timers(definition, errors)
    if len([s for s in definition.states if s.initial]) == 1:
        _reachability(definition, errors)
        if definition.entity is Entity.TASK:
            _completes(definition, errors)
        if definition.entity is Entity.FULFILMENT_ORDER:
            _stock_leaves(definition, warnings)
    prefix = f"workflow {definition.id!r}: "
    return Findings(
        tuple(dict.fromkeys(prefix + e for e in errors)), tuple(dict.fromkeys(prefix + w for w in warnings))
    )


def _no_timers(definition: Definition, errors: list[str]) -> None:
    """A task keeps no timers of its own: its time is its `due` (the `open_task` action's `sla`),
    escalated when overdue."""
    timed = [s.name for s in definition.states if s.sla is not None]
    timed += [t.on for t in definition.transitions for a in t.actions if isinstance(a, act.StartTimer)]
    if timed:
        errors.append(f"a task's workflow keeps no timers{_listed(timed)}: its time is the task's due")


def _completes(definition: Definition, errors: list[str]) -> None:
    """A task is decided by `complete`, with its outcome: possible from where it starts, and always
    into a done state (done is what "decided" means to the order waiting on it)."""
    done = {s.name for s in definition.states if s.category is Category.DONE}
    for t in definition.transitions:
        if t.on == COMPLETE and t.to not in done:
            where = f"transition {'|'.join(t.sources)} --{COMPLETE}--> {t.to}"
            errors.append(f"{where}: {COMPLETE} must end in a done state")
    initial = definition.initial.name
    if not any(t.on == COMPLETE and initial in t.sources and t.to in done for t in definition.transitions):
        errors.append(
            f"a task's workflow needs a {COMPLETE!r} transition from {initial!r} to a done state, "
            "so that an outcome can always be recorded"
        )


def _states(definition: Definition, errors: list[str], warnings: list[str]) -> None:
    if not definition.states:
        errors.append("has no states")
    twice = sorted(name for name, n in Counter(s.name for s in definition.states).items() if n > 1)
    if twice:
        errors.append(f"state names must be unique: {', '.join(twice)} more than once")
    initial = [s.name for s in definition.states if s.initial]
    if len(initial) != 1:
        errors.append(f"needs exactly one initial state; has {len(initial)}{_listed(initial)}")
    for s in definition.states:
        if s.initial and s.final:
            errors.append(f"state {s.name!r} is both initial and final: nothing could happen")
        if s.sla is not None:
            _duration(f"state {s.name!r}'s sla", s.sla, errors)
        if s.final and s.category not in TERMINAL:
            warnings.append(f"state {s.name!r} is final but {s.category.value}: nothing would ever finish it")
        if not s.final and s.category in TERMINAL:
            warnings.append(f"state {s.name!r} is {s.category.value} but not final")
    if not any(s.final for s in definition.states):
        errors.append("has no final state")


def _transition(definition: Definition, t: Transition, known: set[str], errors: list[str], warnings: list[str]) -> None:
    where = f"transition {'|'.join(t.sources)} --{t.on}--> {t.to}"
    if not t.sources:
        errors.append(f"{where} leaves from no state")
    unknown = [s for s in (*t.sources, t.to) if s not in known]
    if unknown:
        errors.append(f"{where} names unknown state{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    for name in t.sources:
        s = definition.state(name)
        if s is not None and s.final:
            errors.append(f"{where} leaves final state {name!r}")
    if t.guard is not None:
        errors += [f"{where}: guard: {p}" for p in guards.problems(t.guard)]
    allowed = ACTIONS_FOR[definition.entity]
    events = set(definition.events())
    started = {a.name for tr in definition.transitions for a in tr.actions if isinstance(a, act.StartTimer)}
    to = definition.state(t.to)
    takes = {tr.on for tr in definition.leaving(t.to)} if to is not None else set()
    for a in t.actions:
        if not isinstance(a, allowed):
            errors.append(f"{where}: {a.type} is not an action for {definition.entity.a}")
        if isinstance(a, act.StartTimer):
            _duration(f"{where}: timer {a.name!r}", a.after, errors)
            if a.event not in events:
                errors.append(f"{where}: timer {a.name!r} sends {a.event!r}, which no transition takes")
            elif a.event not in takes:
                warnings.append(f"{where}: timer {a.name!r} sends {a.event!r}, which {t.to!r} does not take")
        elif isinstance(a, act.OpenTask):
            if a.sla is not None:
                _duration(f"{where}: task for {a.team!r}", a.sla, errors)
            if a.escalate_to is not None and a.sla is None:
                errors.append(f"{where}: a task for {a.team!r} escalates to {a.escalate_to!r} but has no sla")
            if a.escalate_to == a.team:
                errors.append(f"{where}: a task for {a.team!r} escalates to its own team")
            if not a.outcomes:
                errors.append(f"{where}: a task for {a.team!r} needs at least one outcome")
            for outcome, event in a.outcomes.items():
                if event not in events:
                    errors.append(f"{where}: outcome {outcome!r} sends {event!r}, which no transition takes")
                elif event not in takes:
                    warnings.append(f"{where}: outcome {outcome!r} sends {event!r}, which {t.to!r} does not take")
        elif isinstance(a, act.StopTimer) and a.name not in started:
            warnings.append(f"{where}: stops timer {a.name!r}, which nothing starts")
    kinds = Counter(a.type for a in t.actions if isinstance(a, (act.TakeStock, act.GiveBackStock, act.SourceAgain)))
    twice = sorted(kind for kind, n in kinds.items() if n > 1)
    if twice:
        errors.append(f"{where}: {', '.join(twice)} more than once")


def _unguarded_once(definition: Definition, errors: list[str]) -> None:
    unguarded = Counter((s, t.on) for t in definition.transitions if t.guard is None for s in dict.fromkeys(t.sources))
    for (state, event), n in unguarded.items():
        if n > 1:
            errors.append(f"{n} unguarded transitions on {event!r} from {state!r}: which one would be taken?")


def _reachability(definition: Definition, errors: list[str]) -> None:
    forward: dict[str, set[str]] = {s.name: set() for s in definition.states}
    backward: dict[str, set[str]] = {s.name: set() for s in definition.states}
    for t in definition.transitions:
        for s in t.sources:
            if s in forward and t.to in forward:
                forward[s].add(t.to)
                backward[t.to].add(s)
    reached = _closure([definition.initial.name], forward)
    unreachable = [s.name for s in definition.states if s.name not in reached]
    if unreachable:
        errors.append(f"unreachable from {definition.initial.name!r}: {', '.join(unreachable)}")
    finishing = _closure([s.name for s in definition.states if s.final], backward)
    stuck = [s.name for s in definition.states if s.name not in finishing]
    if stuck:
        errors.append(f"no way to a final state from {', '.join(stuck)}")


def _stock_leaves(definition: Definition, warnings: list[str]) -> None:
    """A fulfilment order that ships or finishes without take_stock never takes its goods from stock."""
    seen = {(definition.initial.name, False)}
    todo = list(seen)
    while todo:
        state, taken = todo.pop()
        for t in definition.leaving(state):
            to = definition.state(t.to)
            if to is None:
                continue
            now_taken = taken or any(isinstance(a, act.TakeStock) for a in t.actions)
            if to.category in (Category.SHIPPED, Category.DONE) and not now_taken:
                warnings.append(f"{t.to!r} ({to.category.value}) is reached by {t.on!r} without take_stock")
            if (t.to, now_taken) not in seen:
                seen.add((t.to, now_taken))
                todo.append((t.to, now_taken))


def _closure(start: Iterable[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = list(seen)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _duration(what: str, value: timedelta, errors: list[str]) -> None:
    if not MIN_DURATION <= value <= MAX_DURATION:
        errors.append(f"{what} must be between 1 second and {MAX_DURATION.days} days")


def _listed(names: list[str]) -> str:
    return f" ({', '.join(names)})" if names else ""
