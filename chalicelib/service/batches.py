"""SQS batches with Powertools: each message succeeds or fails alone (partial batch response)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def each_record(event: Any, handle: Callable[[str], None]) -> dict[str, Any]:
    """Run `handle` on each message body; report the failed ones so only they are retried."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    from chalicelib.observability import logger, masked

    def record_handler(record: Any) -> None:
        try:
            handle(record.body)
        except Exception:
            # The message, minus the customer's contact details, so an operator can see what broke.
            logger.exception(
                "message failed", extra={"messageId": record.message_id, "body": masked(_parsed(record.body))}
            )
            raise

    return dict(
        process_partial_response(
            event=event.to_dict(),
            record_handler=record_handler,
            processor=BatchProcessor(EventType.SQS),
            context=event.context,
        )
    )


def _parsed(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body[:500]
