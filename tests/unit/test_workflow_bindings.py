"""Bindings: the first whose match fits a new entity names its workflow; an empty match is the default."""

from __future__ import annotations

import pytest

from chalicelib.domain.workflows import (
    DEFAULT_WORKFLOWS,
    Binding,
    Category,
    Definition,
    Entity,
    Match,
    State,
    Transition,
    Unbound,
    Workflows,
    bind,
    check_workflows,
)
from chalicelib.domain.workflows.defaults import HOME, SHELF

F, ORD = Entity.FULFILMENT_ORDER, Entity.ORDER
MARKETPLACE = Definition(
    "order-marketplace",
    ORD,
    (State("open", Category.OPEN, initial=True), State("done", Category.DONE, final=True)),
    (Transition(("open",), "complete", "done"),),
)
SECTION = Workflows(
    definitions=(*DEFAULT_WORKFLOWS.definitions, MARKETPLACE),
    bindings=(
        Binding(ORD, Match(channel="bol"), MARKETPLACE.id),
        Binding(F, Match(channel="bol", location_type="store"), SHELF.id),
        *DEFAULT_WORKFLOWS.bindings,
    ),
)


def test_the_first_fitting_binding_wins():
    assert bind(SECTION, F, channel="bol", location_type="store", flow="home") is SHELF
    assert bind(SECTION, F, channel="bol", location_type="dc", flow="home") is HOME  # one key differs
    assert bind(SECTION, F, channel="shop", location_type="store") is HOME  # the default
    assert bind(SECTION, ORD, channel="bol") is MARKETPLACE


def test_no_fitting_binding_is_unbound():
    with pytest.raises(Unbound):
        bind(SECTION, ORD, channel="shop")
    with pytest.raises(Unbound):
        bind(Workflows(SECTION.definitions, SECTION.bindings[:-1]), Entity.TASK)


def test_a_sound_section():
    findings = check_workflows(SECTION)
    assert findings.errors == ()
    assert findings.warnings == ("an order that no binding matches follows no workflow (no default binding)",)


def test_bindings_are_checked_against_the_definitions():
    bad = Workflows(
        definitions=(HOME, HOME, MARKETPLACE),
        bindings=(
            Binding(F, Match(), "fulfilment-nowhere"),
            Binding(F, Match(), MARKETPLACE.id),
            Binding(ORD, Match(flow="home"), MARKETPLACE.id),
        ),
    )
    assert list(check_workflows(bad).errors) == [
        "workflow ids must be unique: fulfilment-home more than once",
        "binding 1 (fulfilmentOrder -> fulfilment-nowhere): there is no workflow 'fulfilment-nowhere'",
        "binding 2 (fulfilmentOrder -> order-marketplace): 'order-marketplace' is a workflow for an order",
        "binding 3 (order -> order-marketplace): only a fulfilmentOrder binding may match a flow",
    ]
    assert list(check_workflows(bad).warnings) == [
        "binding 2 (fulfilmentOrder -> order-marketplace) is never used: binding 1 matches everything it would",
        "an order that no binding matches follows no workflow (no default binding)",
        "workflow 'fulfilment-home' is bound by no binding",
        "workflow 'fulfilment-home' is bound by no binding",
    ]


def test_the_definitions_own_reasons_come_with_the_sections():
    broken = Definition("broken", ORD, (State("open", Category.OPEN, initial=True),), ())
    findings = check_workflows(
        Workflows((broken, HOME), (Binding(ORD, Match(), "broken"), Binding(F, Match(), HOME.id)))
    )
    assert findings.errors == (
        "workflow 'broken': has no final state",
        "workflow 'broken': no way to a final state from open",
    )


def test_every_fulfilment_order_needs_a_workflow():
    findings = check_workflows(Workflows((HOME,), ()))
    assert findings.errors == ("the fulfilmentOrder bindings need a default, a binding with an empty match, last",)


def test_tasks_follow_their_workflow_matched_by_channel_only():
    assert bind(DEFAULT_WORKFLOWS, Entity.TASK, channel="webshop").id == "task-standard"
    desk = Definition("desk", Entity.TASK, MARKETPLACE.states, MARKETPLACE.transitions)
    by_method = Binding(Entity.TASK, Match(channel="bol", delivery_method="home"), "desk")
    section = Workflows((*SECTION.definitions, desk), (by_method, *SECTION.bindings))
    assert "binding 1 (task -> desk): a task binding may match only a channel" in check_workflows(section).errors
    bol_only = Binding(Entity.TASK, Match(channel="bol"), "desk")
    unbound = check_workflows(Workflows(section.definitions, (bol_only, *SECTION.bindings[:-1]))).warnings
    assert "a task that no binding matches follows the built-in 'task-standard'" in unbound


def test_returns_follow_their_workflow_with_no_warning():
    assert bind(DEFAULT_WORKFLOWS, Entity.RETURN, channel="webshop").id == "return-standard"
    findings = check_workflows(DEFAULT_WORKFLOWS)
    assert (findings.errors, findings.warnings) == ((), ())
