"""The local pump drains a queue batch after batch in one pass, so the queues keep up with the
stream relay, which hands a pass up to a hundred records (issue 8: what waits in a queue waits in
moto's memory)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import pump as pump_module
from infra.pump import Pump


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The bodies the intake handler was given (and took)."""
    from chalicelib.service import intake

    bodies: list[str] = []
    monkeypatch.setattr(intake, "handle", bodies.append)
    return bodies


def _send(url: str, count: int) -> list[str]:
    from chalicelib.adapters import aws

    bodies = [json.dumps({"n": n}) for n in range(count)]
    for start in range(0, count, 10):
        aws.client("sqs").send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies[start : start + 10])]
        )
    return bodies


def test_a_pass_drains_batch_after_batch_up_to_its_limit(aws: dict[str, str], taken: list[str], monkeypatch: Any):
    monkeypatch.setattr(pump_module, "QUEUE_BATCHES_PER_PASS", 3)
    sent = _send(aws["order-intake"], 35)
    pump = Pump(retry_delay_s=0)

    first = pump.run_once().queues["order-intake"]
    second = pump.run_once().queues["order-intake"]

    assert (first.received, first.succeeded, first.failed) == (30, 30, 0)
    assert (second.received, second.succeeded) == (5, 5)
    assert sorted(taken) == sorted(sent)
