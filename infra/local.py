"""The whole OMS on one machine (`make run`): moto for AWS, Chalice's dev server, the pump.

    python -m infra.local [--port 8000] [--moto-port 5055] [--state-dir .oms-local]

Tables, queues, bus and rules come from `infra.provision`, the definitions the CDK app uses.
Data survives a clean stop (Ctrl-C, SIGTERM) in `<state-dir>/snapshot.json`; `make reset`
deletes the state dir.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import logging
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from chalicelib.resources import RESOURCES, dlq_name, physical_name

STAGE = "local"
HOST = "127.0.0.1"
REGION = "eu-west-1"
SNAPSHOT = "snapshot.json"
ADMIN_TOKEN = "admin-token"


def configure_environment(moto_port: int) -> None:
    """Before any boto3 client exists: point every client at moto, never at a real account."""
    for name in [n for n in os.environ if n.startswith("OMS_TABLE_")] + [
        "OMS_BUS",
        "OMS_CHANNEL_SECRETS",
        "OMS_QUEUE_PREFIX",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
    ]:
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": f"http://{HOST}:{moto_port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "OMS_STAGE": STAGE,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "OMS_AWS_READ_TIMEOUT_S": "30",
            # EMF lines are for CloudWatch; locally the pump's sweep would print one twice a second.
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_SERVICE_NAME": "oms",
        }
    )


class SerialMotoServer:
    """moto's server with one request at a time inside moto.

    moto's in-memory back ends are not thread-safe: under concurrent requests they fail ("dictionary
    changed size during iteration") or half-apply a transaction, and botocore's retry of the 500
    then writes twice. Connections are still accepted concurrently; moto itself runs serially,
    which is also how DynamoDB appears to a caller: each request atomic.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = DomainDispatcherApplication(create_backend_app)
        lock = threading.Lock()

        def serial(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            with lock:
                return [b"".join(app(environ, start_response))]

        self._server = make_server(self.host, self.port, serial, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()


def _port_is_free(port: int) -> bool:
    # SO_REUSEADDR as both servers set it, so a port left in TIME_WAIT by a restart counts as free.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


# ---- snapshot ---------------------------------------------------------------------------------


def _client(service: str) -> Any:
    from chalicelib.adapters import aws

    return aws.client(service)


def _queue_names() -> dict[str, str]:
    """Snapshot key -> physical queue name, DLQs included."""
    out: dict[str, str] = {}
    for queue in RESOURCES.queues:
        out[queue.key] = physical_name(queue.key)
        out[f"{queue.key}-dlq"] = dlq_name(queue.key)
    return out


def save_snapshot(path: Path) -> dict[str, int]:
    """Every table's items and every queued message, keyed by resource key, not physical name."""
    dynamodb = _client("dynamodb")
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in RESOURCES.tables:
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=physical_name(table.key)):
            items.extend(page.get("Items", []))
        tables[table.key] = items
    sqs = _client("sqs")
    queues: dict[str, list[dict[str, Any]]] = {}
    for key, name in _queue_names().items():
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        messages: list[dict[str, Any]] = []
        # The pump is stopped, so receiving only hides messages from nobody; in-flight ones
        # (waiting for a retry) are not visible and are not saved.
        while batch := sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300, MessageAttributeNames=["All"]
        ).get("Messages", []):
            messages.extend({"body": m["Body"], "attributes": m.get("MessageAttributes", {})} for m in batch)
        queues[key] = messages
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({"version": 1, "tables": tables, "queues": queues}, default=_bytes_to_b64))
    partial.replace(path)  # a failed write never spoils the previous snapshot
    return {"items": sum(map(len, tables.values())), "messages": sum(map(len, queues.values()))}


def load_snapshot(path: Path) -> dict[str, int]:
    if not path.exists():
        return {"items": 0, "messages": 0}
    snapshot = json.loads(path.read_text())
    dynamodb = _client("dynamodb")
    items = 0
    for key, wire_items in snapshot.get("tables", {}).items():
        name = physical_name(key)
        for start in range(0, len(wire_items), 25):
            pending: dict[str, Any] = {name: [{"PutRequest": {"Item": i}} for i in wire_items[start : start + 25]]}
            while pending:
                pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        items += len(wire_items)
    sqs = _client("sqs")
    names = _queue_names()
    messages = 0
    for key, saved in snapshot.get("queues", {}).items():
        if key not in names:
            continue
        url = sqs.get_queue_url(QueueName=names[key])["QueueUrl"]
        for message in saved:
            attributes = {k: _b64_to_bytes(v) for k, v in message.get("attributes", {}).items()}
            if attributes:
                sqs.send_message(QueueUrl=url, MessageBody=message["body"], MessageAttributes=attributes)
            else:
                sqs.send_message(QueueUrl=url, MessageBody=message["body"])
            messages += 1
    return {"items": items, "messages": messages}


def _bytes_to_b64(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"__b64__": base64.b64encode(value).decode()}
    raise TypeError(f"cannot snapshot {type(value).__name__}")


def _b64_to_bytes(attribute: dict[str, Any]) -> dict[str, Any]:
    return {
        k: base64.b64decode(v["__b64__"]) if isinstance(v, dict) and "__b64__" in v else v for k, v in attribute.items()
    }


