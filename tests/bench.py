"""`make bench`: DynamoDB round trips per request, and the import (cold start) cost of `app.py`.

A report, not a gate: it always exits 0 and names every missed target.

Round trips go through the real HTTP seam in-process (`chalice.test.Client` on `app.app`, on moto)
and are counted on the shared DynamoDB client, Powertools' idempotency calls included. Figures are
warm: every kind of request runs once before it is measured (the token read is cached per process).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "OMS_STAGE": "bench",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "oms",
}
# Request handlers log a line per order: keep the report readable (metrics and warnings are muted in round_trips).
QUIET = {"POWERTOOLS_LOG_LEVEL": "WARNING"}
IMPORT_RUNS = 7
IMPORT_TARGET = 1.3
BARE_APP = "import boto3\nfrom chalice import Chalice\n\napp = Chalice(app_name='bare')\n"
# The budgets of /work/shared/ACCESS-PATTERNS.md.
CREATE_BUDGET = 4  # idempotency (2) + stock read (1) + the transaction (1), whatever the line count
READ_BUDGET = 1  # the whole order, a customer's page: 1 Query each
CHANGE_BUDGET = 2  # a change to an order: 1 transaction (+ <= 1 read), as for a fulfilment event


@dataclass(frozen=True)
class Row:
    what: str
    calls: int
    detail: str
    budget: int

    @property
    def ok(self) -> bool:
        return self.calls <= self.budget


# ---- round trips -------------------------------------------------------------------------------


def order_body(n_lines: int, customer_id: str) -> dict[str, Any]:
    return {
        "channel": "webshop",
        "externalId": f"BENCH-{uuid.uuid4().hex[:12]}",
        "customer": {"id": customer_id, "email": "bench@example.com", "name": "Bench Mark"},
        "placedAt": "2026-11-25T10:00:00Z",
        "payment": {"status": "paid", "amount": {"amount": f"{10 * n_lines}.00", "currency": "EUR"}},
        "delivery": {
            "method": "home_delivery",
            "address": {"line1": "Damrak 1", "postalCode": "1012 LG", "city": "Amsterdam", "country": "NL"},
        },
        "lines": [
            {"lineId": str(i), "sku": f"SKU-{i:03d}", "quantity": 2, "unitPrice": {"amount": "5.00", "currency": "EUR"}}
            for i in range(1, n_lines + 1)
        ],
    }


@contextmanager
def oms_on_moto() -> Iterator[tuple[Any, dict[str, str]]]:
    """The OMS app in a chalice test client on a fresh moto account; yields (client, admin headers)."""
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib.adapters import aws
    from chalicelib.adapters.dynamo import Table
    from chalicelib.service import auth, idempotency
    from infra.provision import provision

    with mock_aws():
        aws.reset()
        idempotency.reset()
        auth.forget_cached()
        provision(boto3.session.Session(), "bench")
        from app import app

        token = auth.issue(Table(), "admin", created_by="bench")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        try:
            # Powertools prints each metric (EMF) to stdout and warns outside Lambda: not part of the report.
            with Client(app) as client, contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield client, headers
        finally:
            aws.reset()
            idempotency.reset()
            auth.forget_cached()


def round_trips() -> list[Row]:
    from tests.roundtrips import counting

    rows: list[Row] = []
    with oms_on_moto() as (client, admin):

        def send(method: str, path: str, body: Any = None, **headers: str) -> dict[str, Any]:
            kwargs: dict[str, Any] = {"headers": {**admin, **headers}}
            if body is not None:
                kwargs["body"] = json.dumps(body)
            response = getattr(client.http, method)(path, **kwargs)
            if response.status_code >= 300:
                raise SystemExit(f"bench: {method.upper()} {path} answered {response.status_code}: {response.body!r}")
            answer: dict[str, Any] = json.loads(response.body)
            return answer

        def measure(what: str, budget: int, request: Callable[[], dict[str, Any]]) -> dict[str, Any]:
            request()  # warm-up: the same kind of request, unmeasured
            with counting() as trips:
                answer = request()
            rows.append(Row(what, trips.total, trips.describe(), budget))
            return answer

        customer = f"cust-bench-{uuid.uuid4().hex[:8]}"

        def create(n_lines: int, *, with_key: bool) -> Callable[[], dict[str, Any]]:
            def request() -> dict[str, Any]:
                extra = {"Idempotency-Key": f"bench-{uuid.uuid4().hex}"} if with_key else {}
                return send("post", "/orders", order_body(n_lines, customer), **extra)

            return request

        order: dict[str, Any] = {}
        for with_key in (True, False):
            for n_lines in (1, 25):
                label = f"{n_lines} line{'s' if n_lines > 1 else ''}, {'Idempotency-Key' if with_key else 'no key'}"
                order = measure(f"create, {label}", CREATE_BUDGET, create(n_lines, with_key=with_key))
        order_id = order["orderId"]
        measure("GET /orders/{id}", READ_BUDGET, lambda: send("get", f"/orders/{order_id}"))
        measure(
            "GET /customers/{id}/orders",
            READ_BUDGET,
            lambda: send("get", f"/customers/{customer}/orders?limit=25"),
        )
        line_ids = iter([ln["lineId"] for ln in order["lines"]])
        measure(
            "cancel a line",
            CHANGE_BUDGET,
            lambda: send(
                "post",
                f"/orders/{order_id}/cancellations",
                {"lines": [{"lineId": next(line_ids), "quantity": 1}], "reason": "bench"},
            ),
        )
    return rows


# ---- import time -------------------------------------------------------------------------------

_TIMED_IMPORT = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_ms(module: str, cwd: Path) -> float:
    """Best of IMPORT_RUNS fresh interpreters: milliseconds to import `module` (interpreter start excluded)."""
    best = float("inf")
    for _ in range(IMPORT_RUNS):
        out = subprocess.run(
            [sys.executable, "-c", _TIMED_IMPORT.format(module=module)],
            cwd=cwd,
            env=_child_env(),
            capture_output=True,
            text=True,
            check=True,
        )
        best = min(best, float(out.stdout.strip().splitlines()[-1]) * 1000)
    return best


_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


def heaviest_imports(module: str, cwd: Path, top: int = 5) -> list[tuple[str, float, float]]:
    """The `top` modules under `module` by cumulative import time: (name, cumulative ms, self ms).

    The name keeps -X importtime's indentation, so a chain of importers reads as one path down."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=cwd,
        env=_child_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    subtree: list[tuple[str, float, float]] = []
    below: list[tuple[str, float, float]] = []
    for line in out.stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if not match:
            continue
        self_us, cumulative_us, indent, name = match.groups()
        # -X importtime prints a module after everything it imported; top-level ones are unindented.
        if indent:
            below.append((indent[2:] + name, int(cumulative_us) / 1000, int(self_us) / 1000))
            continue
        if name == module:
            subtree = below
            break
        below = []
    return sorted(subtree, key=lambda entry: entry[1], reverse=True)[:top]


