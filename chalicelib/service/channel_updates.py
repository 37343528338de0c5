"""OMS events on their way back to the channel that sold the order.

Each event is checked against its published contract here, so a producer that drifts fails
loudly (and its message lands in the dead-letter queue) instead of reaching a marketplace.
"""

from __future__ import annotations

import json

from chalicelib.observability import count, logger


def handle(body: str) -> None:
    from chalicelib.contracts.events import parse_detail

    envelope = json.loads(body)
    detail = parse_detail(envelope["detail-type"], envelope["detail"])
    channel = envelope["detail"].get("channel", "unknown")
    logger.info("channel update", extra={"eventId": detail.eventId, "type": envelope["detail-type"]})
    count("ChannelUpdates", type=envelope["detail-type"], channel=channel)
