"""Return use cases that write nothing: the quote (`POST /returns/quote`: read the order, the network
and the live `returns` section, ask the domain), one return, a location's returns to handle. What
changes a return is in `return_flow`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import keys
from chalicelib.adapters.orders_repo import order_view
from chalicelib.adapters.returns_repo import return_to_item, return_view
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.money import Money
from chalicelib.domain.returns.policy import ReturnLine, ReturnPolicy, quote_return
from chalicelib.domain.returns.refund import RefundQuote, RefundRules, ShippingRefund
from chalicelib.domain.returns.return_ import Return, ReturnStatus
from chalicelib.domain.workflows import Entity, allowed_events, parse_duration
from chalicelib.domain.workflows.defaults import RETURN_EXPIRY_EVENT
from chalicelib.service import config, listing

if TYPE_CHECKING:
    from chalicelib.contracts import api
    from chalicelib.contracts.config import ReturnsConfig
    from chalicelib.domain.orders.order import Order
    from chalicelib.service.unit_of_work import Dependencies


def live_policy(deps: Dependencies) -> tuple[int, ReturnPolicy]:
    """The live `returns` section (cached) as the domain takes it, and its version."""
    from chalicelib.contracts.config import ReturnsConfig

    version, section = config.active_version(deps.table, "returns")
    assert isinstance(section, ReturnsConfig)  # what the name "returns" holds
    return version, return_policy(section)


def return_policy(section: ReturnsConfig) -> ReturnPolicy:
    """The `returns` section as the domain takes it."""
    return ReturnPolicy(
        window_days=section.window_days,
        window_days_by_channel=dict(section.window_days_by_channel),
        location_types=frozenset(section.return_location_types),
        buying_store_only=section.buying_store_only,
        non_returnable_skus=frozenset(section.non_returnable_skus),
        reasons={r.code: r.merchant_fault for r in section.reasons},
        refund=RefundRules(
            ShippingRefund(section.shipping_refund),
            restocking_fee=Decimal(section.restocking_fee),
            return_shipping_fee=Decimal(section.return_shipping_fee),
        ),
        refund_timing=section.refund_timing,
        approved_expiry=parse_duration(section.approved_expiry),
        exchange_mode=section.exchange_mode,
    )


def quote(deps: Dependencies, cmd: api.QuoteReturn, principal: Principal) -> dict[str, Any]:
    from chalicelib.contracts.config import ReturnsConfig

    principal.require("admin", "cs", "channel", "store")
    if principal.kind == "store" and cmd.return_to.location_id != principal.scope:
        raise Forbidden(f"a {principal.role} token quotes returns to its own store only")
    order = deps.uow().orders.get(cmd.order_id)
    principal.may_see_order(order_view(order))
    location = deps.network().location(cmd.return_to.location_id)
    version, section = config.active_version(deps.table, "returns")
    assert isinstance(section, ReturnsConfig)  # what the name "returns" holds
    answer = quote_return(
        order,
        [ReturnLine(ln.line_id, ln.quantity, ln.reason) for ln in cmd.lines],
        location_id=location.location_id,
        location_type=location.type.value,
        policy=return_policy(section),
        now=datetime.fromisoformat(deps.now()),
    )
    currency = order.payment.amount.currency

    def money(amount: Decimal) -> dict[str, str]:
        return Money(amount, currency).as_dict()

    refunds = {r.line_id: r for r in answer.refund.lines}
    lines = []
    for v in answer.verdicts:
        part = refunds.get(v.line.line_id) if v.refused is None else None
        lines.append(
            {
                "lineId": v.line.line_id,
                "sku": v.sku,
                "quantity": v.line.quantity,
                "reason": v.line.reason,
                "merchantFault": v.merchant_fault,
                "returnable": v.refused is None,
                **({"notReturnable": v.refused} if v.refused else {}),
                **({"refund": {"items": money(part.goods), "fees": money(part.fees)}} if part else {}),
            }
        )
    return {
        "orderId": order.order_id,
        "orderVersion": order.version,
        "returnable": all(v.refused is None for v in answer.verdicts),
        "lines": lines,
        "quote": quote_parts(answer.refund, currency),
        "refundMethod": cmd.refund_method,
        "refundTiming": section.refund_timing,
        "policyVersion": version,
    }


def quote_parts(refund: RefundQuote, currency: str) -> dict[str, dict[str, str]]:
    """What a refund is made of, as the API shows it: items + shipping - fees = total."""
    parts = (("items", refund.goods), ("shipping", refund.shipping), ("fees", refund.fees), ("total", refund.total))
    return {name: Money(amount, currency).as_dict() for name, amount in parts}


def get_return(deps: Dependencies, return_id: str, principal: Principal) -> dict[str, Any]:
    """One return (one GetItem); a channel reads its own orders' returns, a DC those at its location."""
    uow = deps.uow()
    ret = uow.returns.get(return_id)
    if (principal.kind == "channel" and ret.channel != principal.scope) or (
        principal.kind == "dc" and ret.location_id != principal.scope
    ):
        raise Forbidden(f"return {return_id} is not visible to {principal.role}")
    return answer_of(deps, uow.orders.get(ret.order_id), ret)


# A location's returns in one status (default approved: on their way to it), oldest first.
returns_at = listing.LocationQueue(
    keys.RETURNS_AT.pk, ReturnStatus.APPROVED, Entity.RETURN, sees="sees the returns of", view=return_view
)


def answer_of(deps: Dependencies, order: Order, ret: Return) -> dict[str, Any]:
    """The return as the API shows it, with the events its workflow allows now."""
    definition = deps.workflow(ret.workflow, ret.workflow_version)
    allowed = allowed_events(definition, ret.status, ret.context(order.order_facts(), {}))
    return {**return_view(return_to_item(ret)), "allowedEvents": [e for e in allowed if e != RETURN_EXPIRY_EVENT]}
