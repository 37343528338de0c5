"""The whole OMS on one machine (`make run`): DynamoDB Local for the tables, moto for the rest of
AWS (SQS, EventBridge, Secrets Manager), Chalice's dev server, the pump.

    python -m infra.local [--port 8000] [--moto-port 5055] [--dynamodb-port 5056] [--state-dir .oms-local]
                          [--dynamodb local|moto]

Tables, queues, bus and rules come from `infra.provision`, the definitions the CDK app uses.
The tables live in DynamoDB Local's SQLite files under `<state-dir>/dynamodb`: every acknowledged
write survives even a SIGKILL of the whole stack. Queues and the bus live in moto's memory: what
they hold is kept across a clean stop (Ctrl-C, SIGTERM) in `<state-dir>/queues.json`; after a
crash the pump's first outbox sweep publishes again every event not marked sent. `make reset`
deletes the state dir. `--dynamodb moto` keeps the tables in moto instead (in memory, lost on
stop): for comparing the two (`make bench`).
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
import uuid
from collections.abc import Iterable
from pathlib import Path
from types import FrameType
from typing import Any

from chalicelib.resources import RESOURCES, dlq_name, physical_name
from infra.dynamodb_local import DurableTransactions, DynamoDBLocal

STAGE = "local"
HOST = "127.0.0.1"
REGION = "eu-west-1"
QUEUES_SNAPSHOT = "queues.json"
ADMIN_TOKEN = "admin-token"
DYNAMODB_DIR = "dynamodb"


def configure_environment(moto_port: int, dynamodb_endpoint: str | None) -> None:
    """Before any boto3 client exists: point every client at moto (DynamoDB, when `dynamodb_endpoint`
    is given, at DynamoDB Local), never at a real account."""
    for name in [n for n in os.environ if n.startswith("OMS_TABLE_")] + [
        "OMS_BUS",
        "OMS_CHANNEL_SECRETS",
        "OMS_PARTNER_SECRETS",
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
    for variable in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS"):
        # botocore's service-specific endpoints win over AWS_ENDPOINT_URL.
        if dynamodb_endpoint:
            os.environ[variable] = dynamodb_endpoint
        else:
            os.environ.pop(variable, None)


class SerialMotoServer:
    """moto's server with one request at a time inside moto, keeping what is queued, not what went through.

    moto's in-memory back ends are not thread-safe: under concurrent requests they fail ("dictionary
    changed size during iteration") or half-apply a transaction, and botocore's retry of the 500
    then writes twice. Connections are still accepted concurrently; moto itself runs serially,
    which is also how DynamoDB appears to a caller: each request atomic.

    After each request it lets go of what moto would otherwise keep of it for the life of the
    process (`forget_history`), so the stack's memory does not grow with the messages it has carried.
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
                try:
                    return [b"".join(app(environ, start_response))]
                finally:
                    forget_history()

        self._server = make_server(self.host, self.port, serial, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()


# Receipt handles of deleted messages a queue remembers, so that deleting one again (botocore's
# retry of a DeleteMessage whose answer was lost) succeeds, as on AWS.
REMEMBERED_DELETIONS = 1000


def forget_history() -> None:
    """Drop what moto keeps of every request, by design, for as long as the process lives.

    - Every model instance it ever made (`BaseModel.__new__` appends each to its class's
      `instances_tracked`, for its dashboard at /moto-api/, which nothing here reads and which now
      shows nothing): each SQS message sent, and a deep copy of it at each receive, body included,
      some 9 KB an order. moto's mock empties these lists when it stops (`reset_model_data`); its
      server never does.
    - Each queue's `deleted_messages`, every receipt handle of every message ever deleted (185
      characters each): only the latest REMEMBERED_DELETIONS are kept.

    Call it only while no request is inside moto.
    """
    from moto.core.model_instances import reset_model_data

    reset_model_data()
    if "moto.sqs.models" not in sys.modules:  # imported by the first SQS request
        return
    from moto.sqs.models import sqs_backends

    for regions in list(sqs_backends.values()):
        for backend in list(regions.values()):
            for queue in backend.queues.values():
                if not isinstance(queue.deleted_messages, RecentHandles):
                    queue.deleted_messages = RecentHandles(REMEMBERED_DELETIONS, queue.deleted_messages)


class RecentHandles(set[str]):
    """The set of deleted receipt handles a moto queue keeps, holding only the `keep` added last."""

    def __init__(self, keep: int, handles: Iterable[str] = ()) -> None:
        super().__init__()
        self._keep = keep
        self._order: dict[str, None] = {}  # oldest first
        self.update(handles)

    def add(self, handle: str) -> None:
        self.update([handle])

    def update(self, *iterables: Iterable[str]) -> None:
        for handles in iterables:
            for handle in handles:
                self._order.pop(handle, None)
                self._order[handle] = None
                super().add(handle)
        while len(self._order) > self._keep:
            oldest = next(iter(self._order))
            del self._order[oldest]
            self.discard(oldest)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _port_is_free(port: int) -> bool:
    # SO_REUSEADDR as both servers set it, so a port left in TIME_WAIT by a restart counts as free.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


# ---- what the queues hold, across a clean stop -----------------------------------------------


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


def save_queues(path: Path) -> int:
    """Every queued message, keyed by queue key, not physical name; returns how many.

    Cheap, and not everything queued is in the table (an order sent to `order-intake` is not yet);
    the tables need no snapshot: DynamoDB Local keeps them on disk."""
    sqs = _client("sqs")
    queues: dict[str, list[dict[str, Any]]] = {}
    for key, name in _queue_names().items():
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        messages: list[dict[str, Any]] = []
        # The pump is stopped, so receiving only hides messages from nobody; in-flight ones
        # (waiting for a retry) are not visible and are not saved.
        while batch := sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=300,
            MessageAttributeNames=["All"],
            AttributeNames=["MessageGroupId"],
        ).get("Messages", []):
            messages.extend(
                {
                    "body": m["Body"],
                    "attributes": m.get("MessageAttributes", {}),
                    "group": m.get("Attributes", {}).get("MessageGroupId"),
                }
                for m in batch
            )
        queues[key] = messages
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({"version": 2, "queues": queues}, default=_bytes_to_b64))
    partial.replace(path)  # a failed write never spoils the previous snapshot
    return sum(map(len, queues.values()))