def _child_env() -> dict[str, str]:
    env = {**os.environ, **ENV}
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("PYTHONPATH", None)
    return env


# ---- report ------------------------------------------------------------------------------------


def main() -> int:
    os.environ.update(ENV)
    os.environ.update(QUIET)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    missed: list[str] = []

    rows = round_trips()
    width = max(len(r.what) for r in rows)
    print("DynamoDB round trips per request (warm: each kind of request ran once first; token read cached)")
    print(f"  {'request':<{width}}  calls  target  result  operations")
    for r in rows:
        print(f"  {r.what:<{width}}  {r.calls:>5}  {'<= ' + str(r.budget):>6}  {_verdict(r.ok):<6}  {r.detail}")
        if not r.ok:
            missed.append(f"{r.what}: {r.calls} DynamoDB calls, target <= {r.budget}")

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bare_app.py").write_text(BARE_APP)
        bare = import_ms("bare_app", Path(tmp))
    oms = import_ms("app", ROOT)
    ratio = oms / bare
    print()
    print(f"Import time, best of {IMPORT_RUNS} fresh interpreters (interpreter start-up excluded)")
    print(f"  bare Chalice app + boto3  {bare:8.1f} ms")
    print(f"  app.py                    {oms:8.1f} ms")
    print(f"  ratio                     {ratio:8.2f}x  target <= {IMPORT_TARGET}x  {_verdict(ratio <= IMPORT_TARGET)}")
    if ratio > IMPORT_TARGET:
        missed.append(f"import of app.py: {ratio:.2f}x a bare Chalice app, target <= {IMPORT_TARGET}x")
    print("  heaviest imports under app (-X importtime, one run; indent = import depth under app):")
    for name, cumulative, own in heaviest_imports("app", ROOT):
        print(f"    {cumulative:8.1f} ms cumulative  {own:7.1f} ms self  {name}")

    print()
    if missed:
        print(f"MISSED {len(missed)} target(s):")
        for line in missed:
            print(f"  - {line}")
    else:
        print("All targets met.")
    return 0


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


if __name__ == "__main__":
    sys.exit(main())
