"""`step` on its own: guards, required fields, timers and tasks stamped with the state they belong to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chalicelib.domain.workflows import (
    SLA_EVENT,
    Accepted,
    Category,
    Definition,
    EmitEvent,
    Entity,
    NotifyChannel,
    OpenTask,
    Position,
    Refused,
    RequireField,
    StartTimer,
    State,
    StopTimer,
    TakeStock,
    Transition,
    allowed_events,
    check,
    is_current,
    start,
    step,
)

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)
BIG = {">=": [{"var": "order.total"}, 500]}
QC = Definition(
    "qc",
    Entity.FULFILMENT_ORDER,
    (
        State("released", Category.OPEN, initial=True, sla=timedelta(hours=4)),
        State("picked", Category.PICKED),
        State("quality_check", Category.IN_PROGRESS, sla=timedelta(hours=1)),
        State("shipped", Category.SHIPPED),
        State("delivered", Category.DONE, final=True),
    ),
    (
        Transition(("released",), "pick", "picked"),
        Transition(
            ("picked",),
            "ship",
            "quality_check",
            guard=BIG,
            actions=(
                OpenTask("qc-team", {"pass": "approve", "fail": "pick"}, sla=timedelta(minutes=30)),
                StartTimer("nudge", timedelta(minutes=20), "nudge"),
                NotifyChannel("held_for_quality"),
            ),
        ),
        Transition(("picked",), "ship", "shipped", actions=(RequireField("event.tracking"), TakeStock())),
        Transition(("quality_check",), "nudge", "quality_check", actions=(EmitEvent("QualityCheckLate"),)),
        Transition(("quality_check",), "approve", "shipped", actions=(StopTimer("nudge"), TakeStock())),
        Transition(("quality_check",), "pick", "picked"),
        Transition(("shipped",), "deliver", "delivered"),
    ),
)


def test_the_example_is_sound():
    assert check(QC).errors == ()


def test_start_enters_the_initial_state_with_its_sla_timer():
    began = start(QC, NOW)
    assert began.position == Position("released", 0) and began.category is Category.OPEN
    assert [(t.name, t.due, t.event, t.state, t.entry) for t in began.timers] == [
        ("sla:released", NOW + timedelta(hours=4), SLA_EVENT, "released", 0)
    ]


def test_leaving_a_state_cancels_its_timers_and_counts_the_entry():
    picked = step(QC, Position("released", 0), "pick", {}, NOW)
    assert isinstance(picked, Accepted)
    assert picked.position == Position("picked", 1) and picked.category is Category.PICKED and picked.moved
    assert picked.cancel == ("sla:released",) and picked.timers == () and picked.effects == ()


def test_the_first_guard_that_holds_wins_and_the_unguarded_one_is_the_fallback():
    big = step(QC, Position("picked", 1), "ship", {"order": {"total": Decimal("500.00")}}, NOW)
    assert isinstance(big, Accepted) and big.state == "quality_check"
    assert big.effects == (NotifyChannel("held_for_quality"),)  # timers and tasks are resolved, not effects
    assert [(t.name, t.due, t.event, t.state, t.entry) for t in big.timers] == [
        ("nudge", NOW + timedelta(minutes=20), "nudge", "quality_check", 2),
        ("sla:quality_check", NOW + timedelta(hours=1), SLA_EVENT, "quality_check", 2),
    ]
    (task,) = big.tasks
    assert (task.team, dict(task.outcomes), task.due, task.state, task.entry) == (
        "qc-team",
        {"pass": "approve", "fail": "pick"},
        NOW + timedelta(minutes=30),
        "quality_check",
        2,
    )
    small = step(
        QC, Position("picked", 1), "ship", {"order": {"total": Decimal("499.99")}, "event": {"tracking": "x"}}, NOW
    )
    assert isinstance(small, Accepted) and small.state == "shipped" and small.effects == (TakeStock(),)


def test_a_required_field_missing_refuses_the_event_saying_so():
    refused = step(QC, Position("picked", 1), "ship", {"event": {"tracking": ""}}, NOW)
    assert isinstance(refused, Refused)
    assert refused.missing == ("event.tracking",) and refused.allowed == ("ship",)


def test_an_event_not_allowed_is_refused_naming_those_that_are():
    refused = step(QC, Position("released", 0), "ship", {}, NOW)
    assert isinstance(refused, Refused) and refused.allowed == ("pick",) and refused.missing == ()
    final = step(QC, Position("delivered", 5), "deliver", {}, NOW)
    assert isinstance(final, Refused) and final.allowed == ()
    unknown = step(QC, Position("nowhere", 5), "deliver", {}, NOW)
    assert isinstance(unknown, Refused) and unknown.allowed == ()


def test_allowed_events_follow_the_guards():
    assert allowed_events(QC, "picked", {}) == ["ship"]
    assert allowed_events(QC, "quality_check", {}) == ["nudge", "approve", "pick"]
    guarded_only = Definition(
        "g",
        Entity.ORDER,
        (State("a", Category.OPEN, initial=True), State("b", Category.DONE, final=True)),
        (Transition(("a",), "go", "b", guard=BIG),),
    )
    assert allowed_events(guarded_only, "a", {}) == []
    assert allowed_events(guarded_only, "a", {"order": {"total": 900}}) == ["go"]
    assert isinstance(step(guarded_only, Position("a"), "go", {}, NOW), Refused)


def test_a_self_transition_stays_and_keeps_its_timers():
    nudged = step(QC, Position("quality_check", 2), "nudge", {}, NOW)
    assert isinstance(nudged, Accepted) and not nudged.moved and nudged.position == Position("quality_check", 2)
    assert nudged.cancel == () and nudged.timers == () and nudged.effects == (EmitEvent("QualityCheckLate"),)


def test_an_explicit_stop_and_leaving_cancel_each_timer_once():
    approved = step(QC, Position("quality_check", 2), "approve", {}, NOW)
    assert isinstance(approved, Accepted) and approved.state == "shipped"
    assert approved.cancel == ("nudge", "sla:quality_check")


def test_a_timer_or_task_is_current_only_at_the_state_and_entry_it_was_set_in():
    big = step(QC, Position("picked", 1), "ship", {"order": {"total": 600}}, NOW)
    assert isinstance(big, Accepted)
    timer, task = big.timers[0], big.tasks[0]
    assert is_current(timer, big.position) and is_current(task, big.position)
    back = step(QC, big.position, "pick", {}, NOW)  # the task failed it: picked again
    assert isinstance(back, Accepted) and not is_current(timer, back.position)
    again = step(QC, back.position, "ship", {"order": {"total": 600}}, NOW)
    assert isinstance(again, Accepted) and again.state == timer.state
    assert not is_current(timer, again.position)  # the same state, a later entry: the old timer is late
    assert is_current(again.timers[0], again.position)
