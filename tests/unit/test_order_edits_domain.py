"""Editing an order, on the pure domain: every unit stays accounted for, the money adds up to the
cent, and an edit refused changes nothing."""

from __future__ import annotations

import copy
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.contracts.config import DEFAULT_SOURCING
from chalicelib.domain.delivery import Delivery, DeliveryMethod
from chalicelib.domain.errors import Conflict, Invalid
from chalicelib.domain.fulfilment.workflow import FulfilmentEvent
from chalicelib.domain.network import Capability, Geo, Location, LocationType
from chalicelib.domain.orders.editing import LineChange, OrderEdit
from chalicelib.domain.orders.lines import NewLine
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.progress import FulfilmentReport
from chalicelib.domain.sourcing.engine import source
from chalicelib.domain.sourcing.plan import Demand, Snapshot
from chalicelib.domain.workflows.defaults import HOME as HOME_FLOW
from chalicelib.service.config import sourcing_policy
from tests.sourcing_reference import HOME
from tests.unit.builders import eur
from tests.unit.test_orders_domain import placed

DC = Location("dc", "DC", LocationType.DC, Geo(51.6, 5.1), frozenset({Capability.SHIP}))
ELSEWHERE = Delivery(DeliveryMethod.HOME_DELIVERY, address={"line1": "Neude 11", "city": "Utrecht", "country": "NL"})


def sourced(order: Order) -> Order:
    """Source every unsourced unit of `order` from the one DC (plenty of stock)."""
    demands = [
        Demand(ln.line_id, ln.sku, ln.unsourced_quantity, ln.delivery.method, HOME)
        for ln in order.lines
        if ln.unsourced_quantity
    ]
    stock = {d.sku: {"dc": 1000} for d in demands}
    plan = source(demands, Snapshot({"dc": DC}, stock), sourcing_policy(DEFAULT_SOURCING), channel="webshop")
    count = len(order.fulfilment_orders)
    order.apply_plan(plan, new_fulfilment_order_id=lambda: f"fo_{count + 1}", actor="t", now="2026-11-25T10:00:02Z")
    return order


def edited(order: Order, edit: OrderEdit) -> Decimal:
    """Apply `edit`; what it refunded."""
    refunds = len(order.refunds)
    order.edit(edit, actor="cs", now="2026-11-25T11:00:00.000Z")
    return sum((r.amount.amount for r in order.refunds[refunds:]), Decimal("0.00"))


edits = st.builds(
    OrderEdit,
    delivery=st.sampled_from([None, ELSEWHERE]),
    add_lines=st.lists(st.integers(1, 4), max_size=2).map(
        lambda qs: tuple(NewLine(f"n{i}", "SOCK", q, eur("3.33")) for i, q in enumerate(qs))
    ),
    remove_lines=st.sampled_from([(), ("1",), ("2",)]),
    change_lines=st.sampled_from([(), (LineChange("1", 1),), (LineChange("1", 5),)]),
)


@given(edit=edits, shipped=st.booleans())
def test_an_edit_accounts_for_every_unit_and_its_money_to_the_cent_or_changes_nothing(edit, shipped):
    order = sourced(placed(paid=True))
    if shipped:
        for event in (FulfilmentEvent.ACCEPT, FulfilmentEvent.PICK, FulfilmentEvent.SHIP):
            order.report_fulfilment(
                "fo_1", FulfilmentReport(event), HOME_FLOW, actor="dc:dc", now="2026-11-25T10:30:00.000Z"
            )
    before = copy.deepcopy(order)
    total = order.total.amount
    try:
        refunded = edited(order, edit)
    except (Conflict, Invalid):
        assert (order.lines, order.fulfilment_orders, order.refunds) == (
            before.lines,
            before.fulfilment_orders,
            before.refunds,
        )
        return
    sourced(order)
    for line in order.lines:
        assert line.allocated_quantity + line.backordered_quantity + line.held_quantity == line.open_quantity
        assert line.refunded <= line.paid
    added = order.total.amount - total
    assert order.amount_due == added
    outcome_difference = added - refunded
    assert [e.detail["priceDifference"]["amount"] for e in order.new_events if e.type == "OrderEdited"] == [
        str(outcome_difference)
    ]
    if edit.delivery is not None:
        assert all(fo.destination == {"address": ELSEWHERE.address} for fo in order.fulfilment_orders[1:])
