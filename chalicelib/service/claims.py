"""Claims (`POST /orders/{id}/claims`): units damaged, missing or wrong; no goods come back. One read
of the order's partition and one transaction: the claim, the order's ledger (written off), the refund
through the one refund function (a marketplace refunds its own customer: never the OMS) or a linked
replacement order at no charge, sourced under the live rules."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.orders_repo import order_view, public_view
from chalicelib.adapters.returns_repo import claim_to_item
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Invalid, error_at
from chalicelib.domain.money import Money
from chalicelib.domain.orders.lines import NewLine
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.state import Payment
from chalicelib.domain.returns.claim import Claim, ClaimKind, ClaimLine, Resolution
from chalicelib.observability import count
from chalicelib.service import idempotency, ids, refunds, return_flow, sourcing
from chalicelib.service.orders import delivery_of
from chalicelib.service.returns import live_policy

if TYPE_CHECKING:
    from chalicelib.contracts import api
    from chalicelib.service.unit_of_work import Dependencies


@return_flow.asked_on_order("claims")
def create(deps: Dependencies, order_id: str, cmd: api.CreateClaim, principal: Principal) -> idempotency.Answer:
    """A claim (once per Idempotency-Key): refunded, or replaced at no charge."""
    uow = deps.uow()
    order, claims = uow.returns.claims_of(order_id)
    principal.may_change_order(order_view(order))
    _, policy = live_policy(deps)
    now, actor = deps.now(), principal.actor
    resolution = Resolution(cmd.resolution)
    claim = Claim(
        claim_id=ids.claim_id(order_id, len(claims)),
        order_id=order_id,
        channel=order.channel,
        lines=tuple(
            ClaimLine(ln.line_id, order.line(ln.line_id).sku, ln.quantity, ClaimKind(ln.kind)) for ln in cmd.lines
        ),
        resolution=resolution,
        created_at=now,
        created_by=actor,
        replacement_order_id=ids.new_id("ord") if resolution is Resolution.REPLACE else None,
    )
    delivery = delivery_of(cmd.delivery) or order.delivery
    if resolution is Resolution.REPLACE and delivery is None and order.store_id is None:
        raise Invalid("name the delivery of the replacement", errors=[error_at(["delivery"], "required")])
    refunds.tell_terms(deps, order)
    order.claim(claim, policy.refund, actor=actor, now=now)
    if claim.replacement_order_id is None:
        uow.add(claim)
        uow.commit()
    else:
        replacement_id = claim.replacement_order_id
        free = Money(Decimal("0.00"), order.payment.amount.currency)

        def build() -> Order:
            return Order.place(
                order_id=replacement_id,
                channel=order.channel,
                external_id=ids.replacement_external_id(order.external_id, claim.claim_id),
                customer=order.customer,
                placed_at=now,
                payment=Payment("paid", free),
                lines=[NewLine(str(i + 1), ln.sku, ln.quantity, free) for i, ln in enumerate(claim.lines)],
                delivery=delivery,
                store_id=order.store_id,  # no delivery named: carried out at the store that sold it
                actor=actor,
                now=now,
            )

        sourcing.place(deps, build, actor=actor, also=[order, claim])
    count("ClaimsCreated", channel=order.channel, resolution=resolution.value)
    return 201, claim_view(claim)


def get_claim(deps: Dependencies, claim_id: str, principal: Principal) -> dict[str, Any]:
    """One claim (one GetItem); a channel reads its own orders' claims."""
    principal.require("admin", "ops", "cs", "channel", "store")
    claim = deps.uow().returns.claim(claim_id)
    principal.may_see_order({"orderId": claim.order_id, "channel": claim.channel})
    return claim_view(claim)


def claim_view(claim: Claim) -> dict[str, Any]:
    return public_view(claim_to_item(claim))
