"""The local stack (`python -m infra.local`) as a subprocess on free ports, with its own state dir.

It runs in a process group of its own (the Python process and DynamoDB Local's JVM), so a test can
kill every process of it at once, as a crash or a power cut would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import requests

from tests.local_aws import free_port, local_client

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60  # DynamoDB Local's JVM takes a few seconds on a busy machine


class LocalStackProcess:
    """`dynamodb`: where the tables live, `local` (DynamoDB Local, as `make run`) or `moto`;
    `marketplaces`: whether the fake marketplaces start (off unless a test is about them, since their
    orders take stock the journeys count)."""

    def __init__(self, state_dir: Path, dynamodb: str = "local", *, marketplaces: bool = False) -> None:
        self.state_dir = state_dir
        self.dynamodb_backend = dynamodb
        self.marketplaces = marketplaces
        self.port = free_port()
        self.moto_port = free_port()
        self.dynamodb_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = state_dir.parent / "local-stack.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        """The stack's Python process, leader of its process group."""
        assert self._process is not None, "the stack is not running"
        return self._process.pid

    @property
    def admin_token(self) -> str:
        return (self.state_dir / "admin-token").read_text().strip()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}", "Content-Type": "application/json"}

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "infra.local",
                *("--port", str(self.port), "--moto-port", str(self.moto_port)),
                *("--dynamodb", self.dynamodb_backend, "--dynamodb-port", str(self.dynamodb_port)),
                *("--state-dir", str(self.state_dir)),
                *(() if self.marketplaces else ("--no-marketplaces",)),
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                pytest.fail(f"the local stack exited with {self._process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        self.stop(signal.SIGKILL)
        pytest.fail(f"the local stack did not answer /health in {START_TIMEOUT_S} s:\n{self.log_tail()}")

    def stop(self, sig: int = signal.SIGINT) -> int | None:
        """Send `sig` and wait; the exit code (None if it was not running)."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
        return process.returncode

    def kill(self) -> None:
        """SIGKILL to every process of the stack at once: nothing gets to flush or save anything."""
        process, self._process = self._process, None
        assert process is not None, "the stack is not running"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 10
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # the JVM is reaped by init, not by us
        if self._log is not None:
            self._log.close()

    def dynamodb(self) -> Any:
        """A client on the stack's tables, for what the API does not show (the outbox)."""
        return local_client("dynamodb", self.dynamodb_port if self.dynamodb_backend == "local" else self.moto_port)

    def sqs(self) -> Any:
        """A client on the stack's queues (moto's)."""
        return local_client("sqs", self.moto_port)

    def pending_events(self) -> int:
        """Events in the outbox's sparse index: not yet marked sent."""
        from chalicelib.adapters import keys

        dynamodb = self.dynamodb()
        total = 0
        for partition in keys.OUTBOX.partitions():
            answer = dynamodb.query(
                TableName="oms-local-orders",
                IndexName="GSI3",
                KeyConditionExpression="GSI3PK = :shard",
                ExpressionAttributeValues={":shard": {"S": partition}},
                Select="COUNT",
            )
            total += int(answer["Count"])
        return total

    def queued_messages(self) -> int:
        """Messages on the stack's queues (dead-letter queues aside), visible, in flight or delayed:
        what the pump has yet to hand to a handler, held in moto's memory meanwhile."""
        from chalicelib.resources import RESOURCES, physical_name

        sqs = self.sqs()
        counters = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        total = 0
        for queue in RESOURCES.queues:
            url = sqs.get_queue_url(QueueName=physical_name(queue.key, "local"))["QueueUrl"]
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=counters)["Attributes"]
            total += sum(int(attributes.get(name, 0)) for name in counters)
        return total

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    stack = LocalStackProcess(tmp_path_factory.mktemp("oms-local") / "state")
    stack.start()
    yield stack
    stack.stop(signal.SIGTERM)


@pytest.fixture
def stack(local_stack: LocalStackProcess) -> LocalStackProcess:
    """The session's stack, started again if a test before this one left it stopped."""
    if not local_stack.running:
        local_stack.start()
    return local_stack
