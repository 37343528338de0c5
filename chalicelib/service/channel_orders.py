"""The channel-inbox queue: a platform's order, mapped to the canonical order, applied only when it is
newer than what the OMS has (the platform's own update time), so repeats, deliveries out of order and
stale ones all end in one correct order. A notification is a hint: the order it carries is the truth
as of its update time, whatever its topic says; one that only names the order (Amazon's ORDER_CHANGE)
has the order fetched as the platform has it now. A return the platform's customer announced goes
to service/channel_returns.py.

Creating goes through the use case of `POST /orders` (one order per channel and external id), a
changed delivery or lines through that of `POST /orders/{id}/edits`, cancelling through that of
`POST /orders/{id}/cancellations`, all as the channel's principal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from chalicelib.adapters import inbox, secrets
from chalicelib.adapters.channels import connector
from chalicelib.adapters.channels.base import ANNOUNCED_RETURN, Hinted, Unmappable, parse
from chalicelib.adapters.stock_repo import StockRepository
from chalicelib.bootstrap import bootstrap
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Conflict, Invalid, NotFound, Refused
from chalicelib.domain.orders.editing import LineChange, OrderEdit
from chalicelib.domain.orders.lines import CANCELLABLE
from chalicelib.domain.timestamps import iso
from chalicelib.observability import count, logger

if TYPE_CHECKING:
    from chalicelib.adapters.channels.base import ChannelOrder
    from chalicelib.contracts.api import CreateOrder, OrderLineIn
    from chalicelib.domain.orders.order import Order
    from chalicelib.service.unit_of_work import Dependencies

_CANCELLABLE = frozenset(status.value for status in CANCELLABLE)


def handle(body: str) -> None:
    """`{"channelId", "deliveryKey"}`: the delivery kept by the inbox. Anything that fails raises, so
    the message is retried and at last dead-lettered with its reason; redriven, it runs again."""
    message = json.loads(body)
    deps = bootstrap()
    channel_id, key = message["channelId"], message["deliveryKey"]
    delivery = inbox.stored(deps.table, channel_id, key)
    if delivery is None:
        raise NotFound(f"delivery {key} of channel {channel_id} is no longer kept ({inbox.KEEP_DAYS} days)")
    channel = deps.network().channels.get(channel_id)
    if channel is None:
        raise NotFound(f"channel {channel_id} is not registered")
    platform, payload = connector(channel.type), parse(delivery["rawBody"])
    if delivery.get("deliveryTopic") == ANNOUNCED_RETURN:
        from chalicelib.service import channel_returns

        channel_returns.apply(deps, channel, payload)
        return
    named = platform.order_named(payload) if isinstance(platform, Hinted) else None
    if named is None:
        mapped = platform.to_order(payload, channel)
    else:  # a notification naming the order: the order as the platform has it now
        mapped = platform.fetch_order(channel, secrets.secret(secrets.CREDENTIALS, channel_id), named)
    outcome = apply(deps, mapped)
    count("ChannelOrdersApplied", channel=channel_id, outcome=outcome)
    logger.info(
        "channel order applied",
        extra={"channelId": channel_id, "externalId": mapped.command.external_id, "outcome": outcome},
    )


def apply(deps: Dependencies, mapped: ChannelOrder) -> str:
    """Create the order if the OMS has none, else edit it where the platform changed its delivery or
    lines; cancel what is open if the platform cancelled it; only when this is newer than what was
    applied. Each step is idempotent (an edit is what still differs), so a retry after a crash in
    between finishes the job; the update time is recorded last."""
    cmd = mapped.command
    updated_at = iso(mapped.updated_at)
    last = inbox.applied_at(deps.table, cmd.channel, cmd.external_id)
    if last is not None and updated_at <= last:
        return "stale"
    channel = Principal(f"channel:{cmd.channel}")
    order_id = deps.uow().orders.id_for(cmd.channel, cmd.external_id)
    outcome = "unchanged"
    if order_id is None:
        order_id, outcome = _create(deps, cmd, channel), "created"
    elif not mapped.cancelled and _edit(deps, order_id, channel, cmd):
        outcome = "edited"
    if (mapped.cancelled or mapped.cancel_lines or mapped.cancelled_units) and _cancel_open_units(
        deps, order_id, channel, mapped
    ):
        outcome = "cancelled"
    inbox.applied(deps.table, cmd.channel, cmd.external_id, order_id, updated_at)
    return outcome


def _create(deps: Dependencies, cmd: CreateOrder, channel: Principal) -> str:
    from chalicelib.service import orders

    _require_known_skus(deps, cmd.lines)
    try:
        _, created = orders.create_order(deps, cmd, channel, idempotency_key=None, raw_body=None)
    except Conflict as exc:  # created meanwhile by another delivery of the same order
        if "orderId" not in exc.extra:
            raise
        return str(exc.extra["orderId"])
    return str(created["orderId"])


def _require_known_skus(deps: Dependencies, lines: Sequence[OrderLineIn]) -> None:
    """A SKU no location has ever counted is most likely the platform's typo or a product the OMS was
    not told of: dead-lettered with the reason, and redriven once its stock is counted."""
    stock = StockRepository(deps.table)
    seen: set[str] = set()
    for line in lines:
        if line.sku not in seen and not stock.levels(line.sku):
            raise Unmappable(
                f"SKU {line.sku!r} (line {line.line_id}) is not known to the OMS: no location has counted it; "
                f"count it (PUT /inventory/{{locationId}}/{line.sku}) and redrive this message"
            )
        seen.add(line.sku)


def _edit(deps: Dependencies, order_id: str, channel: Principal, cmd: CreateOrder) -> bool:
    """Edit the order into what the platform now says, through the use case of `POST /orders/{id}/edits`;
    False when nothing differs. An edit the order no longer allows (a line it touches has shipped) is
    refused whole, the order left as it was: dead-lettered at once with the reason, for an operator."""
    from chalicelib.service import edits, orders

    _, order = orders.to_change(deps, order_id, channel, if_match=None)
    edit = _edit_toward(order, cmd)
    if edit is None:
        return False
    added = {ln.line_id for ln in edit.add_lines}
    _require_known_skus(deps, [ln for ln in cmd.lines if ln.line_id in added])
    try:
        edits.apply_edit(deps, order, edit, channel)
    except (Conflict, Invalid) as exc:
        count("ChannelOrdersApplied", channel=cmd.channel, outcome="refused")
        raise Refused(
            f"the platform's update of order {cmd.external_id} cannot be applied to OMS order {order_id}, "
            f"which is left as it was: {exc.detail}"
        ) from exc
    return True


def _edit_toward(order: Order, cmd: CreateOrder) -> OrderEdit | None:
    """What differs between `order` and the platform's order `cmd`: its delivery, lines the platform
    added (at its prices: what the customer now pays), removed, or whose quantity it raised or lowered.
    A quantity from the line's open units up to all it ever had changes nothing: the difference is
    units cancelled meanwhile (in the OMS, or by the platform unit by unit) that the platform may
    still count. None when nothing differs."""
    from chalicelib.service import orders

    known = {ln.line_id: ln for ln in order.lines}
    wanted = {ln.line_id for ln in cmd.lines}
    changes = []
    for new in cmd.lines:
        line = known.get(new.line_id)
        if line is not None and new.quantity > line.quantity:  # more than it ever had: the rest is added
            changes.append(LineChange(line.line_id, line.open_quantity + new.quantity - line.quantity))
        elif line is not None and new.quantity < line.open_quantity:
            changes.append(LineChange(line.line_id, new.quantity))
    delivery = orders.delivery_of(cmd.delivery)
    edit = OrderEdit(
        delivery=delivery if delivery is not None and delivery != order.delivery else None,
        add_lines=tuple(orders.new_line(ln) for ln in cmd.lines if ln.line_id not in known),
        remove_lines=tuple(ln.line_id for ln in order.lines if ln.line_id not in wanted and ln.open_quantity),
        change_lines=tuple(changes),
    )
    return None if edit == OrderEdit() else edit


def _cancel_open_units(deps: Dependencies, order_id: str, channel: Principal, mapped: ChannelOrder) -> bool:
    """Cancel what the platform cancelled and the OMS has not yet: every unit still cancellable of the
    order (cancelled whole) or of the lines its customer asked to cancel, and up to the count of units
    the platform cancelled unit by unit. Shipped ones stay: they come back as a return. Units whose
    money the platform settled itself are cancelled first, apart, their refund recorded as the
    channel's; the rest as the OMS's (a crash in between leaves the rest to the retry)."""
    from chalicelib.service import orders

    view = orders.get_order(deps, order_id, channel)
    settled: dict[str, int] = {}
    rest: dict[str, int] = {}
    for ln in view["lines"]:
        if ln["status"] not in _CANCELLABLE:
            continue
        open_units = ln["quantity"] - ln["cancelledQuantity"]
        by_unit = max(min(open_units, mapped.cancelled_units.get(ln["lineId"], 0) - ln["cancelledQuantity"]), 0)
        whole = open_units if mapped.cancelled or ln["lineId"] in mapped.cancel_lines else 0
        settled[ln["lineId"]] = by_unit if mapped.units_refunded_by_platform else 0
        rest[ln["lineId"]] = max(whole, by_unit) - settled[ln["lineId"]]
    cancelled = _cancel(deps, order_id, channel, settled, refunded_by_channel=True)
    return _cancel(deps, order_id, channel, rest, refunded_by_channel=False) or cancelled


def _cancel(
    deps: Dependencies, order_id: str, channel: Principal, wanted: dict[str, int], *, refunded_by_channel: bool
) -> bool:
    """Cancel the units `wanted` of each line (none: nothing happens); True when any were."""
    from chalicelib.contracts.api import CancelLines
    from chalicelib.service import orders

    lines = [{"lineId": line_id, "quantity": units} for line_id, units in wanted.items() if units > 0]
    if not lines:
        return False
    cmd = CancelLines.model_validate({"lines": lines, "reason": "cancelled in the sales channel"})
    orders.cancel_lines(deps, order_id, cmd, channel, if_match=None, refunded_by_channel=refunded_by_channel)
    return True