def restore_queues(path: Path) -> int:
    """Send the saved messages again, then forget them: after a crash they would be stale."""
    if not path.exists():
        return 0
    snapshot = json.loads(path.read_text())
    sqs = _client("sqs")
    names = _queue_names()
    messages = 0
    for key, saved in snapshot.get("queues", {}).items():
        if key not in names:
            continue
        url = sqs.get_queue_url(QueueName=names[key])["QueueUrl"]
        for message in saved:
            sent: dict[str, Any] = {"QueueUrl": url, "MessageBody": message["body"]}
            attributes = {k: _b64_to_bytes(v) for k, v in message.get("attributes", {}).items()}
            if attributes:
                sent["MessageAttributes"] = attributes
            if names[key].endswith(".fifo"):
                # A FIFO queue takes no message without its group; a fresh deduplication id, since the
                # original was used within the last five minutes (a quick restart) and would drop it.
                sent["MessageGroupId"] = message.get("group") or key
                sent["MessageDeduplicationId"] = uuid.uuid4().hex
            sqs.send_message(**sent)
            messages += 1
    path.unlink()
    return messages


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
    def __init__(
        self,
        port: int,
        moto_port: int,
        state_dir: Path,
        *,
        dynamodb_port: int,
        dynamodb: str = "local",
        marketplaces: bool = True,
    ) -> None:
        self.port = port
        self.moto_port = moto_port
        self.state_dir = state_dir
        self.admin_token = ""
        self._dynamodb: DynamoDBLocal | None = None
        self._proxy: DurableTransactions | None = None
        if dynamodb == "local":
            # Clients talk to the proxy on `dynamodb_port`; DynamoDB Local itself listens on a free port.
            self._dynamodb = DynamoDBLocal(
                _free_port(), db_path=state_dir / DYNAMODB_DIR, log=state_dir / "dynamodb-local.log"
            )
            self._proxy = DurableTransactions(self._dynamodb.port, dynamodb_port)
        self._moto: Any = None
        self._http: Any = None
        self._http_thread: threading.Thread | None = None
        self._pump: Any = None
        self._with_marketplaces = marketplaces
        self._marketplaces: list[Any] = []
        self._restored = False  # until the queues are restored, saving them would overwrite the file with less

    def start(self) -> None:
        configure_environment(self.moto_port, self._proxy.endpoint if self._proxy else None)
        import boto3

        from infra.provision import provision

        if self._dynamodb is not None and self._proxy is not None:
            self._dynamodb.start()
            self._proxy.start()
        # The pump polls moto a few times a second; its access log would drown the app's.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._moto = SerialMotoServer(HOST, self.moto_port)
        self._moto.start()
        provision(boto3.session.Session(), STAGE)
        restored = restore_queues(self.state_dir / QUEUES_SNAPSHOT)
        self._restored = True
        if restored:
            _say(f"restored {restored} queued messages from {self.state_dir / QUEUES_SNAPSHOT}")
        self.admin_token = ensure_admin_token(self.state_dir)
        from infra import demo

        if demo.load_if_empty():
            _say(f"loaded the demo network from {demo.DEMO_NETWORK.name}")
        if self._with_marketplaces:
            from infra import demo_platforms

            self._marketplaces = demo_platforms.start()

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
        self._pump = Pump(
            app_module, wait_seconds=0, retry_delay_s=1, idle_sleep_s=0.5, read_stream=self._dynamodb is not None
        )
        self._pump.start()

    def stop(self) -> None:
        """Pump and HTTP first, so nothing changes while the queues are saved; moto and DynamoDB last."""
        if self._pump is not None:
            self._pump.stop()
        if self._http is not None:
            self._http.server.shutdown()
            self._http.server.server_close()
        for marketplace in self._marketplaces:
            marketplace.stop()
        if self._moto is not None and self._restored:
            try:
                saved = save_queues(self.state_dir / QUEUES_SNAPSHOT)
                _say(f"saved {saved} queued messages to {self.state_dir / QUEUES_SNAPSHOT}")
            except Exception as exc:
                _say(f"could not save the queued messages: {exc}")
        if self._moto is not None:
            self._moto.stop()
        if self._proxy is not None:
            self._proxy.stop()
        if self._dynamodb is not None:
            self._dynamodb.stop()

    def banner(self) -> str:
        api = f"http://{HOST}:{self.port}"
        token_file = self.state_dir / ADMIN_TOKEN
        if self._proxy is not None:
            tables = f"  DynamoDB Local {self._proxy.endpoint}   data in {self.state_dir / DYNAMODB_DIR}"
        else:
            tables = "  DynamoDB       in moto: the tables are lost when the stack stops"
        return "\n".join(
            [
                "",
                "OMS local stack",
                f"  API            {api}   (contract: {api}/docs)",
                tables,
                f"  AWS (moto)     http://{HOST}:{self.moto_port}   SQS, EventBridge, Secrets Manager;"
                f" stage '{STAGE}', region {REGION}",
                *(
                    f"  marketplace    {m.channel_id:<14} fake at {m.platform.url}; its orders arrive by the poll"
                    for m in self._marketplaces
                ),
                f"  admin token    {self.admin_token}",
                f"                 (also in {token_file})",
                f"  state          {self.state_dir}   (make reset starts clean)",
                "",
                "  try:",
                f"    curl -s {api}/health",
                f'    curl -s -H "Authorization: Bearer $(cat {token_file})" "{api}/orders?status=open"',
                "",
                "  Ctrl-C stops everything.",
                "",
            ]
        )


