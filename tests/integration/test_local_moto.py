"""The local stack's moto server keeps what a message is while it is queued, and nothing once it is
deleted: memory stays flat however many messages go through it (issue 8)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from infra import local
from infra.local import RecentHandles, SerialMotoServer
from tests.local_aws import free_port, local_client


@pytest.fixture
def sqs() -> Iterator[Any]:
    server = SerialMotoServer("127.0.0.1", free_port())
    server.start()
    client = local_client("sqs", server.port)
    try:
        yield client
    finally:
        server.stop()


def _messages_alive() -> int:
    from moto.sqs.models import Message

    gc.collect()
    return sum(isinstance(o, Message) for o in gc.get_objects())


def _pass_through(sqs: Any, url: str, count: int) -> list[str]:
    """`count` messages sent, received and deleted, as the pump does; their receipt handles."""
    handles: list[str] = []
    for start in range(0, count, 10):
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "MessageBody": f'{{"n": {start + i}}}'} for i in range(min(10, count - start))],
        )
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        )
        handles += [m["ReceiptHandle"] for m in batch]
    return handles


def test_no_message_outlives_its_deletion(sqs, monkeypatch):
    from moto.sqs.models import Message

    monkeypatch.setattr(local, "REMEMBERED_DELETIONS", 20)
    url = sqs.create_queue(QueueName="oms-memory-test")["QueueUrl"]
    try:
        _pass_through(sqs, url, 10)  # moto's SQS models imported, the queue's set bounded
        alive = _messages_alive()
        handles = _pass_through(sqs, url, 200)

        assert _messages_alive() == alive, "moto keeps messages (or copies made at receive) after their deletion"
        assert vars(Message)["instances_tracked"] == []
        [queue] = [q for q in _queues() if q.name == "oms-memory-test"]
        assert len(queue.deleted_messages) <= 20
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handles[-1])  # deleted again: still fine, as on AWS
    finally:
        sqs.delete_queue(QueueUrl=url)


def _queues() -> list[Any]:
    from moto.sqs.models import sqs_backends

    return [q for regions in sqs_backends.values() for backend in regions.values() for q in backend.queues.values()]


def test_recent_handles_keep_the_latest():
    handles = RecentHandles(3, ["a", "b"])
    handles.update(["c", "a"])  # "a" again: now the latest
    handles.add("d")

    assert set(handles) == {"c", "a", "d"}
    assert "b" not in handles and len(handles) == 3


def test_queued_messages_survive_a_restart_fifo_ones_in_their_group(aws: dict[str, str], tmp_path: Any) -> None:
    """What `make run` saves on stop and sends again on start: a FIFO queue's message keeps its group
    (a FIFO queue refuses one without, which stopped the stack from starting again)."""
    from chalicelib.adapters import aws as aws_clients

    sqs = aws_clients.client("sqs")
    sqs.send_message(
        QueueUrl=aws["channel-status"], MessageBody='{"a": 1}', MessageGroupId="ord_1", MessageDeduplicationId="1"
    )
    sqs.send_message(
        QueueUrl=aws["channel-status"], MessageBody='{"a": 2}', MessageGroupId="ord_2", MessageDeduplicationId="2"
    )
    sqs.send_message(QueueUrl=aws["order-intake"], MessageBody='{"b": 1}')
    snapshot = tmp_path / "queues.json"

    assert local.save_queues(snapshot) == 3
    for url in aws.values():  # the stack stops: moto's queues go with it
        sqs.purge_queue(QueueUrl=url)
    assert local.restore_queues(snapshot) == 3

    received = sqs.receive_message(
        QueueUrl=aws["channel-status"], MaxNumberOfMessages=10, AttributeNames=["MessageGroupId"]
    )["Messages"]
    assert sorted((m["Body"], m["Attributes"]["MessageGroupId"]) for m in received) == [
        ('{"a": 1}', "ord_1"),
        ('{"a": 2}', "ord_2"),
    ]
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=aws["order-intake"])["Messages"]] == ['{"b": 1}']
    assert not snapshot.exists()
