"""Asynchronous order intake: one queue message, one order, created exactly as `POST /orders` would."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.bootstrap import bootstrap
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Conflict
from chalicelib.observability import logger


def handle(body: str) -> None:
    """`{"role": "channel:<id>", "order": CreateOrder}`. A repeat of a known order is absorbed;
    anything else that fails raises, so the message is retried and, at last, dead-lettered."""
    from chalicelib.contracts.api import CreateOrder
    from chalicelib.service import orders

    message: dict[str, Any] = json.loads(body)
    cmd = CreateOrder.model_validate(message["order"])
    try:
        orders.create_order(
            bootstrap(), cmd, Principal(message["role"]), idempotency_key=None, raw_body=message["order"]
        )
    except Conflict as exc:
        if "orderId" not in exc.extra:
            raise
        logger.info("duplicate order absorbed", extra={"orderId": exc.extra["orderId"]})
