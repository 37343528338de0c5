"""Producer and consumers share one contract per event: samples and produced events both fit it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.orders_repo import event_items
from chalicelib.adapters.outbox import event_detail
from chalicelib.contracts.config import DEFAULT_SOURCING
from chalicelib.contracts.events import EVENT_MODELS, parse_detail
from chalicelib.domain.fulfilment.workflow import FulfilmentEvent
from chalicelib.domain.money import Money
from chalicelib.domain.network import Capability, Geo, Location, LocationType
from chalicelib.domain.orders.editing import OrderEdit
from chalicelib.domain.orders.lines import LineCancellation, NewLine
from chalicelib.domain.orders.progress import FulfilmentReport
from chalicelib.domain.sourcing.engine import source
from chalicelib.domain.sourcing.plan import Demand, Snapshot
from chalicelib.domain.workflows.defaults import HOME as HOME_FLOW
from chalicelib.service.config import sourcing_policy
from tests.sourcing_reference import HOME
from tests.unit.test_orders_domain import placed

SAMPLES = Path(__file__).parent.parent / "events"


def contract_types(items: list[dict[str, Any]]) -> list[str]:
    """The event items' types, in order, once each item's detail is checked against its type's contract."""
    for item in items:
        parse_detail(item["eventType"], event_detail(item))
    return [item["eventType"] for item in items]


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    return loaded


@pytest.mark.parametrize("event_type", sorted(EVENT_MODELS))
def test_every_contract_has_a_sample_that_fits_it(event_type):
    detail = parse_detail(event_type, load(event_type))
    assert detail.model_dump(by_alias=True, exclude_unset=True) == load(event_type)


def test_a_sample_with_an_unknown_field_is_refused():
    with pytest.raises(ValueError, match="extra"):
        parse_detail("OrderCreated", {**load("OrderCreated"), "email": "a@b.c"})
    with pytest.raises(ValueError, match="unknown event type"):
        parse_detail("OrderShredded", {})


def test_events_the_domain_produces_fit_their_contracts():
    order = placed(paid=True)
    dc = Location("dc", "DC", LocationType.DC, Geo(51.6, 5.1), frozenset({Capability.SHIP}))
    demands = [Demand(ln.line_id, ln.sku, ln.quantity, ln.delivery.method, HOME) for ln in order.lines]
    plan = source(
        demands, Snapshot({"dc": dc}, {"TEE": {"dc": 5}}), sourcing_policy(DEFAULT_SOURCING), channel="webshop"
    )
    order.apply_plan(plan, new_fulfilment_order_id=lambda: "fo_1", actor="channel:webshop", now="2026-11-25T10:00Z")
    order.report_fulfilment(
        "fo_1", FulfilmentReport(FulfilmentEvent.ACCEPT), HOME_FLOW, actor="dc:dc", now="2026-11-25T11:00:00.000Z"
    )
    order.cancel_lines(
        [LineCancellation("1", 2), LineCancellation("2", 1)],
        reason="fraud",
        actor="cs",
        now="2026-11-25T12:00:00.000Z",
    )
    order.refund_answered(
        "ref_1_1",
        "succeeded",
        reference="psp-1",
        reason=None,
        actor="ops",
        now="2026-11-25T12:05:00.000Z",
        new_task_id=lambda: "task_1",
    )
    added = NewLine("3", "CAP", 1, Money(Decimal("5.00"), order.payment.amount.currency))
    order.edit(OrderEdit(add_lines=(added,)), actor="cs", now="2026-11-25T12:10:00.000Z")
    items = event_items(order)
    # Task events: tests/unit/test_tasks.py.
    # Workflow actions' events: tests/functional/test_workflow_tasks.py; the order's own workflow's:
    # tests/unit/test_order_review.py.
    not_order_events = {
        "OrderWorkflowUpdated",
        "InventoryChanged",
        "ConfigChanged",
        "LocationChanged",
        "ChannelChanged",
        "WorkflowEventEmitted",
        "ChannelNotificationRequested",
    } | {t for t in EVENT_MODELS if t.startswith(("Reservation", "Task", "Return", "Exchange", "Claim"))}
    # Returns', exchanges' and claims': tests/functional/test_returns.py, test_exchanges.py, test_claims.py.
    assert set(contract_types(items)) == set(EVENT_MODELS) - not_order_events
    cancelled = next(i for i in items if i["eventType"] == "OrderLinesCancelled")
    assert cancelled["detail"]["stock"] == [{"sku": "TEE", "locationId": "dc", "quantity": 2}]  # given back
    refund = next(i for i in items if i["eventType"] == "RefundRequested")
    assert Decimal(refund["detail"]["amount"]["amount"]) == Decimal("59.90")
