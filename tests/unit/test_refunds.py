"""Money at intake and the one refund function: examples, and properties over random orders and
random histories of partial cancellations, returns and claims."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import Conflict
from chalicelib.domain.orders.ledger import price_lines, spread, unit_amounts, units_worth
from chalicelib.domain.orders.refunds import Executor, RefundTerms, executor_for
from chalicelib.domain.returns.refund import (
    CANCELLATION_RULES,
    Ledger,
    LineMoney,
    RefundRules,
    RefundStep,
    ShippingRefund,
    StepKind,
    refund_for,
)

D = Decimal
cents = st.integers(min_value=0, max_value=50_000).map(lambda n: D(n) / 100)


# ---- intake: the spread ------------------------------------------------------------------------


def test_an_order_discount_is_spread_by_value_to_the_cent():
    # 10.00 over 39.90, 20.00 and 0.10 is 6.65, 3.333.. and 0.0166..: the cent the floors leave
    # goes to the line that lost most to them.
    assert spread(D("10.00"), [D("39.90"), D("20.00"), D("0.10")]) == [D("6.65"), D("3.33"), D("0.02")]
    assert spread(D("0.01"), [D("1.00"), D("1.00"), D("1.00")]) == [D("0.01"), D("0.00"), D("0.00")]  # a tie: first
    assert spread(D("0.00"), [D("0"), D("0")]) == [D("0.00"), D("0.00")]
    with pytest.raises(ValueError):
        spread(D("1.00"), [D("0")])


def test_priced_lines_take_their_own_discount_before_their_share():
    a, b = price_lines([D("19.95") * 2, D("20.00")], [D("9.90"), D("0")], D("5.00"))
    # After their own: 30.00 and 20.00, so 3.00 and 2.00 of the order's 5.00.
    assert (a.value, a.line_discount, a.order_discount, a.paid) == (D("39.90"), D("9.90"), D("3.00"), D("27.00"))
    assert (b.order_discount, b.paid) == (D("2.00"), D("18.00"))


@given(st.lists(cents, min_size=1, max_size=8), st.data())
def test_the_spread_adds_up_exactly_and_each_part_is_within_a_cent_of_its_share(weights, data):
    whole = sum(weights, D(0))
    total = data.draw(st.integers(0, int(whole * 100)).map(lambda n: D(n) / 100)) if whole else D("0.00")
    parts = spread(total, weights)
    assert sum(parts, D(0)) == total
    for part, weight in zip(parts, weights, strict=True):
        assert part >= 0
        assert abs(part - total * weight / whole) < D("0.01") if whole else part == 0


# ---- units -------------------------------------------------------------------------------------


def test_each_unit_refunds_its_share_and_the_last_the_remainder():
    assert unit_amounts(D("29.00"), 3) == (D("9.67"), D("9.66"))
    assert unit_amounts(D("10.00"), 3) == (D("3.33"), D("3.34"))
    assert unit_amounts(D("0.50"), 100) == (D("0.00"), D("0.50"))  # half up would leave the last below zero
    assert [units_worth(D("29.00"), 3, i, 1) for i in range(3)] == [D("9.67"), D("9.67"), D("9.66")]


@given(cents, st.integers(1, 200))
def test_a_lines_units_add_up_to_what_was_paid_and_none_is_negative(paid, quantity):
    each, last = unit_amounts(paid, quantity)
    assert each >= 0 and last >= 0
    assert each * (quantity - 1) + last == paid


# ---- the refund function: examples ---------------------------------------------------------------


def ledger(*lines: tuple[str, int, str], shipping: str = "4.95") -> Ledger:
    return Ledger(tuple(LineMoney(i, q, D(p)) for i, q, p in lines), D(shipping))


FEES = RefundRules(ShippingRefund.ALL_RETURNED, restocking_fee=D("1.00"), return_shipping_fee=D("2.50"))


def test_a_return_pays_its_units_less_fees_and_shipping_only_when_everything_is_back():
    order = ledger(("1", 3, "29.00"), ("2", 1, "20.00"))
    first = refund_for(order, RefundStep(StepKind.RETURN, (("1", 2),)), FEES)
    assert (first.goods, first.shipping, first.fees, first.total) == (D("19.34"), D("0.00"), D("4.50"), D("14.84"))
    rest = refund_for(order.after(first), RefundStep(StepKind.RETURN, (("1", 1), ("2", 1))), FEES)
    assert (rest.goods, rest.shipping, rest.fees) == (D("29.66"), D("4.95"), D("4.50"))


def test_the_merchants_fault_waives_fees_and_may_refund_shipping_at_once():
    order = ledger(("1", 3, "29.00"))
    fault = RefundStep(StepKind.RETURN, (("1", 1),), merchant_fault=True)
    on_fault = RefundRules(ShippingRefund.MERCHANT_FAULT, D("1.00"), D("2.50"))
    assert refund_for(order, fault, on_fault).total == D("9.67") + D("4.95")
    assert refund_for(order, fault, FEES).total == D("9.67")  # no fees; shipping only once all is back
    never = RefundRules(ShippingRefund.NEVER)
    assert refund_for(order, RefundStep(StepKind.RETURN, (("1", 3),), True), never).shipping == 0


def test_fees_never_take_a_refund_below_zero():
    order = ledger(("1", 2, "1.00"))
    steep = RefundRules(ShippingRefund.NEVER, restocking_fee=D("5.00"), return_shipping_fee=D("5.00"))
    quote = refund_for(order, RefundStep(StepKind.RETURN, (("1", 1),)), steep)
    assert (quote.goods, quote.fees, quote.total) == (D("0.50"), D("0.50"), D("0.00"))


def test_more_than_is_left_to_refund_is_a_conflict():
    order = ledger(("1", 2, "10.00"))
    one_claimed = order.after(refund_for(order, RefundStep(StepKind.CLAIM, (("1", 1),)), FEES))
    with pytest.raises(Conflict, match="1 units left"):
        refund_for(one_claimed, RefundStep(StepKind.CLAIM, (("1", 2),)), FEES)
    # Refunded before outside the ledger's units (by hand, say): the cap still holds.
    spent = Ledger(order.lines, D("4.95"), D("0.00"), refunded=D("14.00"))
    with pytest.raises(Conflict, match=r"more than the 0\.95"):
        refund_for(spent, RefundStep(StepKind.CANCELLATION, (("1", 1),)), CANCELLATION_RULES)


# ---- the refund function: properties -------------------------------------------------------------

KINDS = st.sampled_from(list(StepKind))


@st.composite
def histories(draw: st.DrawFn) -> tuple[Ledger, RefundRules, list[RefundStep]]:
    """A random order, a random policy, and steps refunding some or all of its units."""
    quantities = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    lines = tuple(LineMoney(str(i), q, draw(cents)) for i, q in enumerate(quantities))
    rules = RefundRules(
        draw(st.sampled_from(list(ShippingRefund))),
        draw(st.integers(0, 800).map(lambda n: D(n) / 100)),
        draw(st.integers(0, 800).map(lambda n: D(n) / 100)),
    )
    left = {ln.line_id: ln.quantity if draw(st.booleans()) else draw(st.integers(0, ln.quantity)) for ln in lines}
    steps: list[RefundStep] = []
    while any(left.values()):
        ids = draw(st.lists(st.sampled_from([k for k, v in left.items() if v]), min_size=1, unique=True))
        parts = tuple((k, draw(st.integers(1, left[k]))) for k in ids)
        for k, q in parts:
            left[k] -= q
        steps.append(RefundStep(draw(KINDS), parts, draw(st.booleans())))
    return Ledger(lines, draw(cents)), rules, steps


def run(start: Ledger, rules: RefundRules, steps: list[RefundStep]) -> Ledger:
    """Every step refunded in turn: each never negative, never past what is left to refund."""
    now = start
    for step in steps:
        quote = refund_for(now, step, rules)
        assert quote.total >= 0 and quote.fees >= 0
        assert quote.total <= now.paid - now.refunded
        now = now.after(quote)
    return now


@settings(max_examples=300)
@given(histories(), st.randoms(use_true_random=False))
def test_refunds_never_pass_what_was_paid_account_for_every_cent_and_ignore_the_order(history, rnd):
    start, rules, steps = history
    end = run(start, rules, steps)
    assert end.refunded <= end.paid
    for line in end.lines:
        if line.refunded_quantity == line.quantity:
            assert line.refunded == line.paid  # a line refunded whole gave back exactly what it was paid
    everything = all(ln.refunded_quantity == ln.quantity for ln in end.lines)
    if everything and rules.shipping is ShippingRefund.ALL_RETURNED:
        assert end.shipping_refunded == end.shipping
    assert end.shipping_refunded in (D("0.00"), end.shipping)  # shipping comes back whole, once
    shuffled = list(steps)
    rnd.shuffle(shuffled)
    again = run(start, rules, shuffled)
    assert (again.refunded, again.shipping_refunded) == (end.refunded, end.shipping_refunded)
    assert [(ln.refunded_quantity, ln.refunded) for ln in again.lines] == [
        (ln.refunded_quantity, ln.refunded) for ln in end.lines
    ]


@given(histories())
def test_refunds_add_up_to_goods_and_shipping_less_fees(history):
    start, rules, steps = history
    now, fees = start, D(0)
    for step in steps:
        quote = refund_for(now, step, rules)
        assert quote.goods == sum((r.goods for r in quote.lines), D(0))
        fees += quote.fees
        now = now.after(quote)
    goods = sum((ln.refunded for ln in now.lines), D(0))
    assert now.refunded == goods + now.shipping_refunded - fees


def test_whichever_step_takes_the_last_unit_the_total_is_the_same():
    order = ledger(("1", 3, "29.00"), shipping="0")
    a, b = RefundStep(StepKind.RETURN, (("1", 1),)), RefundStep(StepKind.CLAIM, (("1", 2),))
    # 29.00 less the return's fees (1.00 restocking, 2.50 return shipping), in either order.
    assert run(order, FEES, [a, b]).refunded == run(order, FEES, [b, a]).refunded == D("25.50")
    assert refund_for(order, a, FEES).goods == D("9.67")
    assert refund_for(order.after(refund_for(order, b, FEES)), a, FEES).goods == D("9.66")


@pytest.mark.parametrize(
    ("method", "channel", "terms", "executor"),
    [
        (None, "webshop", RefundTerms(), Executor.PAYMENT),
        ("original", "store", RefundTerms(), Executor.PAYMENT),  # a till sale refunded away from a counter
        ("original", "store", RefundTerms(at_counter=True), Executor.TILL),
        ("original", "webshop", RefundTerms(at_counter=True), Executor.PAYMENT),  # paid online: back online
        ("till", "webshop", RefundTerms(at_counter=True), Executor.TILL),
        ("store_credit", "webshop", RefundTerms(), Executor.STORE_CREDIT),
        ("till", "bol-nl", RefundTerms(by_channel=True, at_counter=True), Executor.CHANNEL),  # never paid twice
        ("store_credit", "bol-nl", RefundTerms(by_channel=True), Executor.CHANNEL),
    ],
)
def test_who_pays_a_refund(method, channel, terms, executor):
    assert executor_for(method, channel=channel, terms=terms) is executor
