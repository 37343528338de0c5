"""The return policy, and what it says of a return asked for: which lines may come back, why not,
and what the return would refund. Pure: the service gives it the order, the place and the time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.domain.errors import Invalid, error_at
from chalicelib.domain.orders.state import OrderState
from chalicelib.domain.returns.refund import ZERO, RefundQuote, RefundRules, RefundStep, StepKind, refund_for
from chalicelib.domain.workflows import Category


@dataclass(frozen=True, slots=True)
class ReturnPolicy:
    """The `returns` section as the domain takes it."""

    window_days: int = 30
    window_days_by_channel: Mapping[str, int] = field(default_factory=dict)
    location_types: frozenset[str] = frozenset({"dc", "store"})
    buying_store_only: bool = False
    non_returnable_skus: frozenset[str] = frozenset()
    reasons: Mapping[str, bool] = field(default_factory=dict)  # code -> the merchant's fault
    refund: RefundRules = field(default_factory=RefundRules)
    refund_timing: str = "on_receipt"
    approved_expiry: timedelta = timedelta(days=30)  # an approved return not received by then expires
    exchange_mode: str = "on_receipt"  # when an exchange's replacement is released: advance or on_receipt


@dataclass(frozen=True, slots=True)
class ReturnLine:
    line_id: str
    quantity: int
    reason: str


@dataclass(frozen=True, slots=True)
class LineVerdict:
    line: ReturnLine
    sku: str
    merchant_fault: bool
    refused: str | None  # why it may not come back; None: it may


@dataclass(frozen=True, slots=True)
class ReturnQuote:
    verdicts: tuple[LineVerdict, ...]
    refund: RefundQuote


def quote_return(
    order: OrderState,
    lines: Sequence[ReturnLine],
    *,
    location_id: str,
    location_type: str,
    policy: ReturnPolicy,
    now: datetime,
) -> ReturnQuote:
    """What the policy says of returning `lines` of `order` to a location now. Where they may not go,
    or an unknown line or reason, is a 422; a line that may not come back is answered, with why."""
    check_destination(order, location_id, location_type, policy)
    unknown = [
        error_at(["lines", i, "reason"], f"one of {', '.join(sorted(policy.reasons))}")
        for i, ln in enumerate(lines)
        if ln.reason not in policy.reasons
    ]
    if unknown:
        raise Invalid("unknown return reason", errors=unknown)
    asked: dict[str, int] = {}
    verdicts: list[LineVerdict] = []
    for ln in lines:
        asked[ln.line_id] = asked.get(ln.line_id, 0) + ln.quantity
        line = order.line(ln.line_id)
        why = _refused(order, ln.line_id, asked[ln.line_id], policy, now)
        verdicts.append(LineVerdict(ln, line.sku, policy.reasons[ln.reason], why))
    accepted = [v for v in verdicts if v.refused is None]
    if not accepted:
        return ReturnQuote(tuple(verdicts), RefundQuote((), ZERO, ZERO, ZERO))
    # One trip back: the merchant's fault for any of its lines waives the return's fees.
    step = RefundStep(
        StepKind.RETURN,
        tuple((v.line.line_id, v.line.quantity) for v in accepted),
        merchant_fault=any(v.merchant_fault for v in accepted),
    )
    return ReturnQuote(tuple(verdicts), refund_for(order.ledger(), step, policy.refund))


def check_destination(
    order: OrderState, location_id: str, location_type: str, policy: ReturnPolicy, where: str = "returnTo"
) -> None:
    """A 422 unless the policy lets the order's units come back to this location (`where`: the field)."""
    where_ = [where, "locationId"]
    if location_type not in policy.location_types:
        allowed = ", ".join(sorted(policy.location_types))
        raise Invalid(f"returns go to {allowed}, not to a {location_type}", errors=[error_at(where_, location_type)])
    if policy.buying_store_only and location_type == "store" and location_id != order.store_id:
        raise Invalid(
            f"a store takes back only what it sold: {location_id} did not sell order {order.order_id}",
            errors=[error_at(where_, "not the buying store")],
        )


def _refused(order: OrderState, line_id: str, quantity: int, policy: ReturnPolicy, now: datetime) -> str | None:
    """Why `quantity` units of a line (with what this return asks of it already) may not come back."""
    line = order.line(line_id)
    if line.sku in policy.non_returnable_skus:
        return f"{line.sku} is not returnable"
    days = policy.window_days_by_channel.get(order.channel, policy.window_days)
    since = _delivered_at(order, line_id)
    if now > since + timedelta(days=days):
        return f"the return window of {days} days from {since.date().isoformat()} has closed"
    left = order.with_customer(line)
    if quantity > left:
        return f"{left} units of line {line_id} can be returned (sent to the customer, not yet returned)"
    return None


def _delivered_at(order: OrderState, line_id: str) -> datetime:
    """When the window opens: the line's last delivery or collection, else when it was ordered."""
    done = [
        fo.updated_at
        for a in order.line(line_id).allocations
        if (fo := order.fulfilment_order(a.fulfilment_order_id)).category is Category.DONE
    ]
    return datetime.fromisoformat(max(done, default=order.placed_at))
