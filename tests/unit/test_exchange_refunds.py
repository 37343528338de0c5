"""An exchange's return refunds through the one refund function like any return, its value going to
the new items first: over random orders, rules and sequences of plain and exchange returns, nothing
is ever refunded (credited or paid out) past what was paid, an exchange never takes more credit than
it was given, and what an exchange's return pays out is exactly its value less the credit it took."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.orders.ledger import Shipping
from chalicelib.domain.orders.lines import LineCancellation, NewLine
from chalicelib.domain.orders.refunds import Executor
from chalicelib.domain.orders.state import Payment
from chalicelib.domain.returns.refund import ZERO, RefundRules, RefundStep, ShippingRefund, StepKind
from chalicelib.domain.returns.return_ import Return, ReturnItem
from tests.unit.builders import eur, webshop_order

D = Decimal
NOW = "2026-11-26T10:00:00.000Z"
fees = st.integers(0, 300).map(lambda n: D(n) / 100)


@st.composite
def returns(draw: st.DrawFn) -> tuple[list[tuple[str, int]], RefundRules, list[tuple[dict[str, int], D | None]]]:
    """Lines (price, quantity), rules, and returns each taking some units left, some of an exchange
    (with the credit its new items took: up to the returned units' value, or more)."""
    lines = draw(st.lists(st.tuples(st.integers(1, 9_999).map(str), st.integers(1, 5)), min_size=1, max_size=3))
    rules = RefundRules(draw(st.sampled_from(list(ShippingRefund))), draw(fees), draw(fees))
    left = {str(i + 1): q for i, (_, q) in enumerate(lines)}
    steps: list[tuple[dict[str, int], D | None]] = []
    while any(left.values()) and draw(st.booleans()):
        ids = draw(st.lists(st.sampled_from([k for k, v in left.items() if v]), min_size=1, unique=True))
        units = {k: draw(st.integers(1, left[k])) for k in ids}
        for k, q in units.items():
            left[k] -= q
        steps.append((units, draw(st.none() | st.integers(0, 20_000).map(lambda n: D(n) / 100))))
    return lines, rules, steps


@settings(max_examples=200)
@given(returns())
def test_exchange_returns_never_refund_past_what_was_paid_and_pay_out_only_the_difference(history):
    lines, rules, steps = history
    total = sum((D(p) * q for p, q in lines), ZERO)
    order = webshop_order(
        [NewLine(str(i + 1), "SKU", q, eur(p)) for i, (p, q) in enumerate(lines)],
        Payment("paid", eur(str(total + D("4.95")))),
        at=NOW,
        shipping=Shipping(eur("4.95")),
    )
    for n, (units, credit) in enumerate(steps):
        exchange = (f"exc_1_{n}", credit) if credit is not None else None
        ret = Return(
            return_id=f"ret_1_{n}",
            order_id=order.order_id,
            channel=order.channel,
            return_to="dc",
            lines=[ReturnItem(k, "SKU", q, "r", False) for k, q in units.items()],
            workflow="return-standard",
            workflow_version=0,
            created_at=NOW,
            updated_at=NOW,
            created_by="cs",
        )
        value = order.quote_refund(RefundStep(StepKind.RETURN, tuple(units.items())), rules).total
        before = sum((r.amount.amount for r in order.refunds), ZERO)
        order.refund_return(
            ret,
            units,
            rules,
            actor="cs",
            now=NOW,
            exchange=exchange,
        )
        made = sum((r.amount.amount for r in order.refunds), ZERO) - before
        assert made == value  # credited and paid out together: exactly what the return refunds
        if exchange is not None:
            kept = order.credited_to(exchange[0])
            assert kept == min(exchange[1], value)
            paid_out = [r.amount.amount for r in order.refunds if r.reason == f"return {ret.return_id}"]
            assert sum(paid_out, ZERO) == value - kept
    assert sum((r.amount.amount for r in order.refunds), ZERO) <= order.total.amount


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.integers(1, 9_999), st.integers(1, 4)), min_size=1, max_size=3),
    st.integers(0, 60_000).map(lambda n: D(n) / 100),
    st.booleans(),
)
def test_a_cancelled_replacement_gives_back_only_the_money_the_customer_paid(new_lines, returned_value, paid):
    """A held exchange replacement cancelled (its return given up): of its price, the returned units'
    value was never money (kept as credited), and only a difference the customer paid comes back."""
    price = sum((D(cents) / 100 * q for cents, q in new_lines), ZERO)
    credit = min(price, returned_value)
    paid = paid and price > returned_value  # only a dearer exchange has a difference to pay
    replacement = webshop_order(
        [NewLine(str(i + 1), "SKU", q, eur(str(D(c) / 100))) for i, (c, q) in enumerate(new_lines)],
        Payment("paid", eur(str(price))),
        at=NOW,
        order_id="ord_2",
        external_id="W-1:exc_1_0",
        actor="cs",
    )
    replacement.hold_everything("exchange", actor="cs", now=NOW)
    replacement.cancel_lines(
        [LineCancellation(ln.line_id, ln.open_quantity) for ln in replacement.lines],
        reason="exchange exc_1_0: its return was cancelled",
        actor="cs",
        now=NOW,
        exchange=("exc_1_0", credit if paid else price),
    )
    money = sum((r.amount.amount for r in replacement.refunds if r.executor != Executor.EXCHANGE), ZERO)
    assert money == (price - credit if paid else ZERO)
    assert replacement.credited_to("exc_1_0") + money == price  # every cent of its price accounted for
    assert replacement.status.value == "cancelled"
