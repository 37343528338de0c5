"""The local stand-in for Lambda's event source mappings and EventBridge schedules.

Drains every queue in `RESOURCES.queues` into the same app.py handler Lambda calls, with the
event dict Lambda builds and its partial batch response honoured, and fires the schedules.
Dead-lettering is left to SQS itself: moto, like AWS, moves a message to the queue's DLQ when
it is received again after `maxReceiveCount` receives.
"""

from __future__ import annotations

import base64
import importlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.observability import logger
from chalicelib.resources import RESOURCES, Queue, physical_name

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class QueueCounts:
    received: int = 0
    succeeded: int = 0
    failed: int = 0


@dataclass
class PassCounts:
    """What one pass did: per queue key, and how many schedules fired (or failed)."""

    queues: dict[str, QueueCounts] = field(default_factory=dict)
    schedules_fired: int = 0
    schedules_failed: int = 0

    @property
    def received(self) -> int:
        return sum(q.received for q in self.queues.values())


def _sweep_now() -> None:
    # AWS publishes through the table's stream within a second and sweeps stragglers after a
    # minute; moto's stream read API is unusable, so locally the sweep does both, with no delay.
    from chalicelib.adapters import outbox
    from chalicelib.adapters.dynamo import Table

    outbox.sweep(Table(), older_than=timedelta(0))


# Schedules whose local run differs from their deployed handler.
LOCAL_SCHEDULES: dict[str, Callable[[], None]] = {"outbox_sweep": _sweep_now}


class Pump:
    """`run_once()` for tests; `start()`/`stop()` for the local stack's background thread."""

    def __init__(
        self,
        app_module: Any = None,
        *,
        wait_seconds: int = 0,
        retry_delay_s: int = 1,
        idle_sleep_s: float = 0.5,
    ) -> None:
        self._app_module = app_module
        self.wait_seconds = wait_seconds
        self.retry_delay_s = retry_delay_s
        self.idle_sleep_s = idle_sleep_s
        self._queues: dict[str, tuple[str, str]] = {}  # key -> (url, arn), looked up once
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- one pass ------------------------------------------------------------------------------

    def run_once(self) -> PassCounts:
        counts = PassCounts()
        for queue in RESOURCES.queues:
            try:
                counts.queues[queue.key] = self._drain_batch(queue)
            except Exception:
                logger.exception("pump: polling a queue failed", extra={"queue": queue.key})
                counts.queues[queue.key] = QueueCounts()
        for schedule in RESOURCES.schedules:
            try:
                self._fire(schedule.handler)
                counts.schedules_fired += 1
            except Exception:
                logger.exception("pump: scheduled handler failed", extra={"handler": schedule.handler})
                counts.schedules_failed += 1
        return counts

    def _drain_batch(self, queue: Queue) -> QueueCounts:
        from chalicelib.adapters import aws

        sqs = aws.client("sqs")
        url, arn = self._queue(queue.key)
        answer = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(queue.batch_size, 10),
            WaitTimeSeconds=self.wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        counts = QueueCounts(received=len(messages))
        if not messages:
            return counts
        region = sqs.meta.region_name
        event = {"Records": [_record(m, arn, region) for m in messages]}
        failed = self._invoke(queue, event)
        ok = [m for m in messages if m["MessageId"] not in failed]
        retry = [m for m in messages if m["MessageId"] in failed]
        if ok:  # one batch call: a receive returns at most 10 messages
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(ok)]
            )
        if retry:
            # Lambda leaves a failed message invisible for the queue's whole visibility timeout;
            # locally a short delay gets the retry (and, at last, the DLQ) in seconds.
            sqs.change_message_visibility_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": self.retry_delay_s}
                    for i, m in enumerate(retry)
                ],
            )
        counts.succeeded, counts.failed = len(ok), len(retry)
        return counts

    def _invoke(self, queue: Queue, event: dict[str, Any]) -> set[str]:
        """The handler's failed message ids; all of them when it raises (as Lambda treats it)."""
        every = {r["messageId"] for r in event["Records"]}
        try:
            answer = self._handler(queue.handler)(event, _context(queue.handler))
        except Exception:
            logger.exception("pump: handler raised; the whole batch is retried", extra={"queue": queue.key})
            return every
        if not isinstance(answer, dict):
            return set()
        failures = answer.get("batchItemFailures") or []
        ids = {str(f.get("itemIdentifier")) for f in failures if isinstance(f, dict)}
        # Lambda fails the whole batch when a reported id is not one of the batch's.
        return ids if ids <= every else every

    def _fire(self, handler_name: str) -> None:
        local = LOCAL_SCHEDULES.get(handler_name)
        if local is not None:
            local()
            return
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "eu-west-1",
            "resources": [],
            "detail": {},
        }
        self._handler(handler_name)(event, _context(handler_name))

    def _handler(self, name: str) -> Handler:
        module = self._app_module or importlib.import_module("app")
        handler: Handler = getattr(module, name)
        return handler

    def _queue(self, key: str) -> tuple[str, str]:
        found = self._queues.get(key)
        if found is None:
            from chalicelib.adapters import aws

            sqs = aws.client("sqs")
            url = sqs.get_queue_url(QueueName=physical_name(key))["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            found = self._queues[key] = (url, arn)
        return found

    # ---- background thread ---------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="oms-pump", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                counts = self.run_once()
            except Exception:  # run_once guards each step; this is the last line of defence
                logger.exception("pump: pass failed")
                counts = PassCounts()
            # Go straight on while there is work; otherwise the idle sleep paces the schedules.
            if counts.received == 0:
                self._stop.wait(self.idle_sleep_s)


def _record(message: dict[str, Any], arn: str, region: str) -> dict[str, Any]:
    """One SQS record as Lambda's event source mapping delivers it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {name: _attribute(value) for name, value in message.get("MessageAttributes", {}).items()},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    }


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return out


def _context(function_name: str) -> Any:
    from chalice.local import LambdaContext

    return LambdaContext(function_name, memory_size=512, max_runtime_ms=60_000)
