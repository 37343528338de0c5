"""Dead letters for operators: what is in each queue's DLQ and why, and moving it back (redrive)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import aws, dead_letters
from chalicelib.adapters.dynamo import Table
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import NotFound
from chalicelib.domain.timestamps import iso
from chalicelib.observability import count, logger, masked_body
from chalicelib.resources import RESOURCES

if TYPE_CHECKING:
    from chalicelib.contracts.api import RedriveDeadLetters


def known_queue(queue: str) -> str:
    if queue not in {q.key for q in RESOURCES.queues}:
        known = ", ".join(q.key for q in RESOURCES.queues)
        raise NotFound(f"no queue {queue!r}; the queues are {known}")
    return queue


def list_dead_letters(table: Table, principal: Principal, queue: str | None = None) -> dict[str, Any]:
    """Per queue (or the one asked for): its DLQ's size and up to 10 messages, each with why it failed.

    Per DLQ: GetQueueUrl, GetQueueAttributes, one ReceiveMessage that leaves the messages visible,
    and one BatchGetItem for the reasons."""
    principal.require("admin", "ops")
    keys = [known_queue(queue)] if queue is not None else [q.key for q in RESOURCES.queues]
    return {"queues": [_one_queue(table, key) for key in keys]}


def _one_queue(table: Table, key: str) -> dict[str, Any]:
    url = dead_letters.dlq_url(key)
    messages = dead_letters.peek(url)
    failed = dead_letters.failures(table, key, [m["MessageId"] for m in messages])
    return {
        "queue": key,
        "deadLetterQueue": aws.dead_letter_queue_name(key),
        "approximateCount": dead_letters.approximate_count(url),
        "messages": [_letter(m, failed.get(m["MessageId"])) for m in messages],
    }


def _letter(message: dict[str, Any], failure: dict[str, Any] | None) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    receives = failure["receiveCount"] if failure else attributes.get("ApproximateReceiveCount")
    sent = attributes.get("SentTimestamp")
    return {
        "messageId": message["MessageId"],
        "receiveCount": int(receives) if receives is not None else None,
        "sentAt": iso(datetime.fromtimestamp(int(sent) / 1000, UTC)) if sent else None,
        "reason": failure["reason"] if failure else _delivery_error(message),
        "body": masked_body(message["Body"]),
    }


def _delivery_error(message: dict[str, Any]) -> str | None:
    """EventBridge dead-letters what it could not deliver with ERROR_CODE/ERROR_MESSAGE attributes."""
    attributes = message.get("MessageAttributes", {})
    code = attributes.get("ERROR_CODE", {}).get("StringValue")
    if not code:
        return None
    detail = attributes.get("ERROR_MESSAGE", {}).get("StringValue", "")
    return f"EventBridge could not deliver it: {code}: {detail}"[: dead_letters.REASON_MAX_CHARS]


def redrive(queue: str, cmd: RedriveDeadLetters, principal: Principal) -> dict[str, Any]:
    """Move dead letters back to the queue they came from; the handler sees them as new messages."""
    principal.require("admin", "ops")
    known_queue(queue)
    dead_url = dead_letters.dlq_url(queue)
    moved = dead_letters.move(
        dead_letters.queue_url(queue), dead_url, limit=cmd.max_messages, message_ids=cmd.message_ids
    )
    left = dead_letters.approximate_count(dead_url)
    count("DeadLettersRedriven", value=moved, queue=queue)
    logger.info(
        "dead letters redriven",
        extra={"queue": queue, "moved": moved, "left": left, "by": principal.actor, "selected": cmd.message_ids},
    )
    return {"queue": queue, "moved": moved, "left": left}