def _say(text: str) -> None:
    print(text, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description="The whole OMS on one machine.")
    parser.add_argument("--port", type=int, default=8000, help="the API's port (default 8000)")
    parser.add_argument("--moto-port", type=int, default=5055, help="the moto server's port (default 5055)")
    parser.add_argument("--dynamodb-port", type=int, default=5056, help="DynamoDB Local's port (default 5056)")
    parser.add_argument(
        "--dynamodb", choices=["local", "moto"], default="local", help="where the tables live (default: local)"
    )
    parser.add_argument(
        "--no-marketplaces",
        dest="marketplaces",
        action="store_false",
        help="start no fake marketplaces (the tests' stacks count their own stock and orders)",
    )
    parser.add_argument("--state-dir", type=Path, default=Path(".oms-local"), help="data and admin token")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Logs and banner in the order they happen, also when piped (`make run | tee`).
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    ports = [args.port, args.moto_port] + ([args.dynamodb_port] if args.dynamodb == "local" else [])
    if len(set(ports)) != len(ports):
        _say("--port, --moto-port and --dynamodb-port must differ")
        return 2
    for port in ports:
        # Checked up front: moto's server thread would hang start() on a port already taken.
        if not _port_is_free(port):
            _say(
                f"port {port} on {HOST} is in use (another `make run`?);"
                " choose one with --port/--moto-port/--dynamodb-port"
            )
            return 2

    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    stack = LocalStack(
        args.port,
        args.moto_port,
        args.state_dir,
        dynamodb_port=args.dynamodb_port,
        dynamodb=args.dynamodb,
        marketplaces=args.marketplaces,
    )
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
