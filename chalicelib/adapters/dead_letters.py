"""Dead letters: why a queue message failed (a FAILURE item in the table) and the DLQs themselves (SQS).

A failed receive writes one item, `FAILURE#<queue key>` / `<messageId>`, overwritten by the next
failure of the same message; SQS keeps the messageId when it moves the message to the DLQ, so the
last reason is there to join when an operator looks. The item lives as long as the DLQ keeps messages.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from chalicelib.adapters import aws, keys
from chalicelib.adapters.dynamo import Table
from chalicelib.clock import now
from chalicelib.domain.errors import DomainError
from chalicelib.resources import DLQ_RETENTION_DAYS

REASON_MAX_CHARS = 1000
PEEK_MAX = 10  # one ReceiveMessage
MOVE_HIDE_S = 60  # a received dead letter stays hidden this long while it is moved (or passed over)
MOVE_BUDGET_S = 20.0  # a redrive stops here (API Gateway answers within 29 s); `left` says what remains
SCAN_MAX = 1000  # dead letters a redrive by messageIds looks through at most
SEND_BATCH_BYTES = 256 * 1024  # SendMessageBatch: all bodies and attributes together

Message = dict[str, Any]


# ---- why it failed -----------------------------------------------------------------------------


def failure_reason(exc: BaseException) -> str:
    """`<ExceptionType>: <what went wrong>`, at most 1,000 characters, never the message body.

    No customer data: the texts of our DomainErrors name fields, ids and rules, never a customer's
    contact details, and a pydantic ValidationError is rendered from `errors(include_input=False)`
    (where and which rule, not the value). A JSONDecodeError says where the JSON broke (not the
    document), a KeyError which key is missing, an AWS ClientError its code and operation. Any other
    exception's text could quote the message, so only its type is kept; the log line with the same
    messageId has the masked body.
    """
    kind = type(exc).__name__
    return f"{kind}: {_safe_text(exc)}"[:REASON_MAX_CHARS]


def _safe_text(exc: BaseException) -> str:
    from pydantic import ValidationError

    if isinstance(exc, DomainError):
        return exc.detail
    if isinstance(exc, ValidationError):
        problems = exc.errors(include_input=False, include_url=False, include_context=False)
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in problems)
        return f"{exc.error_count()} validation error(s) for {exc.title}: {where}"
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg}: line {exc.lineno} column {exc.colno} (char {exc.pos})"
    if isinstance(exc, KeyError):
        return f"missing key {str(exc)[:100]}"
    response = getattr(exc, "response", None)
    operation = getattr(exc, "operation_name", None)
    if isinstance(response, dict) and operation:  # botocore's ClientError
        return f"{response.get('Error', {}).get('Code', '?')} on {operation}"
    return "(text withheld: it may quote the message; see the log line with this messageId)"


def record_failure(table: Table, queue_key: str, message_id: str, receive_count: int, reason: str) -> None:
    """One PutItem: the latest failure of this message, kept as long as its dead letter would be."""
    table.put(
        {
            **keys.failure_key(queue_key, message_id),
            "queue": queue_key,
            "messageId": message_id,
            "receiveCount": receive_count,
            "reason": reason[:REASON_MAX_CHARS],
            "failedAt": now(),
            "expiresAt": int(time.time()) + DLQ_RETENTION_DAYS * 86_400,
        }
    )


def failures(table: Table, queue_key: str, message_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """messageId -> its FAILURE item, for up to 100 ids in one BatchGetItem (more only when throttled)."""
    wanted = list(dict.fromkeys(message_ids))[:100]
    if not wanted:
        return {}
    return {item["SK"]: item for item in table.batch_get([keys.failure_key(queue_key, m) for m in wanted])}


# ---- the queues --------------------------------------------------------------------------------


def _sqs() -> Any:
    return aws.client("sqs")


def queue_url(queue_key: str) -> str:
    return str(_sqs().get_queue_url(QueueName=aws.queue_name(queue_key))["QueueUrl"])


def dlq_url(queue_key: str) -> str:
    return str(_sqs().get_queue_url(QueueName=aws.dead_letter_queue_name(queue_key))["QueueUrl"])


def approximate_count(url: str) -> int:
    """Messages in the queue, visible or being received (approximate, as SQS counts)."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = _sqs().get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)


def peek(url: str) -> list[Message]:
    """Up to 10 messages, left visible (VisibilityTimeout=0): looking consumes nothing."""
    answer = _sqs().receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=PEEK_MAX,
        VisibilityTimeout=0,
        WaitTimeSeconds=0,
        MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
        MessageAttributeNames=["All"],
    )
    messages: list[Message] = answer.get("Messages", [])
    return messages


