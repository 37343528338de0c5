"""SQS batches with Powertools: each message succeeds or fails alone (partial batch response)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def each_record(event: Any, handle: Callable[[str], None]) -> dict[str, Any]:
    """Run `handle` on each message body; report the failed ones so only they are retried."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    from chalicelib.observability import logger

    def record_handler(record: Any) -> None:
        try:
            handle(record.body)
        except Exception:
            logger.exception("message failed", extra={"messageId": record.message_id})
            raise

    return dict(
        process_partial_response(
            event=event.to_dict(),
            record_handler=record_handler,
            processor=BatchProcessor(EventType.SQS),
            context=event.context,
        )
    )
