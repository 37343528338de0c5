"""The order's own workflow in the domain: a hold keeps everything back, a release hands it over once,
an end cancels what was held with its refund; the events fit their contracts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.adapters.orders_repo import event_items
from chalicelib.contracts.workflows import WorkflowsConfig
from chalicelib.domain.errors import Conflict
from chalicelib.domain.orders.holds import ORDER_HOLD
from chalicelib.domain.orders.lines import NewLine
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.state import OrderStatus, Payment
from chalicelib.domain.workflows import Definition
from tests.functional.test_order_holds import review_above
from tests.unit.builders import eur, webshop_order
from tests.unit.test_event_contracts import contract_types

NOW = "2026-11-25T10:00:02.000Z"


def review(amount: int) -> Definition:
    found = WorkflowsConfig.model_validate(review_above(amount)).to_domain().definition("order-review")
    assert found is not None
    return found


def begun(definition: Definition, quantity: int) -> Order:
    order = webshop_order(
        [NewLine("1", "TEE", quantity, eur("10.00"))], Payment("paid", eur(f"{10 * quantity}.00")), at=NOW
    )
    tasks = iter(f"task_{n}" for n in range(100))
    order.begin_workflow(definition, 3, actor="channel:webshop", now=NOW, new_task_id=lambda: next(tasks))
    return order


def send(order: Order, definition: Definition, event: str) -> bool:
    return order.order_event(definition, event, actor="cs", now=NOW, new_task_id=lambda: "task_x")


def test_an_order_above_the_value_is_held_with_a_task_and_its_events_fit_their_contracts():
    definition = review(100)
    order = begun(definition, 15)
    assert (order.held, order.status, order.workflow_state) == (True, OrderStatus.ON_HOLD, "awaiting_review")
    assert order.held_for(ORDER_HOLD)[0].quantity == 15 and not order.stock_changes and not order.fulfilment_orders
    [task] = order.new_tasks
    assert (task.team, task.step and task.step.fulfilment_order_id, task.step and task.step.state) == (
        "fraud",
        None,
        "awaiting_review",
    )
    assert contract_types(event_items(order)) == ["OrderCreated", "OrderWorkflowUpdated", "TaskCreated"]


def test_an_order_below_the_value_is_released_at_once_and_follows_no_hold():
    order = begun(review(100), 10)
    assert (order.held, order.workflow_state, order.held_for(ORDER_HOLD)) == (False, "released", [])


@given(
    quantity=st.integers(1, 30),
    events=st.lists(st.sampled_from(["release", "refuse", "placed", "approve"]), max_size=5),
)
def test_a_held_order_is_released_once_or_ended_and_refunded_never_both(quantity, events):
    definition = review(100)
    order = begun(definition, quantity)
    released = 0
    for event in events:
        try:
            released += send(order, definition, event)
        except Conflict:
            continue  # not allowed where it is now: nothing changed
        if order.held:
            assert not order.stock_changes and not order.fulfilment_orders
    assert released <= 1
    ended = order.workflow_state == "refused"
    refunded = sum((r.amount.amount for r in order.refunds), Decimal(0))
    assert refunded == (Decimal(10 * quantity) if ended else 0)
    assert (order.status is OrderStatus.CANCELLED) == ended
    if released:
        assert order.held_for(ORDER_HOLD)[0].quantity == quantity  # still held: sourcing is the caller's


def test_an_event_its_workflow_does_not_take_now_is_a_conflict_naming_the_allowed_ones():
    definition = review(100)
    order = begun(definition, 15)
    with pytest.raises(Conflict) as refused:
        send(order, definition, "collect")
    assert refused.value.extra["allowedEvents"] == ["release", "refuse"]
