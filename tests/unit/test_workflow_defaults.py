"""The default workflow definitions are today's fulfilment table, event by event, as data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.fulfilment import workflow as wf
from chalicelib.domain.fulfilment.order import BEFORE_SHIPPING, FulfilmentStatus
from chalicelib.domain.orders.lines import LineStatus
from chalicelib.domain.workflows import (
    DEFAULT_WORKFLOWS,
    Accepted,
    Category,
    Entity,
    GiveBackStock,
    Position,
    SourceAgain,
    TakeStock,
    allowed_events,
    bind,
    check_workflows,
    step,
)
from chalicelib.domain.workflows.defaults import FULFILMENT

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)
CASES = [(flow, status, event) for flow in wf.Flow for status in FulfilmentStatus for event in wf.FulfilmentEvent]


def test_the_defaults_are_sound_and_warn_of_nothing():
    findings = check_workflows(DEFAULT_WORKFLOWS)
    assert findings.errors == () and findings.warnings == ()


@pytest.mark.parametrize(("flow", "status", "event"), CASES, ids=str)
def test_step_on_the_default_goes_where_the_table_goes(flow, status, event):
    expected = wf.next_status(flow, status, event)
    got = step(FULFILMENT[flow.value], Position(status.value, 3), event.value, {}, NOW)
    if expected is None:
        assert not isinstance(got, Accepted)
        assert [e for e in got.allowed if e != "cancel"] == [e.value for e in wf.allowed(flow, status)]
        return
    assert isinstance(got, Accepted)
    assert got.state == expected.value and got.position.entry == 4
    assert (TakeStock() in got.effects) is wf.leaves_source(flow, status, event)  # exactly where goods leave
    if event is wf.FulfilmentEvent.REJECT:
        assert got.effects == (GiveBackStock(), SourceAgain())
    else:
        assert set(got.effects) <= {TakeStock()}
    assert got.timers == () and got.tasks == ()  # today's flows have no SLAs or tasks


@pytest.mark.parametrize("flow", list(wf.Flow))
def test_the_events_allowed_are_the_tables_and_cancel_before_shipping(flow):
    definition = FULFILMENT[flow.value]
    for status in FulfilmentStatus:
        allowed = allowed_events(definition, status.value, {})
        cancel = ["cancel"] if status in BEFORE_SHIPPING else []
        assert allowed == [e.value for e in wf.allowed(flow, status)] + cancel, status


# What the line and its progress would follow from the category alone (the next step's wiring):
# done is `delivered` at home and `collected` elsewhere, the only place the flow still matters.
LINE_OF = {
    Category.OPEN: LineStatus.ALLOCATED,
    Category.IN_PROGRESS: LineStatus.ALLOCATED,
    Category.PICKED: LineStatus.PICKED,
    Category.SHIPPED: LineStatus.SHIPPED,
    Category.READY: LineStatus.READY_FOR_PICKUP,
}


@pytest.mark.parametrize("flow", list(wf.Flow))
def test_the_categories_give_the_line_status_the_table_gives(flow):
    definition = FULFILMENT[flow.value]
    for status, line in wf.LINE_STATUS.items():
        state = definition.state(status.value)
        if state is None:
            continue  # a status this flow never reaches
        done = LineStatus.DELIVERED if flow is wf.Flow.HOME else LineStatus.COLLECTED
        assert (done if state.category is Category.DONE else LINE_OF[state.category]) is line, status
    for status in (FulfilmentStatus.REJECTED, FulfilmentStatus.CANCELLED):
        state = definition.state(status.value)
        assert state is not None and state.final and state.category.value == status.value
    assert {
        s.name for s in definition.states if s.category in (Category.OPEN, Category.IN_PROGRESS, Category.PICKED)
    } == {s.value for s in BEFORE_SHIPPING}


@pytest.mark.parametrize("flow", list(wf.Flow))
def test_the_default_bindings_choose_the_flow_flow_of_chooses(flow):
    assert bind(DEFAULT_WORKFLOWS, Entity.FULFILMENT_ORDER, flow=flow.value) is FULFILMENT[flow.value]
    # whatever else the order is, the flow decides
    chosen = bind(DEFAULT_WORKFLOWS, Entity.FULFILMENT_ORDER, channel="shop", location_type="store", flow=flow.value)
    assert chosen is FULFILMENT[flow.value]
