"""What an exchange's return does to the exchange, stored with the return's change: all in, the
replacement (held `on_receipt`) is released, or a charge made meanwhile given back for what came back;
all in but short (units missing) or given up (cancelled, expired), a replacement still held is
cancelled and one already sent charged for what did not come back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.domain.orders.lines import LineCancellation
from chalicelib.domain.orders.order import Order
from chalicelib.domain.returns.exchange import EXCHANGE_HOLD, Exchange
from chalicelib.domain.returns.return_ import Return
from chalicelib.domain.workflows import GIVEN_UP
from chalicelib.observability import count
from chalicelib.service import refunds, sourcing
from chalicelib.service.returns import live_policy

if TYPE_CHECKING:
    from chalicelib.service.unit_of_work import Dependencies, UnitOfWork


def commit(
    deps: Dependencies,
    uow: UnitOfWork,
    order: Order,
    ret: Return,
    exchange: Exchange | None,
    *,
    received: bool,
    actor: str,
) -> None:
    """Store the return's change with what it means for its exchange: its last units `received`, the
    exchange's return is in; given up, so is the exchange."""
    if exchange is not None and received and not ret.outstanding and not exchange.received:
        exchange_return_received(deps, uow, order, ret, exchange, actor=actor)
        return
    if exchange is not None and ret.category in GIVEN_UP:
        exchange_return_given_up(deps, uow, order, ret, exchange, actor=actor)
    uow.commit()


def exchange_return_received(
    deps: Dependencies, uow: UnitOfWork, order: Order, ret: Return, exchange: Exchange, *, actor: str
) -> None:
    """The exchange's return is all in (credited as it came). Short of its credit (units missing from
    the parcel), the exchange goes as if the return were given up; else an `on_receipt` replacement
    (paid for) goes now, with the return. A charge its timer made meanwhile is given back, less what
    missing units were worth."""
    covered = order.credited_to(exchange.exchange_id)
    if covered < exchange.credit and exchange.charged is None:
        exchange_return_given_up(deps, uow, order, ret, exchange, actor=actor)
        uow.commit()
        return
    now = deps.now()
    given_back = exchange.return_received(covered=covered, now=now)
    if given_back is not None:
        order.exchange_charge_returned(exchange, given_back, ret, actor=actor, now=now)
    release_if_due(deps, order, ret, exchange, actor=actor, commit=uow.commit)


def exchange_return_given_up(
    deps: Dependencies, uow: UnitOfWork, order: Order, ret: Return, exchange: Exchange, *, actor: str
) -> None:
    """The exchange's return was cancelled or expired before it was all in. A replacement on its way
    (`advance`) is charged now, less what units came back; one still held is cancelled with the
    exchange, only money the customer paid given back (the difference on the replacement, what units
    received were worth on the original). Stored by `uow`'s commit (the caller's), in one transaction."""
    if exchange.settled:
        return
    now = deps.now()
    if exchange.released:
        amount = exchange.charge(covered=order.credited_to(exchange.exchange_id), now=now)
        if amount is not None:
            order.exchange_charged(exchange, amount, actor=actor, now=now)
            count("ExchangesCharged", channel=order.channel)
        return
    replacement = uow.orders.get(exchange.replacement_order_id)
    # Its price was paid by the returned units' value (never money) and, when dearer, the difference.
    never_money = exchange.credit if exchange.paid else exchange.new_price
    refunds.tell_terms(deps, replacement)
    replacement.cancel_lines(
        [LineCancellation(ln.line_id, ln.open_quantity) for ln in replacement.lines if ln.open_quantity],
        reason=f"exchange {exchange.exchange_id}: its return was {ret.status}",
        actor=actor,
        now=now,
        exchange=(exchange.exchange_id, never_money),
    )
    exchange.cancel(now=now)
    order.exchange_cancelled(exchange, ret, actor=actor, now=now)
    count("ExchangesCancelled", channel=order.channel)


def release_if_due(
    deps: Dependencies, order: Order, ret: Return, exchange: Exchange, *, actor: str, commit: Callable[[], None]
) -> None:
    """Release the replacement when the exchange allows it now, in one transaction with the original
    order, the return and the exchange (`commit` stores them when there is nothing to release)."""
    if not exchange.may_release:
        commit()
        return
    _, rules = live_policy(deps)
    now = deps.now()
    exchange.release(charge_due=charge_due(rules.approved_expiry, now), now=now)
    replacement = deps.uow().orders.get(exchange.replacement_order_id)
    sourcing.resource_hold(deps, replacement, EXCHANGE_HOLD, actor=actor, also=[order, ret, exchange])
    count("ExchangesReleased", channel=order.channel)


def charge_due(within: timedelta, now: str) -> datetime:
    """An advance replacement's return should be back within the policy's expiry of approved returns."""
    return datetime.fromisoformat(now) + within
