"""The local stand-in for Lambda's event source mappings and EventBridge schedules.

Drains every queue in `RESOURCES.queues` into the same app.py handler Lambda calls, with the
event dict Lambda builds and its partial batch response honoured, and fires the schedules.
Dead-lettering is left to SQS itself: moto, like AWS, moves a message to the queue's DLQ when
it is received again after `maxReceiveCount` receives.

With `read_stream` (DynamoDB Local, which has the stream read API) it also reads each table's
stream from where it stood when the pump started, as Lambda does from LATEST, into
`RESOURCES.stream_handler`. Without it (moto, whose stream read API is missing) the outbox sweep
runs with no delay instead. Either way the first pass sweeps everything pending: events of a run
that crashed before publishing them are in the table, in no part of the stream still read.
"""

from __future__ import annotations

import base64
import importlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.observability import logger
from chalicelib.resources import RESOURCES, Queue, physical_name
from chalicelib.service.batches import held_back

# As the CDK stack's event source mapping: up to 100 records a batch, a failed batch tried 5 more times.
STREAM_BATCH_SIZE = 100
STREAM_RETRY_ATTEMPTS = 5
# Receives from one queue in one pass, while each comes back full and handled: a pass relays up to
# STREAM_BATCH_SIZE stream records, so its queues get about as many messages, and are drained as fast.
QUEUE_BATCHES_PER_PASS = 10
OUTBOX_SWEEP = RESOURCES.schedule("outbox-sweep").handler
SWEEP_EVERY_S = RESOURCES.schedule("outbox-sweep").rate_minutes * 60

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
    stream_records: int = 0
    schedules_fired: int = 0
    schedules_failed: int = 0

    @property
    def received(self) -> int:
        return sum(q.received for q in self.queues.values()) + self.stream_records


def _sweep_now() -> None:
    from chalicelib.adapters import outbox
    from chalicelib.adapters.dynamo import Table

    outbox.sweep(Table(), older_than=timedelta(0))


class Pump:
    """`run_once()` for tests; `start()`/`stop()` for the local stack's background thread."""

    def __init__(
        self,
        app_module: Any = None,
        *,
        wait_seconds: int = 0,
        retry_delay_s: int = 1,
        idle_sleep_s: float = 0.5,
        read_stream: bool = False,
        sweep_every_s: float = SWEEP_EVERY_S,
    ) -> None:
        self._app_module = app_module
        self.sweep_every_s = sweep_every_s
        self.wait_seconds = wait_seconds
        self.retry_delay_s = retry_delay_s
        self.idle_sleep_s = idle_sleep_s
        self._queues: dict[str, tuple[str, str]] = {}  # key -> (url, arn), looked up once
        self._streams = StreamReader(self._handler) if read_stream else None
        self._swept_everything = False
        self._swept_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- one pass ------------------------------------------------------------------------------

    def run_once(self) -> PassCounts:
        counts = PassCounts()
        if self._streams is not None:
            try:
                counts.stream_records = self._streams.read()
            except Exception:
                logger.exception("pump: reading the table streams failed")
        for queue in RESOURCES.queues:
            try:
                counts.queues[queue.key] = self._drain(queue)
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

    def _drain(self, queue: Queue) -> QueueCounts:
        """Batch after batch while they come back full and handled, up to QUEUE_BATCHES_PER_PASS.

        One batch a pass would starve the queues: a pass that relays a hundred stream records puts
        dozens of messages on them, and what waits there waits in moto's memory."""
        counts = QueueCounts()
        for _ in range(QUEUE_BATCHES_PER_PASS):
            batch = self._drain_batch(queue)
            counts.received += batch.received
            counts.succeeded += batch.succeeded
            counts.failed += batch.failed
            if batch.failed or batch.received < min(queue.batch_size, 10):
                break  # empty for now; or a failure, retried on a later pass as Lambda would
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
        if not messages:
            return QueueCounts()
        region = sqs.meta.region_name
        event = {"Records": [_record(m, arn, region) for m in messages]}
        failed = self._invoke(queue, event)
        ok = [m for m in messages if m["MessageId"] not in failed]
        retry = [m for m in messages if m["MessageId"] in failed - held_back()]  # held back: as their handler set
        if ok:  # one batch call: a receive returns at most 10 messages
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(ok)]
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)
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
        return QueueCounts(received=len(messages), succeeded=len(ok), failed=len(messages) - len(ok))

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
        # The first sweep publishes every pending event, however young: the stream is read from
        # the pump's start on. After that, with the stream relaying within a second, the deployed
        # sweep catches stragglers; without a stream the sweep relays too, with no delay.
        if handler_name == OUTBOX_SWEEP and (self._streams is None or not self._swept_everything):
            _sweep_now()
            self._swept_everything = True
            self._swept_at = time.monotonic()
            return
        if handler_name == OUTBOX_SWEEP:
            # With the stream relaying, the sweep only catches stragglers: as deployed, once a rate
            # (a busy pump passes many times a second, and each sweep reads the whole backlog).
            if time.monotonic() - self._swept_at < self.sweep_every_s:
                return
            self._swept_at = time.monotonic()
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


