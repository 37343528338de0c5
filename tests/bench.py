"""`make bench`: DynamoDB round trips per request, the import (cold start) cost of `app.py`, the
sourcing engine's speed and quality (shipments against the exact optimum and a naive first fit), and
the size of the Lambda deployment package against Lambda's limits.

A report, not a gate: it always exits 0 and names every missed target.

Sourcing runs the pure engine on generated networks (`tests.sourcing_reference`, fixed seeds, so the
counts repeat; the timings are this machine's).

Round trips go through the real HTTP seam in-process (`chalice.test.Client` on `app.app`, on moto)
and are counted on the shared DynamoDB client, Powertools' idempotency calls included. Figures are
warm: every kind of request runs once before it is measured (the token read is cached per process).
Between requests the local pump does what AWS does after each change (publish the events, run the
stock-summary consumer), so orders are sourced on a current summary; one row makes it stale on
purpose and shows the consistent read that then falls back on the truth.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import io
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
    # As on a warm Lambda: the network and rules stay cached while the pump runs between requests.
    "OMS_CACHE_SECONDS": "600",
}
# Request handlers log a line per order: keep the report readable (metrics and warnings are muted in round_trips).
QUIET = {"POWERTOOLS_LOG_LEVEL": "WARNING"}
IMPORT_RUNS = 7
IMPORT_TARGET = 1.3
BARE_APP = "import boto3\nfrom chalice import Chalice\n\napp = Chalice(app_name='bare')\n"
# The budgets of /work/shared/ACCESS-PATTERNS.md.
CREATE_BUDGET = 4  # idempotency (2) + stock read (1) + the transaction (1), whatever the line count
CREATE_NO_KEY_BUDGET = 2  # the stock read and the transaction
# A summary that has not caught up yet (its InventoryChanged not consumed): one consistent Query per SKU.
STALE_BUDGET = CREATE_NO_KEY_BUDGET + 1
READ_BUDGET = 1  # the whole order, a customer's page: 1 Query each
CHANGE_BUDGET = 2  # a change to an order: 1 transaction (+ <= 1 read), as for a fulfilment event
EDIT_PREVIEW_BUDGET = 2  # the order and the stock to source its changed units on; no write
EDIT_BUDGET = EDIT_PREVIEW_BUDGET + 1  # ... and the transaction
# An exchange's return received releases its replacement: + the replacement's partition and the stock to source it on.
EXCHANGE_RELEASE_BUDGET = CHANGE_BUDGET + 2
# Sourcing: the grid of network sizes x cart lines, each cell timed over the same seeded orders.
SOURCING_SIZES = (10, 100, 1000)
SOURCING_LINES = (1, 5, 10, 25, 50)
SOURCING_ORDERS = 30  # per cell; a fresh network (sparse 0.3) and cart (1-3 units a line) each
SOURCING_SPARSE = 0.3
SOURCING_MAX_QUANTITY = 3
# ms, median, at the largest cell (1,000 locations x 50 lines): a tenth of the 1 s we allow intake
SOURCING_SPEED_TARGET = 100.0
OPTIMUM_ORDERS = 400  # small orders within brute-force reach
OPTIMUM_TARGET = 1.01  # mean of engine shipments / optimum shipments
FIRST_FIT_ORDERS = 120  # split-prone orders on 100 and 1,000 locations
FIRST_FIT_TARGET = 0.8  # mean of engine shipments / first-fit shipments
PROFILE_ORDERS = 5
# Lambda's limits on a deployment package uploaded as a zip: 50 MB zipped, 250 MB unzipped (MiB, as AWS counts).
PACKAGE_ZIPPED_LIMIT = 50 * 2**20
PACKAGE_UNZIPPED_LIMIT = 250 * 2**20
CHALICE_ASSET = "ChaliceApp/ChaliceAppCode"  # the displayName of the package in <stage>.assets.json
SYNTH_TIMEOUT_S = 180


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

BENCH_DC = "dc-bench"
BENCH_DC_BODY = {"name": "Bench DC", "type": "dc", "geo": {"lat": 51.57, "lon": 5.07}, "capabilities": ["ship"]}


def order_body(skus: list[str], customer_id: str) -> dict[str, Any]:
    return {
        "channel": "webshop",
        "externalId": f"BENCH-{uuid.uuid4().hex[:12]}",
        "customer": {"id": customer_id, "email": "bench@example.com", "name": "Bench Mark"},
        "placedAt": "2026-11-25T10:00:00Z",
        "payment": {"status": "paid", "amount": {"amount": f"{10 * len(skus)}.00", "currency": "EUR"}},
        "delivery": {
            "method": "home_delivery",
            "address": {"line1": "Damrak 1", "postalCode": "1012 LG", "city": "Amsterdam", "country": "NL"},
        },
        "lines": [
            {"lineId": str(i), "sku": sku, "quantity": 2, "unitPrice": {"amount": "5.00", "currency": "EUR"}}
            for i, sku in enumerate(skus, start=1)
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


def round_trips() -> list[Row]:  # noqa: PLR0915  # one scenario read in order, row by row
    """Orders sourced from a DC that stocks every SKU, with the stock-summary consumer run between
    requests as AWS runs it (stream -> bus -> queue -> handler, here the local pump): the summary
    is current, so no consistent fallback read fires, except in the row that makes it stale."""
    from chalicelib.limits import MAX_ORDER_LINES
    from infra.pump import Pump
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

        pump = Pump(retry_delay_s=0)

        def settle() -> None:
            """Publish what changed and run the consumers until the queues are empty (the summary follows)."""
            while pump.run_once().received:
                pass

        def measure(what: str, budget: int, prepare: Callable[[], Callable[[], dict[str, Any]]]) -> dict[str, Any]:
            """`prepare()` (not counted) gives the request; it runs once unmeasured, then measured."""
            prepare()()  # warm-up: the same kind of request, unmeasured
            settle()
            request = prepare()
            # As on a warm Lambda: the caller's token was read within the minute auth caches it for (a
            # slow pump above may outlast that minute, and its re-read is not this request's cost).
            send("get", "/channels")
            with counting() as trips:
                answer = request()
            settle()
            rows.append(Row(what, trips.total, trips.describe(), budget))
            return answer

        skus = [f"SKU-{i:03d}" for i in range(1, MAX_ORDER_LINES + 1)]
        send("put", f"/locations/{BENCH_DC}", BENCH_DC_BODY)
        for sku in skus:
            send("put", f"/inventory/{BENCH_DC}/{sku}", {"onHand": 100_000})
        settle()
        customer = f"cust-bench-{uuid.uuid4().hex[:8]}"

        def create(cart: list[str], *, with_key: bool) -> Callable[[], dict[str, Any]]:
            def request() -> dict[str, Any]:
                extra = {"Idempotency-Key": f"bench-{uuid.uuid4().hex}"} if with_key else {}
                return send("post", "/orders", order_body(cart, customer), **extra)

            return request

        order: dict[str, Any] = {}
        for with_key in (True, False):
            for n_lines in (1, MAX_ORDER_LINES):
                label = f"{n_lines} line{'s' if n_lines > 1 else ''}, {'Idempotency-Key' if with_key else 'no key'}"
                budget = CREATE_BUDGET if with_key else CREATE_NO_KEY_BUDGET
                order = measure(f"create, {label}", budget, same(create(skus[:n_lines], with_key=with_key)))

        def stale_sku() -> Callable[[], dict[str, Any]]:
            # Stock counted a moment ago, its InventoryChanged not yet consumed: the summary lags.
            sku = f"SKU-NEW-{uuid.uuid4().hex[:8]}"
            send("put", f"/inventory/{BENCH_DC}/{sku}", {"onHand": 10})
            return create([sku], with_key=False)

        measure("create, 1 line, no key, stale summary (fallback)", STALE_BUDGET, stale_sku)

        measure("GET /orders/{id}", READ_BUDGET, same(lambda: send("get", f"/orders/{order['orderId']}")))
        measure(
            "GET /customers/{id}/orders",
            READ_BUDGET,
            same(lambda: send("get", f"/customers/{customer}/orders?limit=25")),
        )
        measure("fulfilment event (accept)", CHANGE_BUDGET, lambda: accept(send, create(skus[:1], with_key=False)()))
        line_ids = iter([ln["lineId"] for ln in order["lines"]])
        measure(
            "cancel a line",
            CHANGE_BUDGET,
            lambda: (
                lambda: send(
                    "post",
                    f"/orders/{order['orderId']}/cancellations",
                    {"lines": [{"lineId": next(line_ids), "quantity": 1}], "reason": "bench"},
                )
            ),
        )

        for after_sale in (measure_returns, measure_edits, measure_exchanges):
            after_sale(measure, send, create(skus[:1], with_key=False))
    return rows


def measure_edits(measure: Callable[..., Any], send: Callable[..., Any], placed: Callable[[], Any]) -> None:
    """Rows for an edit that moves an order to another address: previewed (writes nothing), then applied."""
    utrecht = {"line1": "Oudegracht 99", "postalCode": "3511 AL", "city": "Utrecht", "country": "NL"}
    body = {"delivery": {"method": "home_delivery", "address": utrecht}}

    def moved(preview: bool) -> Callable[[], dict[str, Any]]:
        order = placed()
        path = f"/orders/{order['orderId']}/edits{'?preview=true' if preview else ''}"
        return lambda: send("post", path, body, **{"If-Match": str(order["version"])})

    measure("edit preview (new address)", EDIT_PREVIEW_BUDGET, lambda: moved(True))
    measure("edit (new address, sourced again)", EDIT_BUDGET, lambda: moved(False))


def measure_returns(measure: Callable[..., Any], send: Callable[..., Any], placed: Callable[[], Any]) -> None:
    """Rows for asking for a return of an order just delivered, and for receiving one."""

    def asked_back(order: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        deliver(send, order)
        body = {
            "lines": [{"lineId": "1", "quantity": 1, "reason": "changed_mind"}],
            "returnTo": {"locationId": BENCH_DC},
        }
        return lambda: send("post", f"/orders/{order['orderId']}/returns", body)

    measure("create a return, no key", CHANGE_BUDGET, lambda: asked_back(placed()))
    measure("return event (receive, restock, refund)", CHANGE_BUDGET, receipt(send, lambda: asked_back(placed())))


def receipt(
    send: Callable[..., Any], create: Callable[[], Callable[[], dict[str, Any]]]
) -> Callable[[], Callable[[], dict[str, Any]]]:
    """For `measure`: receiving a return that `create`'s request makes (sent here, untimed)."""

    def receive() -> Callable[[], dict[str, Any]]:
        made = create()()
        return lambda: send("post", f"/returns/{made['returnId']}/events", {"type": "receive"})

    return receive


