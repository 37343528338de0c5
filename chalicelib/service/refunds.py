"""Refunds paid out: who pays an order's refunds (told to the order before a change that may refund),
and the payment side's answer (`POST /refunds/{refundId}/events`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.access import Principal
from chalicelib.domain.errors import NotFound, expect_version
from chalicelib.domain.orders.refunds import MARKETPLACES, RefundTerms
from chalicelib.domain.orders.state import OrderState
from chalicelib.service import ids, workflows

if TYPE_CHECKING:
    from chalicelib.contracts import api
    from chalicelib.service.unit_of_work import Dependencies


def tell_terms(deps: Dependencies, order: OrderState, *, at_counter: bool = False, by_channel: bool = False) -> None:
    """Tell `order` who pays the refunds this change makes: a marketplace channel pays its own, and
    any channel what it refunded itself (`by_channel`); a change `at_counter` may pay over a till."""
    channel = deps.network().channels.get(order.channel)
    order.refund_terms = RefundTerms(by_channel or (channel is not None and channel.type in MARKETPLACES), at_counter)


def handle_event(
    deps: Dependencies, refund_id: str, cmd: api.RefundEventIn, principal: Principal, *, if_match: int | None
) -> dict[str, Any]:
    """The payment side's answer on a refund: one read of its order's partition (its id names the
    order), one transaction with the order and the task a last failure opens; `if_match`: the order's
    version the caller saw."""
    principal.require("admin", "ops", "cs")
    order_id = ids.order_of_refund(refund_id)
    if order_id is None:
        raise NotFound(f"no refund {refund_id}: a refund's id names its order (ref_<order>_<n>)")
    uow = deps.uow()
    order = uow.orders.get(order_id)
    expect_version(f"order {order_id}", order.version, if_match)
    order.refund_answered(
        refund_id,
        cmd.type,
        reference=cmd.reference,
        reason=cmd.reason,
        actor=principal.actor,
        now=deps.now(),
        new_task_id=lambda: ids.new_id("task"),
    )
    uow.commit()
    return workflows.order_answer(deps, order)
