"""The order aggregate on its own: no AWS, no HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.delivery import Delivery, DeliveryMethod
from chalicelib.domain.errors import Conflict, Invalid
from chalicelib.domain.money import Money
from chalicelib.domain.orders.lines import LineCancellation, LineStatus, NewLine
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.state import Customer, OrderStatus, Payment, derive_status
from tests.unit.builders import HOME, eur, webshop_order


def placed(
    *,
    paid: bool = False,
    lines: list[NewLine] | None = None,
    delivery: Delivery | None = HOME,
    store_id: str | None = None,
    channel: str = "webshop",
) -> Order:
    return webshop_order(
        lines or [NewLine("1", "TEE", 2, eur("19.95")), NewLine("2", "CAP", 1, eur("20.00"))],
        Payment("paid" if paid else "authorized", eur("59.90")),
        at="2026-11-25T10:00:01.000Z",
        placed_at="2026-11-25T10:00:00.000Z",
        customer=Customer("c-1", "a@example.com"),
        channel=channel,
        delivery=delivery,
        store_id=store_id,
    )


def cancel(order: Order, *pairs: tuple[str, int]) -> None:
    order.cancel_lines(
        [LineCancellation(line_id, qty) for line_id, qty in pairs],
        reason="r",
        actor="cs",
        now="2026-11-25T11:00:00.000Z",
    )


def test_placing_records_one_created_event_and_totals_exactly():
    order = placed()
    assert order.status is OrderStatus.OPEN
    assert order.total == eur("59.90")
    assert [e.type for e in order.new_events] == ["OrderCreated"]
    assert "email" not in str(order.new_events[0].detail)  # events carry ids, not contact details


def test_store_sale_without_delivery_is_carried_out():
    order = placed(delivery=None, store_id="store-1", channel="store")
    assert {ln.delivery for ln in order.lines} == {Delivery(DeliveryMethod.CARRY_OUT, location_id="store-1")}


def test_invalid_orders_list_every_problem():
    with pytest.raises(Invalid) as caught:
        placed(
            delivery=None,
            lines=[NewLine("1", "A", 0, Money(Decimal("1"), "USD")), NewLine("1", "B", 1, eur("-1"))],
        )
    msgs = " ".join(e["msg"] for e in caught.value.errors)
    for expected in ("positive", "duplicate", "one currency", "negative", "no delivery"):
        assert expected in msgs


def test_cancellation_refunds_only_what_was_paid():
    paid, authorized = placed(paid=True), placed(paid=False)
    for order in (paid, authorized):
        cancel(order, ("1", 1))
    assert [r.amount for r in paid.refunds] == [eur("19.95")]
    assert authorized.refunds == []


def test_shipped_lines_cannot_be_cancelled_and_nothing_changes():
    order = placed()
    order.lines[0].status = LineStatus.SHIPPED
    with pytest.raises(Conflict):
        cancel(order, ("2", 1), ("1", 1))
    assert order.lines[1].cancelled_quantity == 0  # all or nothing


@given(cuts=st.lists(st.tuples(st.sampled_from(["1", "2"]), st.integers(1, 3)), max_size=6))
def test_cancelling_conserves_quantities_and_refunds_match(cuts):
    order = placed(paid=True)
    cancelled = {"1": 0, "2": 0}
    for line_id, qty in cuts:
        try:
            cancel(order, (line_id, qty))
        except (Invalid, Conflict):  # more than is left (422), or nothing left at all (409)
            assert qty > order.line(line_id).open_quantity
            continue
        cancelled[line_id] += qty
    for line in order.lines:
        assert line.cancelled_quantity == cancelled[line.line_id]
        assert 0 <= line.open_quantity <= line.quantity
        assert (line.status is LineStatus.CANCELLED) == (line.open_quantity == 0)
    refunded = sum((r.amount.amount for r in order.refunds), Decimal(0))
    assert refunded == sum(ln.unit_price.amount * ln.cancelled_quantity for ln in order.lines)
    assert (order.status is OrderStatus.CANCELLED) == all(ln.open_quantity == 0 for ln in order.lines)


@given(st.lists(st.sampled_from(list(LineStatus)), min_size=1, max_size=6))
def test_status_follows_lines(statuses):
    order = placed(lines=[NewLine(str(i), "A", 1, eur("1")) for i in range(len(statuses))])
    for line, status in zip(order.lines, statuses, strict=True):
        line.status = status
    derived = derive_status(order.lines)
    active = [s for s in statuses if s is not LineStatus.CANCELLED]
    if not active:
        assert derived is OrderStatus.CANCELLED
    elif all(s in {LineStatus.DELIVERED, LineStatus.COLLECTED, LineStatus.RETURNED} for s in active):
        assert derived is OrderStatus.COMPLETED
    else:
        assert derived not in {OrderStatus.CANCELLED, OrderStatus.COMPLETED}


def test_a_store_sale_half_carried_out_is_in_fulfilment_not_partially_shipped():
    order = placed(lines=[NewLine("1", "A", 1, eur("1")), NewLine("2", "B", 1, eur("1"))])
    order.lines[0].status, order.lines[1].status = LineStatus.COLLECTED, LineStatus.ALLOCATED
    assert derive_status(order.lines) is OrderStatus.IN_FULFILMENT
    order.lines[1].status = LineStatus.SHIPPED
    assert derive_status(order.lines) is OrderStatus.SHIPPED
