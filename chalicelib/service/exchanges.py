"""Exchanges: a return and a linked replacement order, written in one transaction with the original
order's ledger (`POST /orders/{id}/exchanges`), the customer's payment of a positive difference
(`POST /exchanges/{id}/events`), the return's receipt releasing an `on_receipt` replacement (from
`return_flow`), and an `advance` exchange charged when its return did not come back in time (a timer).

The replacement order is a new order of the same channel and customer, its lines held
(`EXCHANGE_HOLD`) until the exchange releases it; released, it is sourced under the live rules like
any order (`ship_from` names the location that must send it; at a store's counter it is carried out
there at once).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.orders_repo import order_view, public_view
from chalicelib.adapters.returns_repo import exchange_to_item
from chalicelib.domain.access import Principal
from chalicelib.domain.delivery import Delivery, DeliveryMethod
from chalicelib.domain.errors import Conflict, Forbidden, Invalid, error_at
from chalicelib.domain.money import Money
from chalicelib.domain.orders.ledger import unit_amounts
from chalicelib.domain.orders.lines import NewLine
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.state import Payment
from chalicelib.domain.returns.exchange import EXCHANGE_HOLD, Exchange, ExchangeMode
from chalicelib.observability import count
from chalicelib.service import exchange_settlement as settlement
from chalicelib.service import idempotency, ids, return_flow, sourcing
from chalicelib.service.orders import delivery_of
from chalicelib.service.returns import live_policy

if TYPE_CHECKING:
    from chalicelib.contracts import api
    from chalicelib.service.unit_of_work import Dependencies

ACTOR = "timer:exchange_charge"


@return_flow.asked_on_order("exchanges")
def create(deps: Dependencies, order_id: str, cmd: api.CreateExchange, principal: Principal) -> idempotency.Answer:
    """An exchange asked for (once per Idempotency-Key): its return approved by the live policy (a
    declined one is a 409 with the policy's reasons, and nothing is written), its replacement order
    held or released, and the exchange, all in one transaction."""
    uow = deps.uow()
    order, returns, exchanges = uow.returns.partition(order_id)
    _, policy = live_policy(deps)
    rules = return_flow.exchange_rules(policy)
    asked = return_flow.authorize(deps, order, len(returns), cmd, principal, rules=rules, lines=cmd.return_lines)
    at_counter = asked.at_counter
    if asked.refused:
        raise Conflict(
            f"the return policy declines this exchange's return: {'; '.join(asked.refused)}", reasons=asked.refused
        )
    ret, now, actor = asked.ret, deps.now(), principal.actor
    currency = order.payment.amount.currency
    new_lines = _priced(order, cmd, currency)
    mode = ExchangeMode(cmd.mode or policy.exchange_mode)
    exchange = Exchange(
        exchange_id=ids.exchange_id(order_id, len(exchanges)),
        order_id=order_id,
        channel=order.channel,
        return_id=ret.return_id,
        replacement_order_id=ids.new_id("ord"),
        mode=mode,
        new_price=sum((ln.unit_price.amount * ln.quantity for ln in new_lines), Decimal("0.00")),
        returned_value=asked.refund.total,
        currency=currency,
        created_at=now,
        updated_at=now,
        created_by=actor,
    )
    ret.exchange_id, ret.exchange_credit = exchange.exchange_id, exchange.credit
    delivery = _replacement_delivery(order, cmd, at_counter)
    order.exchange_created(exchange, received_at=ret.return_to if at_counter else None, actor=actor, now=now)
    if at_counter:
        return_flow.receive_at_counter(deps, order, ret, cmd.return_lines, rules=rules, actor=actor)
        exchange.return_received(covered=order.credited_to(exchange.exchange_id), now=now)

    def build() -> Order:
        return Order.place(
            order_id=exchange.replacement_order_id,
            channel=order.channel,
            external_id=ids.replacement_external_id(order.external_id, exchange.exchange_id),
            customer=order.customer,
            placed_at=now,
            # Paid by the returned units' value and, when dearer, the difference (the exchange's to collect).
            payment=Payment("paid", Money(exchange.new_price, currency)),
            lines=new_lines,
            delivery=delivery,
            store_id=ret.return_to if at_counter else None,
            actor=actor,
            now=now,
        )

    if exchange.may_release:
        exchange.release(charge_due=settlement.charge_due(policy.approved_expiry, now), now=now)
        sourcing.place(deps, build, actor=actor, also=[order, ret, exchange])
    else:
        replacement = build()
        replacement.hold_everything(EXCHANGE_HOLD, actor=actor, now=now)
        for aggregate in (replacement, ret, exchange):
            uow.add(aggregate)
        uow.commit()
    count("ExchangesCreated", channel=order.channel, mode=mode.value)
    return 201, exchange_view(exchange)


def get_exchange(deps: Dependencies, exchange_id: str, principal: Principal) -> dict[str, Any]:
    """One exchange (one Query of its order's partition); a channel reads its own orders' exchanges."""
    principal.require("admin", "ops", "cs", "channel", "store")
    order, _, exchange = deps.uow().returns.exchange(exchange_id)
    principal.may_see_order(order_view(order))
    return exchange_view(exchange)


def handle_event(deps: Dependencies, exchange_id: str, cmd: api.ExchangeEventIn, principal: Principal) -> Any:
    """`paid`: the customer paid the difference; the replacement is released when its mode allows."""
    principal.require("admin", "cs", "channel", "store")
    uow = deps.uow()
    order, ret, exchange = uow.returns.exchange(exchange_id)
    if principal.kind == "channel" and order.channel != principal.scope:
        raise Forbidden(f"exchange {exchange_id} is not of channel {principal.scope}")
    now = deps.now()
    exchange.pay(now=now)
    settlement.release_if_due(deps, order, ret, exchange, actor=principal.actor, commit=uow.commit)
    count("ExchangesPaid", channel=order.channel)
    return exchange_view(exchange)


def charge_due(deps: Dependencies, exchange_id: str) -> int:
    """An advance exchange's timer: its return has not come back, so its value is charged (once)."""
    uow = deps.uow()
    order, _, exchange = uow.returns.exchange(exchange_id)
    now = deps.now()
    if exchange.charge_due is None or exchange.charge_due > datetime.fromisoformat(now):
        return 0  # the index lagged behind a receipt that stopped it
    amount = exchange.charge(covered=order.credited_to(exchange.exchange_id), now=now)
    if amount is not None:
        order.exchange_charged(exchange, amount, actor=ACTOR, now=now)
    uow.commit()
    if amount is not None:
        count("ExchangesCharged", channel=order.channel)
    return int(amount is not None)


def exchange_view(exchange: Exchange) -> dict[str, Any]:
    return public_view(exchange_to_item(exchange))


def _priced(order: Order, cmd: api.CreateExchange, currency: str) -> list[NewLine]:
    """The replacement's lines: each at its given price, else at what a unit of the returned line of
    the same SKU was paid (422 when there is none to go by)."""
    paid_for = {}
    for returned in cmd.return_lines:
        line = order.line(returned.line_id)
        paid_for[line.sku] = unit_amounts(line.paid, line.quantity)[0]
    errors, lines = [], []
    for i, new in enumerate(cmd.new_lines):
        if new.unit_price is not None:
            price = Money(new.unit_price.decimal, new.unit_price.currency)
        elif new.sku in paid_for:
            price = Money(paid_for[new.sku], currency)
        else:
            errors.append(error_at(["newLines", i, "unitPrice"], f"{new.sku} is not returned: name its price"))
            continue
        lines.append(NewLine(str(i + 1), new.sku, new.quantity, price, ship_from=cmd.ship_from))
    if errors:
        raise Invalid("the exchange's new lines are not valid", errors=errors)
    return lines


def _replacement_delivery(order: Order, cmd: api.CreateExchange, at_counter: bool) -> Delivery:
    """As asked; else carried out at the counter it was exchanged at (unless another location sends
    it), else as the original was delivered."""
    delivery = delivery_of(cmd.delivery)
    if delivery is None and at_counter and cmd.ship_from is None and cmd.received_at is not None:
        delivery = Delivery(DeliveryMethod.CARRY_OUT, location_id=cmd.received_at.location_id)
    delivery = delivery or order.delivery
    if delivery is None:
        raise Invalid(
            f"order {order.order_id} names no delivery to send the replacement by",
            errors=[error_at(["delivery"], "required: how the replacement reaches the customer")],
        )
    return delivery
