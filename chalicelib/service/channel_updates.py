"""OMS events on their way back to the channel that sold the order.

Each event is checked against its published contract here, so a producer that drifts fails
loudly (and its message lands in the dead-letter queue) instead of reaching a marketplace.
"""

from __future__ import annotations

from chalicelib.observability import count, logger


def handle(body: str) -> None:
    from chalicelib.contracts.events import parse_detail
    from chalicelib.contracts.messages import BusEvent

    envelope = BusEvent.model_validate_json(body)
    detail = parse_detail(envelope.detail_type, envelope.detail)
    channel = envelope.detail.get("channel", "unknown")
    logger.info("channel update", extra={"eventId": detail.eventId, "type": envelope.detail_type})
    count("ChannelUpdates", type=envelope.detail_type, channel=channel)
