"""The default workflow definitions are today's fulfilment table, event by event, as data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.delivery import DeliveryMethod
from chalicelib.domain.fulfilment.order import FulfilmentOrder, FulfilmentStatus
from chalicelib.domain.fulfilment.workflow import ORDER_DRIVEN, Flow, FulfilmentEvent, line_status
from chalicelib.domain.workflows import (
    BEFORE_SHIPPING,
    DEFAULT_WORKFLOWS,
    SLA_EVENT,
    Accepted,
    Entity,
    GiveBackStock,
    Position,
    SourceAgain,
    TakeStock,
    allowed_events,
    bind,
    check_workflows,
    start,
    step,
)
from chalicelib.domain.workflows.defaults import ACCEPT_WITHIN, COLLECT_WITHIN, FULFILMENT
from tests import fulfilment_reference as wf

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)
CASES = [(flow, status, event) for flow in Flow for status in FulfilmentStatus for event in FulfilmentEvent]


def test_the_defaults_are_sound_and_warn_of_nothing():
    findings = check_workflows(DEFAULT_WORKFLOWS)
    assert findings.errors == () and findings.warnings == ()


@pytest.mark.parametrize(("flow", "status", "event"), CASES, ids=str)
def test_step_on_the_default_goes_where_the_table_goes(flow, status, event):
    expected = wf.next_status(flow, status, event)
    got = step(FULFILMENT[flow.value], Position(status.value, 3), event.value, {}, NOW)
    if expected is None:
        assert not isinstance(got, Accepted)
        assert [e for e in got.allowed if e not in ORDER_DRIVEN] == [e.value for e in wf.allowed(flow, status)]
        return
    assert isinstance(got, Accepted)
    assert got.state == expected.value and got.position.entry == 4
    assert (TakeStock() in got.effects) is wf.leaves_source(flow, status, event)  # exactly where goods leave
    if event is FulfilmentEvent.REJECT:
        assert got.effects == (GiveBackStock(), SourceAgain())
    else:
        assert set(got.effects) <= {TakeStock()}
    # Only `released` has an SLA (nothing goes back to it) and, at a store, `ready_for_pickup`.
    waits_at_the_store = expected.value == "ready_for_pickup" and flow in (Flow.TRANSFER, Flow.SHELF)
    assert [t.name for t in got.timers] == (["sla:ready_for_pickup"] if waits_at_the_store else [])
    assert got.tasks == ()


@pytest.mark.parametrize("flow", list(Flow))
def test_the_events_allowed_are_the_tables_and_the_orders_own(flow):
    definition = FULFILMENT[flow.value]
    for status in FulfilmentStatus:
        allowed = allowed_events(definition, status.value, {})
        own = [e for e in allowed if e in ORDER_DRIVEN]
        assert [e for e in allowed if e not in ORDER_DRIVEN] == [e.value for e in wf.allowed(flow, status)], status
        cancel = ["cancel"] if status in ("released", "accepted", "picked", "packed") else []
        uncollected = status == "ready_for_pickup" and flow in (Flow.TRANSFER, Flow.SHELF)
        assert own == (["sla_breached"] if status == "released" or uncollected else []) + cancel, status


def test_a_location_that_does_not_accept_in_time_loses_the_work():
    for definition in FULFILMENT.values():
        begun = start(definition, NOW)
        (timer,) = begun.timers
        assert (timer.due, timer.event, timer.state) == (NOW + ACCEPT_WITHIN, SLA_EVENT, "released")
        breached = step(definition, begun.position, SLA_EVENT, {}, timer.due)
        assert isinstance(breached, Accepted) and breached.state == "rejected"
        assert breached.effects == (GiveBackStock(), SourceAgain()) and breached.cancel == ("sla:released",)
        accepted = step(definition, begun.position, "accept", {}, NOW)
        assert isinstance(accepted, Accepted) and accepted.cancel == ("sla:released",)  # accepted: no breach


@pytest.mark.parametrize("flow", [Flow.TRANSFER, Flow.SHELF])
def test_an_order_not_collected_in_time_at_a_store_is_cancelled_and_its_goods_given_back(flow):
    definition = FULFILMENT[flow.value]
    ready = Position("ready_for_pickup", 5)
    [timer] = [t for t in definition.states if t.name == "ready_for_pickup"]
    assert timer.sla == COLLECT_WITHIN
    breached = step(definition, ready, SLA_EVENT, {}, NOW)
    assert isinstance(breached, Accepted) and (breached.state, breached.category.value) == ("cancelled", "cancelled")
    assert breached.effects == (GiveBackStock(),) and breached.cancel == ("sla:ready_for_pickup",)
    # a pick-up point's carrier takes back what is not collected: no timer of ours
    assert step(FULFILMENT["pickup_point"], ready, SLA_EVENT, {}, NOW).__class__ is not Accepted


METHOD = {
    "home": DeliveryMethod.HOME_DELIVERY,
    "pickup_point": DeliveryMethod.PICKUP_POINT,
    "transfer": DeliveryMethod.CLICK_AND_COLLECT,
    "shelf": DeliveryMethod.CLICK_AND_COLLECT,
}


@pytest.mark.parametrize("flow", list(Flow))
def test_the_categories_give_the_line_status_the_table_gave(flow):
    definition = FULFILMENT[flow.value]
    for state in definition.states:
        fo = FulfilmentOrder("fo", "dc", METHOD[flow.value], {}, state.name, [], "t", "t", category=state.category)
        status = FulfilmentStatus(state.name)
        assert line_status(fo) == wf.LINE_STATUS.get(status), status  # None: serves no line any more
    assert {s.name for s in definition.states if s.category in BEFORE_SHIPPING} == {
        "released",
        "accepted",
        "picked",
        "packed",
    } & {s.name for s in definition.states}


@pytest.mark.parametrize("flow", list(Flow))
def test_the_default_bindings_choose_the_flow_flow_of_chooses(flow):
    assert bind(DEFAULT_WORKFLOWS, Entity.FULFILMENT_ORDER, flow=flow.value) is FULFILMENT[flow.value]
    # whatever else the order is, the flow decides
    chosen = bind(DEFAULT_WORKFLOWS, Entity.FULFILMENT_ORDER, channel="shop", location_type="store", flow=flow.value)
    assert chosen is FULFILMENT[flow.value]