# ---- admin token ------------------------------------------------------------------------------


def ensure_admin_token(state_dir: Path) -> str:
    """The token in `<state-dir>/admin-token` if the table still knows it; a new one otherwise."""
    from chalicelib.adapters.dynamo import Table
    from chalicelib.domain.errors import Unauthorized
    from chalicelib.service import auth

    path = state_dir / ADMIN_TOKEN
    if path.exists():
        token = path.read_text().strip()
        with contextlib.suppress(Unauthorized):
            if token and auth.authenticate(Table(), f"Bearer {token}").role == "admin":
                return token
    token = auth.issue(Table(), "admin", created_by="local")
    state_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n")
    path.chmod(0o600)
    return token


# ---- the stack --------------------------------------------------------------------------------


class LocalStack:
    def __init__(self, port: int, moto_port: int, state_dir: Path) -> None:
        self.port = port
        self.moto_port = moto_port
        self.state_dir = state_dir
        self.admin_token = ""
        self._moto: Any = None
        self._http: Any = None
        self._http_thread: threading.Thread | None = None
        self._pump: Any = None
        self._restored = False  # until the snapshot is loaded, saving one would overwrite it with less

    def start(self) -> None:
        configure_environment(self.moto_port)
        import boto3

        from infra.provision import provision

        # The pump polls moto a few times a second; its access log would drown the app's.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._moto = SerialMotoServer(HOST, self.moto_port)
        self._moto.start()
        provision(boto3.session.Session(), STAGE)
        loaded = load_snapshot(self.state_dir / SNAPSHOT)
        self._restored = True
        if loaded["items"] or loaded["messages"]:
            _say(f"restored {loaded['items']} items and {loaded['messages']} messages from {self.state_dir / SNAPSHOT}")
        self.admin_token = ensure_admin_token(self.state_dir)
        from infra import demo

        if demo.load_if_empty():
            _say(f"loaded the demo network from {demo.DEMO_NETWORK.name}")

        from chalice.config import Config
        from chalice.local import create_local_server

        import app as app_module
        from infra.pump import Pump

        # create_local_server's default server is threaded, and it makes current_request
        # thread-local, so concurrent requests do not see each other's.
        self._http = create_local_server(app_module.app, Config(chalice_stage=STAGE), HOST, self.port)
        self._http_thread = threading.Thread(
            target=self._http.server.serve_forever, kwargs={"poll_interval": 0.2}, name="oms-http", daemon=True
        )
        self._http_thread.start()
        self._pump = Pump(app_module, wait_seconds=0, retry_delay_s=1, idle_sleep_s=0.5)
        self._pump.start()

    def stop(self) -> None:
        """Pump and HTTP first, so nothing changes while the snapshot is taken; moto last."""
        if self._pump is not None:
            self._pump.stop()
        if self._http is not None:
            self._http.server.shutdown()
            self._http.server.server_close()
        if self._moto is not None and self._restored:
            try:
                saved = save_snapshot(self.state_dir / SNAPSHOT)
                _say(f"saved {saved['items']} items and {saved['messages']} messages to {self.state_dir / SNAPSHOT}")
            except Exception as exc:
                _say(f"could not save the snapshot: {exc}")
        if self._moto is not None:
            self._moto.stop()

    def banner(self) -> str:
        api = f"http://{HOST}:{self.port}"
        token_file = self.state_dir / ADMIN_TOKEN
        return "\n".join(
            [
                "",
                "OMS local stack",
                f"  API            {api}   (contract: {api}/docs)",
                f"  AWS (moto)     http://{HOST}:{self.moto_port}   stage '{STAGE}', region {REGION}",
                f"  admin token    {self.admin_token}",
                f"                 (also in {token_file})",
                f"  state          {self.state_dir}   (make reset starts clean)",
                "",
                "  try:",
                f"    curl -s {api}/health",
                f'    curl -s -H "Authorization: Bearer $(cat {token_file})" "{api}/orders?status=open"',
                "",
                "  Ctrl-C stops everything and saves the data.",
                "",
            ]
        )


def _say(text: str) -> None:
    print(text, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description="The whole OMS on one machine.")
    parser.add_argument("--port", type=int, default=8000, help="the API's port (default 8000)")
    parser.add_argument("--moto-port", type=int, default=5055, help="the moto server's port (default 5055)")
    parser.add_argument("--state-dir", type=Path, default=Path(".oms-local"), help="snapshot and admin token")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Logs and banner in the order they happen, also when piped (`make run | tee`).
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    if args.port == args.moto_port:
        _say("--port and --moto-port must differ")
        return 2
    for port in (args.port, args.moto_port):
        # Checked up front: moto's server thread would hang start() on a port already taken.
        if not _port_is_free(port):
            _say(f"port {port} on {HOST} is in use (another `make run`?); choose one with --port/--moto-port")
            return 2

    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    stack = LocalStack(args.port, args.moto_port, args.state_dir)
    try:
        stack.start()
        _say(stack.banner())
        while not stopping.wait(0.5):
            pass
        _say("stopping...")
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
