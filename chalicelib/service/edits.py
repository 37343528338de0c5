"""Editing an order before it ships: preview what it would become, or apply it on its version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.access import Principal
from chalicelib.domain.orders.editing import EditOutcome, LineChange, OrderEdit
from chalicelib.domain.orders.order import Order
from chalicelib.observability import count
from chalicelib.service import orders, refunds, sourcing, workflows

if TYPE_CHECKING:
    from chalicelib.contracts import api
    from chalicelib.service.unit_of_work import Dependencies


def edit_order(
    deps: Dependencies,
    order_id: str,
    cmd: api.EditOrder,
    principal: Principal,
    *,
    if_match: int | None,
    preview: bool,
) -> dict[str, Any]:
    """The order as `cmd` leaves it: its delivery, lines added, removed or changed, and what is
    sourced again, in one transaction on the order's version; with `preview`, written nowhere."""
    principal.require("admin", "cs", "channel", "store")
    _, order = orders.to_change(deps, order_id, principal, if_match)
    edit = OrderEdit(
        delivery=orders.delivery_of(cmd.delivery),
        add_lines=tuple(orders.new_line(ln) for ln in cmd.add_lines),
        remove_lines=tuple(cmd.remove_lines),
        change_lines=tuple(LineChange(c.line_id, c.quantity) for c in cmd.change_lines),
    )
    edited, outcome = apply_edit(deps, order, edit, principal, preview=preview)
    before = {fo.fulfilment_order_id for fo in order.fulfilment_orders}
    view = workflows.order_answer(deps, edited)
    view["edit"] = {
        "preview": preview,
        "priceDifference": outcome.price_difference.as_dict(),
        "amountDue": outcome.amount_due.as_dict(),
        "resourced": [{"lineId": k, "quantity": v} for k, v in outcome.resource.items()],
        "fulfilmentOrders": [
            fo.fulfilment_order_id for fo in edited.fulfilment_orders if fo.fulfilment_order_id not in before
        ],
    }
    return view


def apply_edit(
    deps: Dependencies, order: Order, edit: OrderEdit, principal: Principal, *, preview: bool = False
) -> tuple[Order, EditOutcome]:
    """`edit` made to `order` (as `orders.to_change` loaded it) and what it leaves unsourced sourced,
    in one transaction on the order's version: the order as written, and what the edit did. Raises
    Invalid or Conflict (every line gone too far named) before anything is written."""
    outcomes: list[EditOutcome] = []

    def change(target: Order, now: str) -> None:
        refunds.tell_terms(deps, target)
        outcomes.append(target.edit(edit, actor=principal.actor, now=now))

    edited = sourcing.edit(deps, order, change, actor=principal.actor, preview=preview)
    if not preview:
        count("OrdersEdited", channel=edited.channel)
    return edited, outcomes[-1]  # the edit of the order written (earlier ones planned it, or lost a race)
