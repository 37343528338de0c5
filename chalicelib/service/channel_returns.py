"""The channel-inbox queue's announced returns: a return a platform's customer registered (Zalando),
or one a Shopify merchant approved, becomes an OMS return of the channel's order through the use case
of `POST /orders/{id}/returns`, as the channel's principal, so the live return policy decides (window,
what is still with the customer: a refusal is a declined return saying why). Each is created once: its
platform id is the Idempotency-Key, and the inbox queues it once. It goes back where its units came
from (the location that sent most of them): the label Zalando gives its customer is the merchant's.

Nothing is lost: an order the OMS does not have (yet: its own delivery may still be on the queue) is
retried, then dead-lettered; lines or a reason the order or the policy cannot take are dead-lettered
at once with why (redriven once fixed, say a reason code added); each is logged with the announced
return's id and counted (`ChannelReturnsAnnounced`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import secrets
from chalicelib.adapters.channels import connector
from chalicelib.adapters.channels.base import AnnouncesReturns, ChannelReturn, Unmappable, Withdrawn
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Invalid, NotFound, Refused
from chalicelib.observability import count, logger

if TYPE_CHECKING:
    from chalicelib.contracts.api import CreateReturn
    from chalicelib.domain.network import Channel
    from chalicelib.domain.orders.order import Order
    from chalicelib.domain.returns.policy import ReturnPolicy
    from chalicelib.service.unit_of_work import Dependencies

CARRIER = "return label of the sales channel"  # the platform names no carrier


def apply(deps: Dependencies, channel: Channel, payload: Any) -> str:
    """Create the announced return `payload` of `channel`: "approved" or "declined" (by the policy), or
    "withdrawn" when the platform no longer expects it."""
    from chalicelib.service import return_flow

    platform = connector(channel.type)
    if not isinstance(platform, AnnouncesReturns):
        raise Refused(f"channels of type {channel.type} announce no returns")
    try:
        announced = platform.to_return(payload, channel, secrets.secret(secrets.CREDENTIALS, channel.channel_id))
    except Withdrawn as exc:  # declined or cancelled at the platform before it was read: done, quietly
        _tell(channel, "withdrawn", {"channelId": channel.channel_id}, "announced return withdrawn", reason=str(exc))
        return "withdrawn"
    where = {"channelId": channel.channel_id, "announcedReturnId": announced.return_key}
    order_id = deps.uow().orders.id_for(channel.channel_id, announced.external_id)
    if order_id is None:
        _tell(channel, "unknown_order", where, "announced return of an order the OMS does not have")
        raise NotFound(
            f"announced return {announced.return_key}: the OMS has no order {announced.external_id} "
            f"of channel {channel.channel_id}"
        )
    try:
        cmd = _command(deps, order_id, announced)
        _, answer = return_flow.create(
            deps,
            order_id,
            cmd,
            Principal(f"channel:{channel.channel_id}"),
            idempotency_key=announced.return_key,
            raw_body=asdict(announced),  # what was asked, whether the delivery carried it or named it
        )
    except Invalid as exc:  # its lines, reason or destination: asking again changes nothing
        _tell(channel, "refused", where | {"orderId": order_id}, "announced return refused", reason=exc.detail)
        raise Refused(f"announced return {announced.return_key} of order {order_id}: {exc.detail}") from exc
    outcome = "approved" if answer["authorized"] else "declined"
    extra = where | {"orderId": order_id, "returnId": answer["returnId"]}
    _tell(channel, outcome, extra, "announced return created", reason="; ".join(answer.get("reasons") or []))
    return outcome


def _command(deps: Dependencies, order_id: str, announced: ChannelReturn) -> CreateReturn:
    """The return as `POST /orders/{id}/returns` takes it: each line's first reason code the live
    policy knows, back to the location that sent most of its units."""
    from chalicelib.contracts.api import CreateReturn
    from chalicelib.service.returns import live_policy

    order, _ = deps.uow().returns.of_order(order_id)
    _, rules = live_policy(deps)
    lines = [
        {"lineId": ln.line_id, "quantity": ln.quantity, "reason": _reason(rules, announced, ln.reasons)}
        for ln in announced.lines
    ]
    tracking = {"carrier": CARRIER, "code": announced.tracking} if announced.tracking else None
    return CreateReturn.model_validate(
        {"lines": lines, "returnTo": {"locationId": _sent_from(order, announced)}, "tracking": tracking}
    )


def _reason(rules: ReturnPolicy, announced: ChannelReturn, codes: tuple[str, ...]) -> str:
    known = next((c for c in codes if c in rules.reasons), None)
    if known is None:
        raise Unmappable(
            f"return reason {' or '.join(codes) or '(none)'} is no reason code of the returns section: "
            f"add it (PUT /config/returns) and redrive"
        )
    return known


def _sent_from(order: Order, announced: ChannelReturn) -> str:
    """The location that sent most of the returned lines' units (the first of those sending as many)."""
    sent: Counter[str] = Counter()
    for ln in announced.lines:
        sent.update(order.sent_from(order.line(ln.line_id)))
    if not sent:
        raise Unmappable(f"nothing of lines {', '.join(ln.line_id for ln in announced.lines)} was sent to the customer")
    return sent.most_common(1)[0][0]


def _tell(channel: Channel, outcome: str, extra: dict[str, str], message: str, *, reason: str = "") -> None:
    count("ChannelReturnsAnnounced", channel=channel.channel_id, outcome=outcome)
    details = extra | ({"reason": reason} if reason else {}) | {"outcome": outcome}
    if outcome == "approved":
        logger.info(message, extra=details)
    else:
        logger.warning(message, extra=details)
