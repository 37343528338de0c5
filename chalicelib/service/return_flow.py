"""What changes a return: asking for it (`POST /orders/{id}/returns`: the live policy approves or
declines it), its events (`POST /returns/{id}/events`) and its expiry timer. Each is one Query of the
order's partition (the order and its returns) and one transaction: the return, the order's ledger,
the stock its restocked units add, the refund the policy's timing asks for now, and the events.
The return of an exchange (`exchanges.py` asks for it here) refunds only what its value exceeds the
new items by, and its last units received release the exchange's replacement in the same transaction;
given up (cancelled, expired), it cancels a replacement still held, or charges one already sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Conflict, Forbidden, expect_version
from chalicelib.domain.network import Location
from chalicelib.domain.orders.order import Order
from chalicelib.domain.returns.policy import ReturnLine, ReturnPolicy, check_destination, quote_return
from chalicelib.domain.returns.refund import RefundQuote, ShippingRefund
from chalicelib.domain.returns.return_ import Disposition, Return, ReturnItem
from chalicelib.domain.workflows import Definition, Entity, Timer, allowed_events, bind, is_current
from chalicelib.domain.workflows.defaults import RETURN_EXPIRY_EVENT
from chalicelib.observability import count
from chalicelib.service import exchange_settlement as settlement
from chalicelib.service import idempotency, ids, refunds
from chalicelib.service.returns import answer_of, live_policy, quote_parts

if TYPE_CHECKING:
    from chalicelib.contracts import api
    from chalicelib.service.unit_of_work import Dependencies

    Cmd = TypeVar("Cmd")
    Creates: TypeAlias = Callable[[Dependencies, str, Cmd, Principal], idempotency.Answer]

EXPIRY_TIMER = "approved_expiry"
# A partially received return whose rest is not in within the policy's approvedExpiry of its last
# receipt: the rest is received as missing (not refunded), so the return, and any exchange, can end.
REST_TIMER = "rest_missing"
RECEIVE = "receive"
COMPLETE = "complete"  # sent by the OMS as soon as the return's workflow allows it


def asked_on_order(kind: str) -> Callable[[Creates[Cmd]], Callable[..., idempotency.Answer]]:
    """Makes what creates a return, an exchange or a claim the use case of `POST /orders/{id}/<kind>`: the
    roles that may ask, and each Idempotency-Key (scoped by caller, order and kind) running it once."""

    def decorate(work: Creates[Cmd]) -> Callable[..., idempotency.Answer]:
        @functools.wraps(work)
        def create(
            deps: Dependencies,
            order_id: str,
            cmd: Cmd,
            principal: Principal,
            *,
            idempotency_key: str | None = None,
            raw_body: Any = None,
        ) -> idempotency.Answer:
            principal.require("admin", "cs", "channel", "store")
            scope = f"{principal.role}:POST /orders/{order_id}/{kind}"
            return idempotency.once(scope, idempotency_key, raw_body, lambda: work(deps, order_id, cmd, principal))

        return create

    return decorate


@asked_on_order("returns")
def create(deps: Dependencies, order_id: str, cmd: api.CreateReturn, principal: Principal) -> idempotency.Answer:
    """A return asked for (once per Idempotency-Key): approved (its units expected back, its expiry
    timer set) or declined with the policy's reasons; handed in at a counter (`receivedAt`), it is
    received at once."""
    uow = deps.uow()
    order, existing = uow.returns.of_order(order_id)
    version, rules = live_policy(deps)
    asked = authorize(
        deps, order, len(existing), cmd, principal, rules=rules, lines=cmd.lines, refund_method=cmd.refund_method
    )
    walk_in = asked.at_counter
    ret = asked.ret
    if cmd.tracking is not None:
        ret.tracking = cmd.tracking.model_dump(exclude_none=True)
    if walk_in and not asked.refused:
        receive_at_counter(deps, order, ret, cmd.lines, rules=rules, actor=principal.actor)
    uow.add(ret)
    uow.commit()
    count("ReturnsRequested", outcome="declined" if asked.refused else "received" if walk_in else "approved")
    return 201, {**answer_of(deps, order, ret), "quote": asked.quote, "policyVersion": version}


@dataclass(frozen=True, slots=True)
class Asked:
    """A new return as the policy answered it: approved or declined (`refused`: why), and its quote."""

    ret: Return
    refund: RefundQuote
    quote: dict[str, dict[str, str]]
    refused: list[str]
    at_counter: bool  # handed in where it goes (`receivedAt`), not only expected there (`returnTo`)


def authorize(
    deps: Dependencies,
    order: Order,
    existing: int,
    cmd: api.CreateReturn | api.CreateExchange,
    principal: Principal,
    *,
    rules: ReturnPolicy,
    lines: Sequence[api.NewReturnLine],
    refund_method: str = "original",
) -> Asked:
    """A new return of `lines` of `order` to the location `cmd` names (`receivedAt`: handed in there now),
    approved or declined by `rules`, on the order's ledger; not received yet, not stored yet."""
    place = cmd.received_at or cmd.return_to
    assert place is not None  # the contract asks for exactly one of them
    where, walk_in = place.location_id, cmd.received_at is not None
    if principal.kind == "store" and where != principal.scope:
        raise Forbidden(f"a {principal.role} token takes returns at its own store only")
    if principal.kind == "channel" and order.channel != principal.scope:
        raise Forbidden(f"order {order.order_id} is not of channel {principal.scope}")
    location = deps.network().location(where)
    now, actor = deps.now(), principal.actor
    check_destination(order, location.location_id, location.type.value, rules, "receivedAt" if walk_in else "returnTo")
    refunds.tell_terms(deps, order, at_counter=walk_in and location.type.value == "store")
    answer = quote_return(
        order,
        [ReturnLine(ln.line_id, ln.quantity, ln.reason) for ln in lines],
        location_id=location.location_id,
        location_type=location.type.value,
        policy=rules,
        now=datetime.fromisoformat(now),
    )
    pinned_version, section = deps.workflows()
    definition = bind(section, Entity.RETURN, channel=order.channel, location_type=location.type.value)
    ret = Return.begin(
        definition,
        pinned_version,
        now=now,
        return_id=ids.return_id(order.order_id, existing),
        order_id=order.order_id,
        channel=order.channel,
        return_to=where,
        lines=[
            ReturnItem(v.line.line_id, v.sku, v.line.quantity, v.line.reason, v.merchant_fault) for v in answer.verdicts
        ],
        created_by=actor,
        refund_method=refund_method,
        refund_timing=rules.refund_timing,
    )
    refused = [v.refused for v in answer.verdicts if v.refused is not None]
    quote = quote_parts(answer.refund, order.payment.amount.currency)
    if refused:
        ret.reasons = refused
        _move(order, ret, definition, "decline", actor=actor, now=now, reason="; ".join(refused))
    else:
        _move(order, ret, definition, "approve", actor=actor, now=now, rules=rules, quote=quote["total"])
    return Asked(ret, answer.refund, quote, refused, walk_in)


