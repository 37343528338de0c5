"""OMS events on their way back to the channel that sold the order.

Each event is checked against its published contract here, so a producer that drifts fails loudly
(and its message lands in the dead-letter queue) instead of reaching a marketplace. What a platform
is to be told (a shipment with tracking, a cancellation of the order or of some of its units, a
return received, a refund) is queued on channel-status, a
FIFO queue with one message group per order, deduplicated by the event's id; the HTTP calls, their
retries and their order happen there (chalicelib/service/channel_status.py), not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.observability import count, logger

if TYPE_CHECKING:
    from chalicelib.contracts.channel_status import StatusLine, StatusUpdate
    from chalicelib.contracts.event_parts import EventDetail
    from chalicelib.contracts.events import OrderLinesCancelled
    from chalicelib.contracts.return_events import ReturnReceived
    from chalicelib.domain.orders.order import Order
    from chalicelib.service.unit_of_work import Dependencies

QUEUE = "channel-status"


def handle(body: str) -> None:
    from chalicelib.bootstrap import bootstrap
    from chalicelib.contracts.events import parse_detail
    from chalicelib.contracts.messages import BusEvent

    envelope = BusEvent.model_validate_json(body)
    detail = parse_detail(envelope.detail_type, envelope.detail)
    channel = envelope.detail.get("channel", "unknown")
    logger.info("channel update", extra={"eventId": detail.eventId, "type": envelope.detail_type})
    count("ChannelUpdates", type=envelope.detail_type, channel=channel)
    update = status_update(bootstrap(), detail)
    if update is not None:
        _enqueue(update)


def status_update(deps: Dependencies, detail: EventDetail) -> StatusUpdate | None:
    """What the platform that sold the order is to hear of this event; None when nothing (a native
    channel, an event no platform is told of, a fulfilment order that did not ship).

    Cancelling an order's last open units records OrderLinesCancelled and OrderStatusChanged (to
    cancelled) in one transaction: the platform hears the whole order's cancellation once, from the
    latter, so an order cancelled by now pushes none of its partial cancellations (the whole one
    covers them)."""
    from chalicelib.adapters.channels import CONNECTORS
    from chalicelib.contracts import events
    from chalicelib.contracts.channel_status import StatusLine, StatusUpdate
    from chalicelib.contracts.return_events import ReturnReceived
    from chalicelib.domain.orders.state import OrderStatus
    from chalicelib.domain.workflows import Category
    from chalicelib.service import fulfilment, ids

    uow = deps.uow()
    if isinstance(detail, events.FulfilmentOrderUpdated):
        order, fo = fulfilment.load(uow, detail.fulfilmentOrderId)
        shipped = detail.tracking is not None or (fo.status == detail.to and fo.category is Category.SHIPPED)
        if not shipped:
            return None
        tracking = detail.tracking or (events.Tracking.model_validate(fo.tracking) if fo.tracking else None)
        found: dict[str, Any] = {
            "status": "shipped",
            "fulfilmentOrderId": fo.fulfilment_order_id,
            "lines": [StatusLine(lineId=ln.line_id, quantity=ln.quantity) for ln in fo.lines],
            "tracking": tracking,
        }
    elif isinstance(detail, events.OrderStatusChanged) and detail.to == "cancelled":
        order, found = uow.orders.get(detail.orderId), {"status": "cancelled"}
    elif isinstance(detail, events.OrderLinesCancelled):
        order = uow.orders.get(detail.orderId)
        if order.status is OrderStatus.CANCELLED:
            return None
        found = {"status": "cancelled", "lines": _lines_so_far(order, detail), "reason": detail.reason}
    elif isinstance(detail, ReturnReceived):
        order = uow.orders.get(detail.orderId)
        found = {"status": "returned", "lines": _lines_so_far(order, detail)}
    elif isinstance(detail, events.ChannelNotificationRequested):
        order, found = uow.orders.get(detail.orderId), {"status": "notice", "reason": detail.message or detail.state}
    elif isinstance(detail, events.RefundRequested) and detail.executor == "channel":
        # The marketplace refunds its own customer: told as the OMS records it (it never pays it).
        found = {"status": "refunded", "reason": detail.reason, "amount": detail.amount}
        found |= {"refundId": detail.refundId, "executor": detail.executor}
        order = uow.orders.get(detail.orderId)
    elif isinstance(detail, events.RefundSucceeded):
        # Paid (by the payment side, a till, as store credit): told once, when the money has moved, so
        # a refund that fails every attempt never shows at the platform as refunded.
        order = uow.orders.get(detail.orderId)
        found = {"status": "refunded", "reason": order.refund(detail.refundId).reason, "amount": detail.amount}
        found |= {"refundId": detail.refundId, "executor": detail.executor}
    else:
        return None
    channel = deps.network().channels.get(order.channel)
    if channel is None or channel.type not in CONNECTORS or ids.is_replacement(order.external_id):
        return None  # a replacement is the OMS's own order: the platform knows only the original
    about = {"eventId": detail.eventId, "channelId": channel.channel_id, "orderId": order.order_id}
    return StatusUpdate.model_validate({**about, "externalId": order.external_id, **found})


def _lines_so_far(order: Order, detail: OrderLinesCancelled | ReturnReceived) -> list[StatusLine]:
    """The event's lines, each with what the order's earlier events of its kind did to that line (its
    history, in order), for connectors to tell this event's units from those done before."""
    from chalicelib.contracts.channel_status import StatusLine

    kind = type(detail).__name__  # the event type's name, as the history records it
    earlier = [e.detail["lines"] for e in order.history if e.type == kind and e.at < detail.occurredAt]
    found = []
    for line in detail.lines:
        before = [ln["quantity"] for lines in earlier for ln in lines if ln["lineId"] == line.lineId]
        found.append(
            StatusLine(lineId=line.lineId, quantity=line.quantity, unitsBefore=sum(before), eventsBefore=len(before))
        )
    return found


def _enqueue(update: StatusUpdate) -> None:
    from chalicelib.adapters import aws, dead_letters

    aws.client("sqs").send_message(
        QueueUrl=dead_letters.queue_url(QUEUE),
        MessageBody=update.model_dump_json(exclude_none=True),
        MessageGroupId=update.group,
        MessageDeduplicationId=update.eventId[:128],
    )
    logger.info(
        "channel status queued",
        extra={"channelId": update.channelId, "orderId": update.orderId, "status": update.status},
    )