def measure_exchanges(measure: Callable[..., Any], send: Callable[..., Any], placed: Callable[[], Any]) -> None:
    """Rows for an exchange like for like (its replacement held until the return is in, as `on_receipt`
    asks), for its return received (which releases and sources the replacement), and for a claim."""

    def exchange(order: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        deliver(send, order)
        body = {
            "returnLines": [{"lineId": "1", "quantity": 1, "reason": "does_not_fit"}],
            "returnTo": {"locationId": BENCH_DC},
            "newLines": [{"sku": order["lines"][0]["sku"], "quantity": 1}],
        }
        return lambda: send("post", f"/orders/{order['orderId']}/exchanges", body)

    measure("create an exchange (replacement held)", CHANGE_BUDGET, lambda: exchange(placed()))
    received = receipt(send, lambda: exchange(placed()))
    measure("exchange's return received (replacement released)", EXCHANGE_RELEASE_BUDGET, received)

    def claim() -> Callable[[], dict[str, Any]]:
        order = placed()
        deliver(send, order)
        body = {"lines": [{"lineId": "1", "quantity": 1, "kind": "damaged"}], "resolution": "refund"}
        return lambda: send("post", f"/orders/{order['orderId']}/claims", body)

    measure("claim (refund, no goods back)", CHANGE_BUDGET, claim)


def deliver(send: Callable[..., dict[str, Any]], placed: dict[str, Any]) -> None:
    """The first fulfilment order of an order just placed, taken to delivered by its location."""
    fo_id = placed["fulfilmentOrders"][0]["fulfilmentOrderId"]
    tracking = {"carrier": "PostNL", "code": "3SBENCH"}
    for event in ({"type": "accept"}, {"type": "pick"}, {"type": "ship", "tracking": tracking}, {"type": "deliver"}):
        send("post", f"/fulfilment-orders/{fo_id}/events", event)


def accept(send: Callable[..., dict[str, Any]], placed: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    """For `measure`: the first fulfilment order of an order just placed, accepted by its location."""
    fo_id = placed["fulfilmentOrders"][0]["fulfilmentOrderId"]
    return lambda: send("post", f"/fulfilment-orders/{fo_id}/events", {"type": "accept"})


def same(request: Callable[[], dict[str, Any]]) -> Callable[[], Callable[[], dict[str, Any]]]:
    """For `measure`: a request that needs no preparing."""
    return lambda: request


# ---- import time -------------------------------------------------------------------------------

_TIMED_IMPORT = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_ms(module: str, cwd: Path) -> float:
    """Best of IMPORT_RUNS fresh interpreters: milliseconds to import `module` (interpreter start excluded)."""
    best = float("inf")
    for _ in range(IMPORT_RUNS):
        out = _python("-c", _TIMED_IMPORT.format(module=module), cwd=cwd)
        best = min(best, float(out.stdout.strip().splitlines()[-1]) * 1000)
    return best


_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


def heaviest_imports(module: str, cwd: Path, top: int = 5) -> list[tuple[str, float, float]]:
    """The `top` modules under `module` by cumulative import time: (name, cumulative ms, self ms).

    The name keeps -X importtime's indentation, so a chain of importers reads as one path down."""
    out = _python("-X", "importtime", "-c", f"import {module}", cwd=cwd)
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


def _python(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """A child interpreter run with `args` (in the bench's environment unless given one), its output
    captured; a failure raises."""
    env = env if env is not None else _child_env()
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=True
    )


def _child_env() -> dict[str, str]:
    env = {**os.environ, **ENV}
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("PYTHONPATH", None)
    return env


# ---- sourcing ----------------------------------------------------------------------------------


@dataclass
class Cell:
    """One network size x cart size: the engine's time per order, its shipments, and its backorders."""

    locations: int
    lines: int
    times_ms: list[float] = field(default_factory=list)
    shipments: list[int] = field(default_factory=list)
    yardstick: list[int] = field(default_factory=list)  # the optimum, or a lower bound beyond brute force
    exact: bool = True
    backordered: int = 0
    unavoidable: int = 0  # units no location holds: any plan backorders them

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times_ms, n=20, method="inclusive")[-1]

    @property
    def ratio(self) -> float:
        """Mean of shipments / yardstick over the orders that ship at all."""
        return (
            statistics.mean(s / y for s, y in zip(self.shipments, self.yardstick, strict=True) if y)
            if any(self.yardstick)
            else 1.0
        )


def sourcing_grid() -> list[Cell]:
    from chalicelib.domain.sourcing.engine import source
    from chalicelib.domain.sourcing.plan import Snapshot
    from tests.sourcing_reference import (
        ALL_LOCATIONS,
        BRUTE_FORCE_SIZE,
        instance,
        lower_bound_shipments,
        optimum_shipments,
        servable,
    )

    cells = []
    for size in SOURCING_SIZES:
        for lines in SOURCING_LINES:
            cell = Cell(size, lines, exact=size <= BRUTE_FORCE_SIZE)
            gc.collect()
            for n in range(SOURCING_ORDERS):
                inst = instance(
                    size,
                    lines,
                    seed=1000 * size + 10 * lines + n,
                    sparse=SOURCING_SPARSE,
                    max_quantity=SOURCING_MAX_QUANTITY,
                )
                snapshot = Snapshot(inst.locations, {sku: dict(per) for sku, per in inst.stock.items()})
                start = time.perf_counter()
                plan = source(inst.order, snapshot, ALL_LOCATIONS, channel="bench")
                cell.times_ms.append((time.perf_counter() - start) * 1000)
                cell.shipments.append(len(plan.shipments))
                cell.backordered += sum(b.quantity for b in plan.backorders)
                cell.unavoidable += sum(d.quantity for d in inst.order) - sum(servable(inst.order, inst.stock).values())
                bound = optimum_shipments if cell.exact else lower_bound_shipments
                cell.yardstick.append(bound(inst.order, inst.stock))
            cells.append(cell)
    return cells


def sourcing_quality() -> tuple[tuple[float, int, int], tuple[float, int]]:
    """((mean ratio to the optimum, orders, orders above it), (mean ratio to first fit, orders))."""
    from tests.sourcing_reference import first_fit_shipments, optimum_shipments, small_instances, split_prone_instances

    to_optimum: list[float] = []
    above = 0
    for inst in small_instances(OPTIMUM_ORDERS, seed=1):
        best = optimum_shipments(inst.order, inst.stock)
        shipped = len(inst.plan().shipments)
        above += shipped > best
        if best:
            to_optimum.append(shipped / best)
    to_first_fit: list[float] = []
    for inst in split_prone_instances(FIRST_FIT_ORDERS, seed=2, sizes=(100, 1000), lines=(5, 10, 25)):
        baseline = first_fit_shipments(inst.order, inst.stock)
        if baseline:
            to_first_fit.append(len(inst.plan().shipments) / baseline)
    return (statistics.mean(to_optimum), len(to_optimum), above), (statistics.mean(to_first_fit), len(to_first_fit))


def sourcing_profile(size: int, lines: int, top: int = 10) -> tuple[list[tuple[str, int, float, float]], float]:
    """cProfile of the engine on `size` x `lines` orders: its `top` functions by cumulative time per order,
    (name, calls per order, cumulative ms, self ms), and the exact search's cover checks per order."""
    from chalicelib.domain import sourcing
    from chalicelib.domain.sourcing.engine import source
    from chalicelib.domain.sourcing.plan import Snapshot
    from tests.sourcing_reference import ALL_LOCATIONS, instance

    orders = [
        instance(size, lines, seed=7 + n, sparse=SOURCING_SPARSE, max_quantity=SOURCING_MAX_QUANTITY)
        for n in range(PROFILE_ORDERS)
    ]
    snapshots = [Snapshot(o.locations, {k: dict(v) for k, v in o.stock.items()}) for o in orders]
    profiler = cProfile.Profile()
    profiler.enable()
    for inst, snapshot in zip(orders, snapshots, strict=True):
        source(inst.order, snapshot, ALL_LOCATIONS, channel="bench")
    profiler.disable()
    engine = Path(sourcing.__file__).resolve().parent  # the package: engine, cover, plan
    rows: list[tuple[str, int, float, float]] = []
    covers = 0.0
    for (file, line, name), (_, calls, own, cumulative, _) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        if Path(file).resolve().parent != engine:
            continue
        if name == "_covers":
            covers = calls / PROFILE_ORDERS
        per = 1000 / PROFILE_ORDERS
        rows.append((f"{name} (line {line})", calls // PROFILE_ORDERS, cumulative * per, own * per))
    return sorted(rows, key=lambda r: r[2], reverse=True)[:top], covers


# ---- workflow interpreter ----------------------------------------------------------------------

STEP_RUNS = 20_000
STEP_TARGET_US = 50.0  # a step is pure: far below one DynamoDB round trip (~5 ms)


def report_interpreter() -> list[str]:
    """The time `step` takes on the built-in home flow, one transition at a time, guards included."""
    from datetime import UTC, datetime

    from chalicelib.domain.workflows import Accepted, Position, step
    from chalicelib.domain.workflows.defaults import HOME

    now = datetime(2026, 11, 25, 10, tzinfo=UTC)
    walk = [("released", "accept"), ("accepted", "pick"), ("picked", "pack"), ("packed", "ship")]
    context = {"order": {"total": "59.90", "channel": "webshop"}}
    started = time.perf_counter()
    for i in range(STEP_RUNS):
        state, event = walk[i % len(walk)]
        assert isinstance(step(HOME, Position(state, 1), event, context, now), Accepted)
    per_step = (time.perf_counter() - started) / STEP_RUNS * 1e6
    ok = per_step <= STEP_TARGET_US
    print(f"Workflow interpreter: step on the built-in home flow, mean of {STEP_RUNS:,}")
    print(f"  {per_step:8.1f} us a step  target <= {STEP_TARGET_US:.0f} us  {_verdict(ok)}")
    return [] if ok else [f"workflow step: {per_step:.1f} us, target <= {STEP_TARGET_US:.0f} us"]


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
    missed += report_interpreter()

    print()
    missed += report_sourcing()

    print()
    missed += report_package()

    print()
    if missed:
        print(f"MISSED {len(missed)} target(s):")
        for line in missed:
            print(f"  - {line}")
    else:
        print("All targets met.")
    return 0


def report_sourcing() -> list[str]:
    from chalicelib.domain.sourcing.cover import CANDIDATES_PER_SKU, SEARCH_BUDGET
    from tests.sourcing_reference import BRUTE_FORCE_SIZE

    missed: list[str] = []
    cells = sourcing_grid()
    print(
        f"Sourcing, rule 'all' (dc + store, fewest_shipments then distance): {SOURCING_ORDERS} seeded orders per cell,"
        f" a fresh network each (sparse {SOURCING_SPARSE}, 1-6 units held), 1-{SOURCING_MAX_QUANTITY} units a line"
    )
    print("  locations  lines  median ms  p95 ms  shipments/order  backordered (unavoidable)  shipments vs")
    for c in cells:
        versus = f"{c.ratio:.3f}x {'optimum' if c.exact else 'lower bound'}"
        backorders = f"{c.backordered} ({c.unavoidable})"
        print(
            f"  {c.locations:>9,}  {c.lines:>5}  {c.median:>9.2f}  {c.p95:>6.2f}  {statistics.mean(c.shipments):>15.2f}"
            f"  {backorders:>25}  {versus}"
        )
        if c.backordered != c.unavoidable:
            missed.append(
                f"sourcing {c.locations} x {c.lines}: backordered {c.backordered} units, {c.unavoidable} unavoidable"
            )
    print(
        f"  (optimum: brute force, <= {BRUTE_FORCE_SIZE} locations; lower bound: the most of, per SKU the fewest"
        " holders for it alone, and the fewest locations whose units / SKUs could add up; 2 if none holds it all)"
    )
    worst = max(cells, key=lambda c: (c.locations, c.lines))
    fast = worst.median <= SOURCING_SPEED_TARGET
    print(
        f"  speed: median at {worst.locations:,} x {worst.lines} lines {worst.median:.1f} ms"
        f"  target <= {SOURCING_SPEED_TARGET:.0f} ms  {_verdict(fast)}"
    )
    if not fast:
        missed.append(
            f"sourcing {worst.locations:,} locations x {worst.lines} lines: median {worst.median:.1f} ms,"
            f" target <= {SOURCING_SPEED_TARGET:.0f} ms"
        )
        rows, covers = sourcing_profile(worst.locations, worst.lines)
        print(
            f"  where the time goes at {worst.locations:,} x {worst.lines} (cProfile, {PROFILE_ORDERS} orders,"
            " per order; inflated by the profiler):"
        )
        for name, calls, cumulative, own in rows:
            print(f"    {cumulative:8.1f} ms cumulative  {own:7.1f} ms self  {calls:>7} calls  {name}")
        print(
            f"    exact search: {covers:,.0f} cover checks per order (SEARCH_BUDGET {SEARCH_BUDGET:,};"
            f" pool <= {CANDIDATES_PER_SKU} per SKU)"
        )

    (optimum, small, above), (first_fit, prone) = sourcing_quality()
    print("  quality, shipments (counts: these repeat exactly)")
    ok = optimum <= OPTIMUM_TARGET
    print(
        f"    vs exact optimum, {small} small orders (4-{BRUTE_FORCE_SIZE} locations, 1-8 lines): mean {optimum:.3f}x"
        f"  target <= {OPTIMUM_TARGET}x  {_verdict(ok)}  ({above} orders above the optimum)"
    )
    if not ok:
        missed.append(f"sourcing vs the exact optimum: {optimum:.3f}x, target <= {OPTIMUM_TARGET}x")
    ok = first_fit <= FIRST_FIT_TARGET
    print(
        f"    vs naive first fit, {prone} split-prone orders (100 and 1,000 locations, sparse 0.15-0.3,"
        f" 2-4 units a line): mean {first_fit:.3f}x  target <= {FIRST_FIT_TARGET}x  {_verdict(ok)}"
    )
    if not ok:
        missed.append(f"sourcing vs first fit: {first_fit:.3f}x, target <= {FIRST_FIT_TARGET}x")
    return missed


# ---- deployment package ------------------------------------------------------------------------


def packaged_zip(cdk_out: Path) -> Path | None:
    """The Chalice deployment package of the newest synthesised stage in `cdk_out`, if any."""
    manifests = sorted(cdk_out.glob("*.assets.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for manifest in manifests:
        files = json.loads(manifest.read_text()).get("files", {})
        for asset in files.values():
            if asset.get("displayName") == CHALICE_ASSET:
                path = cdk_out / str(asset["source"]["path"])
                if path.is_file():
                    return path
    return None


def synthesise(outdir: Path) -> Path | None:
    """`python -m infra.cdk_app` for dev into `outdir` (offline, ~30 s); the package it made."""
    env = {k: v for k, v in _child_env().items() if k != "OMS_STAGE"}
    env.setdefault("CDK_DEFAULT_ACCOUNT", "123456789012")
    env.setdefault("CDK_DEFAULT_REGION", "eu-west-1")
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
    _python("-m", "infra.cdk_app", "-c", "stage=dev", "-o", str(outdir), cwd=ROOT, env=env, timeout=SYNTH_TIMEOUT_S)
    return packaged_zip(outdir)


def report_package() -> list[str]:
    """The zip Chalice builds during synth (reused from cdk.out/ when there) against Lambda's limits."""
    print("Lambda deployment package (the zip Chalice builds for every function; one package, all of them)")
    existing = packaged_zip(ROOT / "cdk.out")
    with tempfile.TemporaryDirectory() as tmp:
        if existing is not None:
            age = time.time() - existing.stat().st_mtime
            stale = existing.stat().st_mtime < (ROOT / "requirements.txt").stat().st_mtime
            print(
                f"  reusing {existing.relative_to(ROOT)} from the last `make synth`, {age / 3600:.1f} h old"
                + (" (OLDER than requirements.txt: run `make synth` for a fresh figure)" if stale else "")
            )
            package = existing
        else:
            print("  no cdk.out/ here: synthesising dev into a temporary directory (`make synth`, ~30 s)")
            start = time.perf_counter()
            try:
                made = synthesise(Path(tmp))
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
                print(f"  synth failed: {exc}")
                return [f"deployment package: synth failed ({exc.__class__.__name__})"]
            if made is None:
                return ["deployment package: synth made no Chalice package"]
            print(f"  synthesised in {time.perf_counter() - start:.0f} s")
            package = made
        return _package_sizes(package)


def _package_sizes(package: Path) -> list[str]:
    with zipfile.ZipFile(package) as archive:
        entries = archive.infolist()
    zipped = package.stat().st_size
    unzipped = sum(entry.file_size for entry in entries)
    per_top: dict[str, int] = {}
    for entry in entries:
        top = entry.filename.split("/", 1)[0]
        per_top[top] = per_top.get(top, 0) + entry.file_size
    missed: list[str] = []
    for what, size, limit in (
        ("zipped", zipped, PACKAGE_ZIPPED_LIMIT),
        ("unzipped", unzipped, PACKAGE_UNZIPPED_LIMIT),
    ):
        ok = size <= limit
        print(
            f"  {what:<9} {size / 2**20:7.1f} MB  limit {limit // 2**20} MB  ({100 * size / limit:3.0f} %)"
            f"  {_verdict(ok)}"
        )
        if not ok:
            missed.append(f"deployment package {what}: {size / 2**20:.1f} MB, Lambda's limit {limit // 2**20} MB")
    largest = sorted(per_top.items(), key=lambda item: item[1], reverse=True)[:5]
    print("  largest, unzipped: " + ", ".join(f"{name} {size / 2**20:.1f} MB" for name, size in largest))
    return missed


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


if __name__ == "__main__":
    sys.exit(main())