def receive_at_counter(
    deps: Dependencies,
    order: Order,
    ret: Return,
    lines: Sequence[api.NewReturnLine],
    *,
    rules: ReturnPolicy,
    actor: str,
) -> None:
    """An approved return handed in at its store's counter: received there at once, each line with
    its disposition."""
    definition = deps.workflow(ret.workflow, ret.workflow_version)
    dispositions = [(ln.line_id, ln.quantity, Disposition(ln.disposition)) for ln in lines]
    location = deps.network().location(ret.return_to)
    _receive(order, ret, definition, dispositions, location=location, rules=rules, actor=actor, now=deps.now())


def handle_event(
    deps: Dependencies, return_id: str, cmd: api.ReturnEventIn, principal: Principal, *, if_match: int | None
) -> dict[str, Any]:
    """A return's event under the workflow it is pinned to; `receive` at a location the policy allows
    (a store or DC token: its own), each line with its disposition (all expected units, restocked,
    when none are named)."""
    principal.require("admin", "ops", "cs", "channel", "store", "dc")
    uow = deps.uow()
    order, ret, exchange = uow.returns.with_exchange(return_id)
    _may_send(principal, ret, cmd)
    expect_version(f"return {return_id}", ret.version, if_match)
    definition = deps.workflow(ret.workflow, ret.workflow_version)
    _, rules = live_policy(deps)
    now, actor = deps.now(), principal.actor
    if cmd.type == RECEIVE:
        scoped = principal.scope if principal.kind in ("store", "dc") else None
        location = deps.network().location(cmd.location_id or scoped or ret.location_id)
        lines = [(ln.line_id, ln.quantity, Disposition(ln.disposition)) for ln in cmd.lines or []]
        expected = lines or ret.everything_expected(Disposition.RESTOCK)
        refunds.tell_terms(deps, order, at_counter=location.type.value == "store")
        _receive(order, ret, definition, expected, location=location, rules=rules, actor=actor, now=now)
    else:
        refunds.tell_terms(deps, order)
        if cmd.tracking is not None:
            ret.tracking = cmd.tracking.model_dump(exclude_none=True)
        _move(order, ret, definition, cmd.type, actor=actor, now=now, rules=rules, reason=cmd.reason)
    settlement.commit(deps, uow, order, ret, exchange, received=cmd.type == RECEIVE, actor=actor)
    return answer_of(deps, order, ret)


