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
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import IO

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