@dataclass
class _Shard:
    stream_arn: str
    shard_id: str
    iterator: str | None
    last_sequence: str | None = None
    failed: list[dict[str, Any]] = field(default_factory=list)  # a batch the handler raised on
    attempts: int = 0


class StreamReader:
    """Each stream-enabled table's stream into the stream handler, as Lambda's event source mapping."""

    def __init__(self, handler_of: Callable[[str], Handler]) -> None:
        self._handler_of = handler_of
        self._shards: list[_Shard] | None = None  # positioned on the first read
        self._known: set[str] = set()

    def read(self) -> int:
        """One batch from every shard; returns how many records the handler was given."""
        if self._shards is None:
            shards: list[_Shard] = []
            for table in RESOURCES.tables:
                if table.stream:
                    described = _client("dynamodb").describe_table(TableName=_table_name(table.key))["Table"]
                    shards += self._discover(described["LatestStreamArn"], "LATEST")
            self._shards = shards  # only once every table's stream is positioned: else tried again
        given = 0
        for shard in list(self._shards):
            given += self._read_shard(shard)
        return given

    def _read_shard(self, shard: _Shard) -> int:
        streams = _client("dynamodbstreams")
        if shard.failed:
            records, next_iterator = shard.failed, shard.iterator
        else:
            try:
                answer = streams.get_records(ShardIterator=shard.iterator, Limit=STREAM_BATCH_SIZE)
            except streams.exceptions.ExpiredIteratorException:
                shard.iterator = self._iterator(shard.stream_arn, shard.shard_id, shard.last_sequence)
                return 0
            records, next_iterator = answer.get("Records", []), answer.get("NextShardIterator")
        if records:
            try:
                self._handler_of(RESOURCES.stream_handler)(
                    {"Records": [_stream_record(r, shard.stream_arn) for r in records]},
                    _context(RESOURCES.stream_handler),
                )
            except Exception:
                shard.attempts += 1
                if shard.attempts <= STREAM_RETRY_ATTEMPTS:
                    logger.exception("pump: the stream handler raised; the batch is retried", extra=_ids(shard))
                    shard.failed, shard.iterator = records, next_iterator
                    return len(records)
                # Lambda gives up too (retry_attempts); the events stay pending for the outbox sweep.
                logger.exception("pump: the stream handler raised; the batch is skipped", extra=_ids(shard))
            shard.last_sequence = records[-1]["dynamodb"]["SequenceNumber"]
        shard.failed, shard.attempts, shard.iterator = [], 0, next_iterator
        if next_iterator is None:  # the shard is closed; its children carry on from their start
            assert self._shards is not None
            self._shards.remove(shard)
            self._shards += self._discover(shard.stream_arn, "TRIM_HORIZON")
        return len(records)

    def _discover(self, stream_arn: str, position: str) -> list[_Shard]:
        """Every open shard not seen before, positioned at `position`."""
        streams = _client("dynamodbstreams")
        shards: list[dict[str, Any]] = []
        request: dict[str, Any] = {"StreamArn": stream_arn}
        while True:
            description = streams.describe_stream(**request)["StreamDescription"]
            shards.extend(description.get("Shards", []))
            if not description.get("LastEvaluatedShardId"):
                break
            request["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]
        new = [s for s in shards if s["ShardId"] not in self._known]
        opened = [
            _Shard(
                stream_arn,
                s["ShardId"],
                streams.get_shard_iterator(StreamArn=stream_arn, ShardId=s["ShardId"], ShardIteratorType=position)[
                    "ShardIterator"
                ],
            )
            for s in new
            if "EndingSequenceNumber" not in s.get("SequenceNumberRange", {})
        ]
        self._known |= {s["ShardId"] for s in new}
        return opened

    def _iterator(self, stream_arn: str, shard_id: str, after: str | None) -> str:
        position: dict[str, str] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
            if after
            else {"ShardIteratorType": "LATEST"}
        )
        iterator: str = _client("dynamodbstreams").get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard_id, **position
        )["ShardIterator"]
        return iterator


def _ids(shard: _Shard) -> dict[str, Any]:
    return {"shardId": shard.shard_id, "attempts": shard.attempts}


def _stream_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda delivers it: epoch seconds, not boto3's datetime, and the ARN."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": change, "eventSourceARN": stream_arn}


def _client(service: str) -> Any:
    from chalicelib.adapters import aws

    return aws.client(service)


def _table_name(key: str) -> str:
    from chalicelib.adapters import aws

    return aws.table_name(key)


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
