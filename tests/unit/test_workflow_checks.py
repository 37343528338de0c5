"""A definition is checked as a whole when saved: every reason it is unsound, and what looks wrong."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.workflows import (
    Category,
    Definition,
    Entity,
    OpenTask,
    SourceAgain,
    StartTimer,
    State,
    StopTimer,
    TakeStock,
    Transition,
    check,
)
from chalicelib.domain.workflows.defaults import HOME

C = Category
A, B, END = State("a", C.OPEN, initial=True), State("b", C.IN_PROGRESS), State("end", C.DONE, final=True)


def flow(
    *transitions: Transition, states: tuple[State, ...] = (A, B, END), entity: Entity = Entity.ORDER
) -> Definition:
    return Definition("w", entity, states, transitions)


def on(sources: str, event: str, to: str, *actions, guard=None) -> Transition:
    return Transition(tuple(sources.split()), event, to, guard=guard, actions=actions)


SOUND = (on("a", "go", "b"), on("b", "finish", "end"))


def errors(definition: Definition) -> list[str]:
    return list(check(definition).errors)


def test_a_sound_definition_has_nothing_to_say():
    assert check(flow(*SOUND)).errors == ()
    assert check(flow(*SOUND)).warnings == ()


@pytest.mark.parametrize(
    ("definition", "reason"),
    [
        (flow(*SOUND, states=(A, B, END, B)), "state names must be unique: b more than once"),
        (flow(*SOUND, states=(replace(A, initial=False), B, END)), "needs exactly one initial state; has 0"),
        (flow(*SOUND, states=(A, replace(B, initial=True), END)), "needs exactly one initial state; has 2 (a, b)"),
        (flow(on("a", "go", "b"), on("b", "go", "c")), "transition b --go--> c names unknown state c"),
        (flow(on("a", "go", "b"), on("x", "go", "end")), "transition x --go--> end names unknown state x"),
        (flow(*SOUND, on("end", "again", "a")), "transition end --again--> a leaves final state 'end'"),
        (flow(on("a", "go", "end")), "unreachable from 'a': b"),
        (flow(on("a", "go", "b"), on("a", "finish", "end")), "no way to a final state from b"),
        (flow(*SOUND, on("a", "go", "end")), "2 unguarded transitions on 'go' from 'a'"),
        (flow(*SOUND, states=(A, B, replace(END, final=False))), "has no final state"),
        (flow(*SOUND, states=(replace(A, final=True), B, END)), "state 'a' is both initial and final"),
        (flow(on("a", "go", "b", TakeStock()), on("b", "finish", "end")), "take_stock is not an action for an order"),
        (
            flow(*SOUND, states=(A, replace(B, sla=timedelta(days=1)), END), entity=Entity.TASK),
            "a task's workflow keeps no timers (b): its time is the task's due",
        ),
        (
            flow(
                on("a", "go", "b", SourceAgain(), SourceAgain()),
                on("b", "finish", "end"),
                entity=Entity.FULFILMENT_ORDER,
            ),
            "source_again more than once",
        ),
        (
            flow(*SOUND, states=(A, replace(B, sla=timedelta(days=91)), END), entity=Entity.FULFILMENT_ORDER),
            "state 'b''s sla must be between 1 second and 90 days",
        ),
        (
            flow(
                on("a", "go", "b", StartTimer("t", timedelta(0), "finish")),
                on("b", "finish", "end"),
                entity=Entity.FULFILMENT_ORDER,
            ),
            "timer 't' must be between",
        ),
        (
            flow(on("a", "go", "b", StartTimer("t", timedelta(hours=1), "late")), on("b", "finish", "end")),
            "timer 't' sends 'late', which no transition takes",
        ),
        (
            flow(on("a", "go", "b", OpenTask("desk", {"ok": "approve"})), on("b", "finish", "end")),
            "outcome 'ok' sends 'approve', which no transition takes",
        ),
        (
            flow(on("a", "go", "b", OpenTask("desk", {})), on("b", "finish", "end")),
            "a task for 'desk' needs at least one outcome",
        ),
        (
            flow(on("a", "go", "b", guard={"eval": 1}), on("b", "finish", "end")),
            "transition a --go--> b: guard: unknown operator 'eval'",
        ),
    ],
)
def test_each_reason(definition, reason):
    found = errors(definition)
    assert any(reason in e for e in found), found
    assert all(e.startswith("workflow 'w': ") for e in found)


def test_two_transitions_on_one_event_are_fine_when_all_but_one_are_guarded():
    guarded = flow(*SOUND, on("a", "go", "end", guard={"==": [{"var": "order.vip"}, True]}))
    assert errors(guarded) == []


def test_every_reason_at_once():
    bad = Definition(
        "w",
        Entity.ORDER,
        (A, replace(B, initial=True), END, END, State("lost", C.OPEN)),
        (on("a", "go", "b"), on("a", "go", "nowhere"), on("end", "again", "a"), on("b", "x", "end", guard={"nope": 1})),
    )
    found = errors(bad)
    for reason in (
        "state names must be unique",
        "needs exactly one initial state",
        "names unknown state nowhere",
        "leaves final state 'end'",
        "2 unguarded transitions on 'go' from 'a'",
        "unknown operator 'nope'",
    ):
        assert any(reason in e for e in found), (reason, found)
    assert len(found) == 6


def test_the_graph_is_checked_when_the_initial_state_is_clear():
    bad = flow(on("a", "go", "end"), states=(A, B, END, State("lost", C.OPEN)))
    assert errors(bad) == [
        "workflow 'w': unreachable from 'a': b, lost",
        "workflow 'w': no way to a final state from b, lost",
    ]


@pytest.mark.parametrize(
    ("definition", "warning"),
    [
        (flow(*SOUND, states=(A, B, replace(END, category=C.IN_PROGRESS))), "state 'end' is final but in_progress"),
        (flow(*SOUND, states=(A, replace(B, category=C.CANCELLED), END)), "state 'b' is cancelled but not final"),
        (
            flow(
                on("a", "go", "b", StartTimer("t", timedelta(hours=1), "go")),
                on("b", "finish", "end"),
                entity=Entity.FULFILMENT_ORDER,
            ),
            "timer 't' sends 'go', which 'b' does not take",
        ),
        (
            flow(on("a", "go", "b", OpenTask("desk", {"ok": "go"})), on("b", "finish", "end")),
            "outcome 'ok' sends 'go', which 'b' does not take",
        ),
        (flow(on("a", "go", "b", StopTimer("t")), on("b", "finish", "end")), "stops timer 't', which nothing starts"),
        (
            replace(HOME, transitions=tuple(replace(t, actions=()) if t.on == "ship" else t for t in HOME.transitions)),
            "'shipped' (shipped) is reached by 'ship' without take_stock",
        ),
    ],
)
def test_warnings(definition, warning):
    findings = check(definition)
    assert findings.errors == ()
    assert any(warning in w for w in findings.warnings), findings.warnings