def expire_due(deps: Dependencies, return_id: str) -> int:
    """Fire the first timer due on a return (the schedule's); one whose return has moved on since it
    was set is dropped unheard."""
    stamp = deps.now()
    uow = deps.uow()
    order, ret, exchange = uow.returns.with_exchange(return_id)
    timer = next((t for t in sorted(ret.timers, key=lambda t: t.due) if t.due <= datetime.fromisoformat(stamp)), None)
    if timer is None:
        return 0  # the index lagged behind a change that cancelled it
    ret.drop_timer(timer.name, now=stamp)
    heard = is_current(timer, ret.position)
    actor = f"timer:{timer.name}"
    if heard:
        try:
            definition = deps.workflow(ret.workflow, ret.workflow_version)
            if timer.name == REST_TIMER:
                _, rules = live_policy(deps)
                refunds.tell_terms(deps, order)
                rest = ret.everything_expected(Disposition.MISSING)
                location = deps.network().location(ret.location_id)
                _receive(order, ret, definition, rest, location=location, rules=rules, actor=actor, now=stamp)
            else:
                _move(order, ret, definition, timer.event, actor=actor, now=stamp)
        except Conflict:
            heard = False  # nothing there takes it now
    settle = exchange if heard else None
    settlement.commit(deps, uow, order, ret, settle, received=timer.name == REST_TIMER, actor=actor)
    if heard:
        count("ReturnTimersFired", timer=timer.name)
    else:
        count("WorkflowTimersIgnored", timer=timer.name)
    return int(heard)


def _may_send(principal: Principal, ret: Return, cmd: api.ReturnEventIn) -> None:
    """Stores and DCs act on returns at their own location; a channel ships or cancels its own."""
    if principal.kind == "channel":
        if ret.channel != principal.scope or cmd.type not in ("ship", "cancel"):
            raise Forbidden(f"a {principal.role} token may not send {cmd.type} to return {ret.return_id}")
    elif principal.kind in ("store", "dc"):
        here = cmd.location_id or principal.scope
        if here != principal.scope or (cmd.type != "receive" and ret.location_id != principal.scope):
            raise Forbidden(f"return {ret.return_id} is not {principal.scope}'s to handle")


