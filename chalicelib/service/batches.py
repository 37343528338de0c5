"""SQS batches with Powertools: each message succeeds or fails alone (partial batch response)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.contracts.messages import QueueRecord


def each_record(event: Any, handle: Callable[[str], None], *, queue: str) -> dict[str, Any]:
    """Run `handle` on each message body; report the failed ones so only they are retried.

    `queue` is the queue's key in `chalicelib.resources` (e.g. "order-intake"): why a message
    failed is recorded under it, for `GET /ops/dead-letters` to show once the message is dead-lettered.
    """
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    from chalicelib.contracts.messages import QueueRecord
    from chalicelib.domain.errors import Unavailable
    from chalicelib.observability import logger, masked_body

    def record_handler(record: QueueRecord) -> None:
        try:
            handle(record.body)
        except Exception as exc:
            if isinstance(exc, Unavailable):
                # The database stayed busy past our retries: not the message's fault. Reported
                # failed, it comes back after the queue's visibility timeout (dead-lettered with
                # this reason if that keeps happening).
                logger.warning(
                    "message put back: a service is unavailable",
                    extra={"queue": queue, "messageId": record.messageId, "reason": exc.detail},
                )
            else:
                # The message, minus the customer's contact details, so an operator can see what broke.
                logger.exception(
                    "message failed",
                    extra={"queue": queue, "messageId": record.messageId, "body": masked_body(record.body)},
                )
            _record_failure(queue, record, exc)
            raise

    return dict(
        process_partial_response(
            event=event.to_dict(),
            record_handler=record_handler,
            processor=BatchProcessor(EventType.SQS, model=QueueRecord),
            context=event.context,
        )
    )


def _record_failure(queue: str, record: QueueRecord, exc: Exception) -> None:
    """Why it failed, for the operators (one PutItem; failures are rare). Never fails the batch itself."""
    from chalicelib.adapters import dead_letters
    from chalicelib.adapters.dynamo import Table
    from chalicelib.observability import logger

    try:
        receives = int(record.attributes.ApproximateReceiveCount)
        dead_letters.record_failure(Table(), queue, record.messageId, receives, dead_letters.failure_reason(exc))
    except Exception:
        logger.exception("could not record why a message failed", extra={"queue": queue, "messageId": record.messageId})
