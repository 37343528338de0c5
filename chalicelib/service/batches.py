"""SQS batches with Powertools: each message succeeds or fails alone (partial batch response).

On a FIFO queue a failed message also fails the rest of its group in the batch (Powertools'
SqsFifoPartialProcessor, `skip_group_on_error`), so nothing overtakes it; other groups go on.
Two failures are handled here rather than by the queue's pace: `TryLater` (the other side said when,
429 Retry-After) makes the message invisible for that long; `Refused` (sending it again will not
help) sends it to the dead-letter queue at once, with its reason, instead of after every receive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.contracts.messages import QueueRecord

# Messages whose visibility a handler set itself (TryLater): the local pump, which shortens every
# failed message's visibility to get retries in seconds, leaves these alone, as Lambda would.
_held_back: set[str] = set()


def each_record(event: Any, handle: Callable[[str], None], *, queue: str) -> dict[str, Any]:
    """Run `handle` on each message body; report the failed ones so only they are retried.

    `queue` is the queue's key in `chalicelib.resources` (e.g. "order-intake"): why a message
    failed is recorded under it, for `GET /ops/dead-letters` to show once the message is dead-lettered.
    """
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        SqsFifoPartialProcessor,
        process_partial_response,
    )

    from chalicelib.contracts.messages import QueueRecord
    from chalicelib.domain.errors import Refused, TryLater, Unavailable
    from chalicelib.observability import logger, masked_body
    from chalicelib.resources import RESOURCES
    from chalicelib.service import idempotency

    def record_handler(record: QueueRecord) -> None:
        try:
            handle(record.body)
        except Refused as exc:
            _dead_letter_now(queue, record, exc)  # and done: deleted from the queue
        except Exception as exc:
            if isinstance(exc, TryLater):
                _hold_back(queue, record, exc.seconds)
            if isinstance(exc, Unavailable):
                # A service stayed busy past our retries, or a platform has not finished with what
                # was sent (Pending): not the message's fault. Reported failed, it comes back after
                # the queue's visibility timeout or its hold (dead-lettered with this reason if that
                # keeps happening).
                logger.warning(
                    "message put back for later",
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

    processor = (
        SqsFifoPartialProcessor(model=QueueRecord, skip_group_on_error=True)
        if RESOURCES.queue(queue).fifo
        else BatchProcessor(EventType.SQS, model=QueueRecord)
    )
    # An Idempotency-Key a consumer uses (an announced return's) expires its in-progress record with
    # this invocation, as on the HTTP side: a timed-out attempt does not block the retry for a day.
    context_token = idempotency.lambda_context.set(event.context)
    try:
        return dict(
            process_partial_response(
                event=event.to_dict(), record_handler=record_handler, processor=processor, context=event.context
            )
        )
    finally:
        idempotency.lambda_context.reset(context_token)


def held_back() -> set[str]:
    """The ids of messages held back since the last call (for the local pump)."""
    found = set(_held_back)
    _held_back.clear()
    return found


def _hold_back(queue: str, record: QueueRecord, seconds: int) -> None:
    """The message comes back after `seconds` (its group waits with it on a FIFO queue)."""
    from chalicelib.adapters import aws, dead_letters

    url = dead_letters.queue_url(queue)
    aws.client("sqs").change_message_visibility(
        QueueUrl=url, ReceiptHandle=record.receiptHandle, VisibilityTimeout=seconds
    )
    _held_back.add(record.messageId)


def _dead_letter_now(queue: str, record: QueueRecord, exc: Exception) -> None:
    from chalicelib.adapters import dead_letters
    from chalicelib.adapters.dynamo import Table
    from chalicelib.observability import logger

    reason = dead_letters.failure_reason(exc)
    dead_id = dead_letters.bury(queue, record.body, group=record.attributes.MessageGroupId)
    dead_letters.record_failure(Table(), queue, dead_id, int(record.attributes.ApproximateReceiveCount), reason)
    logger.warning("message dead-lettered: refused", extra={"queue": queue, "messageId": dead_id, "reason": reason})


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