def _receive(
    order: Order,
    ret: Return,
    definition: Definition,
    lines: list[tuple[str, int, Disposition]],
    *,
    location: Location,
    rules: ReturnPolicy,
    actor: str,
    now: str,
) -> None:
    """Units handed in where the policy lets them come back: the return, its order's ledger and the
    stock there; refunded now when the policy refunds on receipt."""
    check_destination(order, location.location_id, location.type.value, rules, "locationId")
    receipts = ret.receive(lines, location_id=location.location_id, now=now)
    ret.move(definition, "receive", ret.context(order.order_facts(), {"type": "receive"}), now=now)
    order.return_received(ret, receipts, actor=actor, now=now)
    if ret.refund_timing == "on_receipt":
        _refund(order, ret, rules, actor=actor, now=now)
    if ret.outstanding and RECEIVE in allowed_events(definition, ret.status, ret.context(order.order_facts(), {})):
        due = datetime.fromisoformat(now) + rules.approved_expiry
        ret.set_timer(Timer(REST_TIMER, due, RECEIVE, ret.status, ret.entry))
    _complete_if_allowed(order, ret, definition, actor=actor, now=now)


def _move(
    order: Order,
    ret: Return,
    definition: Definition,
    event: str,
    *,
    actor: str,
    now: str,
    rules: ReturnPolicy | None = None,
    reason: str | None = None,
    quote: dict[str, str] | None = None,
) -> None:
    """Any event but a receipt: the workflow moves the return, the order records it; approving sets
    the expiry timer (when the workflow takes it), and the policy's timing may refund."""
    result = ret.move(definition, event, ret.context(order.order_facts(), {"type": event}), now=now)
    if event == "approve" and not ret.authorized:
        order.return_authorized(ret, actor=actor, now=now, total=quote or {})
        context = ret.context(order.order_facts(), {})
        if rules is not None and RETURN_EXPIRY_EVENT in allowed_events(definition, ret.status, context):
            due = datetime.fromisoformat(now) + rules.approved_expiry
            ret.set_timer(Timer(EXPIRY_TIMER, due, RETURN_EXPIRY_EVENT, ret.status, ret.entry))
    else:
        order.return_moved(ret, result, actor=actor, now=now, reason=reason)
    timing = {"approve": "on_request", "inspect": "on_inspection"}.get(event)
    if rules is not None and timing is not None and ret.refund_timing == timing:
        _refund(order, ret, rules, actor=actor, now=now)
    if event != COMPLETE:
        _complete_if_allowed(order, ret, definition, actor=actor, now=now)


def _refund(order: Order, ret: Return, rules: ReturnPolicy, *, actor: str, now: str) -> None:
    units = ret.to_refund(received_only=ret.refund_timing != "on_request")
    exchange = None
    if ret.exchange_id is not None:  # its value goes to the new items first; an exchange refunds no shipping
        rules = exchange_rules(rules)
        exchange = (ret.exchange_id, ret.exchange_credit - order.credited_to(ret.exchange_id))
    order.refund_return(ret, units, rules.refund, actor=actor, now=now, exchange=exchange)


def exchange_rules(rules: ReturnPolicy) -> ReturnPolicy:
    """The return policy for an exchange's return: the customer keeps goods, so no shipping comes back;
    its value goes to the new items as units are back: never on request (the customer would be paid
    before returning anything, and keep the new items too: `advance` is the way to send first), nor
    only on inspection (the replacement goes on receipt, and what came back decides it then)."""
    return replace(rules, refund=replace(rules.refund, shipping=ShippingRefund.NEVER), refund_timing="on_receipt")


def _complete_if_allowed(order: Order, ret: Return, definition: Definition, *, actor: str, now: str) -> None:
    if COMPLETE in allowed_events(definition, ret.status, ret.context(order.order_facts(), {})):
        _move(order, ret, definition, COMPLETE, actor=actor, now=now)