def bury(queue_key: str, body: str, *, group: str | None = None) -> str:
    """Put a message straight into the queue's DLQ (a refusal no retry changes); its new messageId."""
    fifo = {"MessageGroupId": group, "MessageDeduplicationId": _digest(body)} if group else {}
    answer = _sqs().send_message(QueueUrl=dlq_url(queue_key), MessageBody=body, **fifo)
    return str(answer["MessageId"])


def _digest(body: str) -> str:
    import hashlib

    return hashlib.sha256(body.encode()).hexdigest()


def move(source_url: str, dead_url: str, *, limit: int, message_ids: Iterable[str] | None = None) -> int:
    """Move up to `limit` dead letters (only `message_ids`, when given) back to the source queue.

    Receive, send (body and message attributes as they were), then delete, ten at a time. A message
    sent but not deleted (a failure in between) is delivered twice: the handlers absorb repeats.
    Letters passed over are made visible again at the end. Returns how many moved."""
    wanted = set(message_ids) if message_ids is not None else None
    sqs = _sqs()
    moved: set[str] = set()
    passed_over: list[str] = []  # receipt handles to release
    seen = 0
    deadline = time.monotonic() + MOVE_BUDGET_S
    try:
        while len(moved) < limit and time.monotonic() < deadline:
            if wanted is not None and (wanted <= moved or seen >= SCAN_MAX):
                break
            batch: list[Message] = sqs.receive_message(
                QueueUrl=dead_url,
                MaxNumberOfMessages=PEEK_MAX if wanted is not None else min(PEEK_MAX, limit - len(moved)),
                VisibilityTimeout=MOVE_HIDE_S,
                WaitTimeSeconds=0,
                MessageSystemAttributeNames=["AWSTraceHeader", "MessageGroupId"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            seen += len(batch)
            room = limit - len(moved)
            take = [m for m in batch if (wanted is None or m["MessageId"] in wanted) and m["MessageId"] not in moved]
            take = take[:room]
            taken = {m["MessageId"] for m in take}
            passed_over += [m["ReceiptHandle"] for m in batch if m["MessageId"] not in taken]
            for part in _by_size(take):
                done, failed = _send_and_delete(sqs, source_url, dead_url, part)
                moved |= done
                passed_over += failed
    finally:
        _release(sqs, dead_url, passed_over)
    return len(moved)


def _send_and_delete(sqs: Any, source_url: str, dead_url: str, part: Sequence[Message]) -> tuple[set[str], list[str]]:
    """(ids moved, receipt handles of those that were not sent)."""
    entries = []
    for i, m in enumerate(part):
        entry: dict[str, Any] = {"Id": str(i), "MessageBody": m["Body"]}
        if m.get("MessageAttributes"):
            entry["MessageAttributes"] = _attributes(m["MessageAttributes"])
        trace = m.get("Attributes", {}).get("AWSTraceHeader")
        if trace:
            entry["MessageSystemAttributes"] = {"AWSTraceHeader": {"DataType": "String", "StringValue": trace}}
        group = m.get("Attributes", {}).get("MessageGroupId")
        if group:  # back into its FIFO group; deduplicated by the dead letter's id (a redrive twice in 5 min: once)
            entry.update(MessageGroupId=group, MessageDeduplicationId=m["MessageId"])
        entries.append(entry)
    answer = sqs.send_message_batch(QueueUrl=source_url, Entries=entries)
    sent = [part[int(s["Id"])] for s in answer.get("Successful", [])]
    failed = [part[int(f["Id"])]["ReceiptHandle"] for f in answer.get("Failed", [])]
    if sent:
        sqs.delete_message_batch(
            QueueUrl=dead_url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(sent)]
        )
    return {m["MessageId"] for m in sent}, failed


def _attributes(raw: dict[str, Any]) -> dict[str, Any]:
    """Message attributes as ReceiveMessage gave them, in the shape SendMessage takes."""
    out: dict[str, Any] = {}
    for name, value in raw.items():
        attribute = {"DataType": value["DataType"]}
        attribute.update({k: value[k] for k in ("StringValue", "BinaryValue") if k in value})
        out[name] = attribute
    return out


def _by_size(messages: Sequence[Message]) -> Iterator[list[Message]]:
    """Batches of up to 10 whose bodies and attributes fit one SendMessageBatch."""
    part: list[Message] = []
    size = 0
    for m in messages:
        own = len(m["Body"].encode()) + len(json.dumps(m.get("MessageAttributes", {}), default=str).encode())
        if part and (len(part) == PEEK_MAX or size + own > SEND_BATCH_BYTES):
            yield part
            part, size = [], 0
        part.append(m)
        size += own
    if part:
        yield part


def _release(sqs: Any, url: str, receipt_handles: Sequence[str]) -> None:
    for start in range(0, len(receipt_handles), 10):
        chunk = receipt_handles[start : start + 10]
        sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0} for i, h in enumerate(chunk)],
        )
