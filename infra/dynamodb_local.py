"""DynamoDB Local: installed once per clone, started and stopped by the local stack and the tests.

    python -m infra.dynamodb_local install    # what `make run` / `make test` do on a fresh clone

DynamoDB Local is AWS's own emulator (a Java server on SQLite): unlike moto it serves concurrent
requests, keeps every acknowledged write on disk, and has the stream read API. The only source
these machines can reach is the npm registry: the package `amplify-dynamodb-simulator` ships the
official release in its `emulator/` folder. The jar is checked against the checksum below.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

VERSION = "1.25.1"
NPM_PACKAGE = "amplify-dynamodb-simulator@2.9.30"
JAR_SHA256 = "454305e9bc3e6ebcca5b62569869e31563b8d7e346474e94557b2600702146c7"
ROOT = Path(__file__).resolve().parent.parent
# Outside .oms-local, so `make reset` wipes the data, not the 56 MB download.
INSTALL_DIR = ROOT / ".tools" / f"dynamodb-local-{VERSION}"
JAR = INSTALL_DIR / "DynamoDBLocal.jar"
STAMP = INSTALL_DIR / ".installed"
EMULATOR = "package/emulator/"
START_TIMEOUT_S = 60
# A bound on the heap keeps the JVM's resident memory flat under load (its default is a quarter of RAM).
JAVA_OPTIONS = ("-Xmx512m", "-XX:+UseSerialGC")


class NotInstalled(RuntimeError):
    pass


# ---- install ------------------------------------------------------------------------------------


def install() -> Path:
    """Java (Debian's default-jre-headless if missing) and the pinned DynamoDB Local; idempotent."""
    if STAMP.exists():
        return INSTALL_DIR
    _ensure_java()
    with tempfile.TemporaryDirectory(prefix="dynamodb-local-") as work:
        subprocess.run(["npm", "pack", "--silent", NPM_PACKAGE], cwd=work, check=True, stdout=subprocess.DEVNULL)
        [tarball] = Path(work).glob("*.tgz")
        unpacked = Path(work) / "emulator"
        with tarfile.open(tarball) as archive:
            members = [m for m in archive.getmembers() if m.name.startswith(EMULATOR) and m.isfile()]
            for member in members:
                member.name = member.name.removeprefix(EMULATOR)
            archive.extractall(unpacked, members=members, filter="data")
        digest = hashlib.sha256((unpacked / JAR.name).read_bytes()).hexdigest()
        if digest != JAR_SHA256:
            raise RuntimeError(f"{NPM_PACKAGE}: DynamoDBLocal.jar has sha256 {digest}, expected {JAR_SHA256}")
        shutil.rmtree(INSTALL_DIR, ignore_errors=True)
        INSTALL_DIR.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(unpacked, INSTALL_DIR)
    STAMP.write_text(f"DynamoDB Local {VERSION} from {NPM_PACKAGE}, DynamoDBLocal.jar sha256 {JAR_SHA256}\n")
    return INSTALL_DIR


def _ensure_java() -> None:
    if shutil.which("java"):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-q"], check=True)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", "default-jre-headless"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


# ---- run ----------------------------------------------------------------------------------------


class DynamoDBLocal:
    """One DynamoDB Local server on 127.0.0.1:`port`: on SQLite files in `db_path`, or in memory."""

    def __init__(self, port: int, db_path: Path | None = None, log: Path | None = None) -> None:
        self.port = port
        self.db_path = db_path
        self.log = log
        self.endpoint = f"http://127.0.0.1:{port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        if not STAMP.exists():
            raise NotInstalled(f"DynamoDB Local is not installed in {INSTALL_DIR}: run `make dynamodb-local`")
        if self.db_path is None:
            storage = ["-inMemory"]
        else:
            self.db_path.mkdir(parents=True, exist_ok=True)
            storage = ["-dbPath", str(self.db_path.resolve())]
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = self.log.open("ab")
        self._process = subprocess.Popen(
            [
                "java",
                *JAVA_OPTIONS,
                "-Djava.library.path=./DynamoDBLocal_lib",
                *("-jar", JAR.name, "-sharedDb", *storage, "-port", str(self.port), "-disableTelemetry"),
            ],
            cwd=INSTALL_DIR,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _accepts(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"DynamoDB Local did not start on port {self.port} (log: {self.log})")
            time.sleep(0.1)

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


class DurableTransactions:
    """A pass-through proxy in front of DynamoDB Local that answers TransactWriteItems only once
    the transaction is on disk.

    DynamoDB Local 1.25.1 queues a transaction's SQLite COMMIT and answers without waiting for it
    (`SQLiteDBAccess.commitTransaction` never completes its job); a SIGKILL in that window loses
    an acknowledged transaction. Its SQLite jobs run one at a time in order, so any later request
    that does wait for its job (ListTables) returns only after the COMMIT: the proxy sends one
    before passing the answer on. Every other request goes through untouched.
    """

    def __init__(self, upstream_port: int, port: int) -> None:
        self.endpoint = f"http://127.0.0.1:{port}"
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(upstream_port))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="dynamodb-proxy", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits for a serve_forever() that must be running
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()


TRANSACT_WRITE = "DynamoDB_20120810.TransactWriteItems"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


def _handler_for(upstream_port: int) -> type[BaseHTTPRequestHandler]:
    local = threading.local()  # one kept-alive upstream connection per proxy thread

    def upstream() -> http.client.HTTPConnection:
        if getattr(local, "connection", None) is None:
            local.connection = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
        connection: http.client.HTTPConnection = local.connection
        return connection

    def send(body: bytes, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = upstream()
        connection.request("POST", "/", body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.getheaders(), answer.read()

    def exchange(body: bytes, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
        try:
            return send(body, headers)
        except (http.client.HTTPException, ConnectionError):
            # DynamoDB Local closed the kept-alive connection: once more on a new one.
            local.connection.close()
            local.connection = None
            return send(body, headers)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            status, answer_headers, answer = exchange(body, headers)
            if self.headers.get("X-Amz-Target") == TRANSACT_WRITE and status == 200:
                exchange(b'{"Limit": 1}', {**headers, "X-Amz-Target": "DynamoDB_20120810.ListTables"})
            self.send_response(status)
            for name, value in answer_headers:
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the app logs its own requests."""

    return Handler


def _die_with_parent() -> None:
    """In the child before exec: killed when the process that started it dies, even by SIGKILL.

    Otherwise a crashed `make run` leaves the JVM holding its port and its database files."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.dynamodb_local")
    parser.add_argument("command", choices=["install"])
    parser.parse_args(argv)
    print(f"DynamoDB Local {VERSION} in {install()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
