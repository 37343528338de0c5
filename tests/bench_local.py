"""`make bench`, second part: the local stack (`make run`) under a stream of orders, with its tables on
DynamoDB Local and, for comparison, on moto.

Each backend gets a fresh stack (`python -m infra.local` in a temporary state dir, on free ports),
warm-up orders (imports, caches, the JVM's JIT and heap), then orders over HTTP from a few
concurrent clients, in two halves: orders a second, latency p50/p99, and the resident memory of
each process of the stack (Python; the JVM of DynamoDB Local) before the orders, half-way and
after them. Each of the three is taken once the stack has worked through what the orders before
it started (every event published, every queue empty), so it compares what the stack keeps, not
what it has yet to do; `drain s` is how long that took after the last order. Flat means the second
half added (almost) nothing: what grows with the number of orders is a leak, what grows once is
warm-up.

    python -m tests.bench_local [--backend local|moto|both] [--orders N] [--warm-up N]

A report, not a gate: it always exits 0 and names every missed target.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.e2e.conftest import LocalStackProcess

# Backend -> (warm-up orders, measured orders). moto runs one request at a time and slows down
# as its tables grow (seconds an order after a hundred, gigabytes of memory): it gets fewer.
RUNS = {"local": (100, 1000), "moto": (10, 50)}
CLIENTS = 4
# Flat: the second half of the orders adds less than this to the stack's resident memory.
FLAT_TOLERANCE = 0.05
SETTLE_TIMEOUT_S = 600
DEMO_SKUS = ("TEE-WHITE-M", "TEE-BLACK-L", "JEANS-SLIM-32", "SNEAKER-42", "CAP-NAVY", "JACKET-RAIN-M")


@dataclass(frozen=True)
class Figures:
    backend: str
    orders: int
    failed: int
    seconds: float
    latencies_ms: list[float]
    rss_before_mb: dict[str, float]
    rss_halfway_mb: dict[str, float]
    rss_after_mb: dict[str, float]
    warm_up: int
    drain_seconds: float
    settled: bool  # every measurement after the stack had worked through the orders

    @property
    def per_second(self) -> float:
        return self.orders / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    @property
    def growth(self) -> float:
        return _growth(self.rss_before_mb, self.rss_after_mb)

    @property
    def second_half_growth(self) -> float:
        return _growth(self.rss_halfway_mb, self.rss_after_mb)

    def process_growth(self, name: str) -> float:
        """One process's growth over the second half."""
        return _growth({name: self.rss_halfway_mb[name]}, {name: self.rss_after_mb[name]})


def _growth(before: dict[str, float], after: dict[str, float]) -> float:
    return (sum(after.values()) - sum(before.values())) / sum(before.values())


def order(n: int) -> dict[str, Any]:
    sku = DEMO_SKUS[n % len(DEMO_SKUS)]
    return {
        "channel": "webshop",
        "externalId": f"BENCH-{uuid.uuid4().hex[:12]}",
        "customer": {"id": f"bench-{n % 50}", "email": "bench@example.com", "name": "Bench Mark"},
        "placedAt": "2026-11-25T10:00:00Z",
        "payment": {"status": "paid", "amount": {"amount": "19.95", "currency": "EUR"}},
        "delivery": {
            "method": "home_delivery",
            "address": {"line1": "Damrak 1", "postalCode": "1012 LG", "city": "Amsterdam", "country": "NL"},
        },
        "lines": [{"lineId": "1", "sku": sku, "quantity": 1, "unitPrice": {"amount": "19.95", "currency": "EUR"}}],
    }


def resident_mb(leader: int) -> dict[str, float]:
    """VmRSS of every live process in `leader`'s process group, by command name (python, java)."""
    out: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != leader:
                continue
            status = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
        name = status["Name"].strip()
        kilobytes = int(status.get("VmRSS", "0 kB").split()[0])
        out[name] = out.get(name, 0.0) + kilobytes / 1024
    return out


def place(stack: LocalStackProcess, body: dict[str, Any]) -> tuple[bool, float]:
    started = time.perf_counter()
    try:
        answer = requests.post(f"{stack.url}/orders", data=json.dumps(body), headers=stack.headers(), timeout=60)
        ok = answer.status_code == 201
    except requests.RequestException:
        ok = False
    return ok, (time.perf_counter() - started) * 1000


def settle(stack: LocalStackProcess) -> float:
    """Until the pump has worked through what the orders started: every event published, and every
    message the bus routed to a queue handled. Returns the seconds it took (SETTLE_TIMEOUT_S: never)."""
    started = time.monotonic()
    deadline = started + SETTLE_TIMEOUT_S
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:  # twice: a handler may yet publish an event
        time.sleep(0.5)
        quiet = quiet + 1 if not stack.pending_events() and not stack.queued_messages() else 0
    return min(time.monotonic() - started, SETTLE_TIMEOUT_S)


def measure(backend: str, warm_up: int, orders: int) -> Figures:
    with tempfile.TemporaryDirectory(prefix=f"oms-bench-{backend}-") as work:
        stack = LocalStackProcess(Path(work) / "state", dynamodb=backend)
        stack.start()
        try:
            with ThreadPoolExecutor(CLIENTS) as pool:

                def place_all(count: int) -> list[tuple[bool, float]]:
                    return list(pool.map(lambda n: place(stack, order(n)), range(count)))

                place_all(warm_up)
                drains = [settle(stack)]
                before = resident_mb(stack.pid)
                started = time.perf_counter()
                answers = place_all(orders // 2)
                seconds = time.perf_counter() - started
                drains.append(settle(stack))
                halfway = resident_mb(stack.pid)
                started = time.perf_counter()
                answers += place_all(orders - orders // 2)
                seconds += time.perf_counter() - started
            drains.append(settle(stack))
            after = resident_mb(stack.pid)
        finally:
            stack.stop(signal.SIGTERM)
    return Figures(
        backend=backend,
        orders=orders,
        failed=sum(not ok for ok, _ in answers),
        seconds=seconds,
        latencies_ms=[ms for _, ms in answers],
        rss_before_mb=before,
        rss_halfway_mb=halfway,
        rss_after_mb=after,
        warm_up=warm_up,
        drain_seconds=drains[-1],
        settled=SETTLE_TIMEOUT_S not in drains,
    )


def report(figures: list[Figures]) -> list[str]:
    lines = [
        "",
        f"Local stack: single-line orders over HTTP from {CLIENTS} clients, after warm-up orders",
        f"{'tables on':<16}{'warm-up':>8}{'orders':>8}{'failed':>8}{'orders/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'drain s':>9}",
    ]
    for f in figures:
        lines.append(
            f"{_name(f):<16}{f.warm_up:>8}{f.orders:>8}{f.failed:>8}{f.per_second:>10.1f}"
            f"{f.percentile(50):>9.0f}{f.percentile(99):>9.0f}{f.drain_seconds:>9.1f}"
        )
    lines += [
        "",
        "Resident memory (MB), each taken once the stack has worked through the orders before it",
        f"{'tables on':<16}{'process':<10}{'before':>10}{'half-way':>10}{'after':>10}{'2nd half':>10}",
    ]
    for f in figures:
        for process in sorted(f.rss_after_mb):
            lines.append(
                f"{_name(f):<16}{process:<10}{f.rss_before_mb.get(process, 0):>10.1f}"
                f"{f.rss_halfway_mb.get(process, 0):>10.1f}{f.rss_after_mb[process]:>10.1f}"
                f"{f.process_growth(process):>+10.1%}"
            )
    if any(f.backend == "moto" for f in figures):
        lines.append("(moto: fewer orders: it slows down and grows as its tables fill up)")
    for local in (f for f in figures if f.backend == "local"):
        growth = {process: local.process_growth(process) for process in sorted(local.rss_after_mb)}
        flat = all(g < FLAT_TOLERANCE for g in growth.values())
        each = ", ".join(f"{process} {g:+.1%}" for process, g in growth.items())
        lines.append(
            f"[{'ok' if flat else 'MISSED'}] resident memory on DynamoDB Local: {each} over the"
            f" second {local.orders - local.orders // 2} orders, {local.growth:+.1%} all processes over all"
            f" {local.orders} (flat: every process under {FLAT_TOLERANCE:+.0%} a half)"
        )
        lines.append(f"[{'ok' if not local.failed else 'MISSED'}] every order acknowledged on DynamoDB Local")
        lines.append(
            f"[{'ok' if local.settled else 'MISSED'}] the pump worked through the orders (events published,"
            f" queues empty) within {SETTLE_TIMEOUT_S} s of each measurement on DynamoDB Local"
        )
    return lines


def _name(figures: Figures) -> str:
    return "DynamoDB Local" if figures.backend == "local" else "moto"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_local", description="The local stack under orders.")
    parser.add_argument("--backend", choices=["local", "moto", "both"], default="both", help="default: both")
    parser.add_argument("--orders", type=int, help="measured orders (default: local 1000, moto 50)")
    parser.add_argument("--warm-up", type=int, help="warm-up orders (default: local 100, moto 10)")
    args = parser.parse_args(argv)
    figures = []
    for backend in list(RUNS) if args.backend == "both" else [args.backend]:
        warm_up, orders = RUNS[backend]
        figures.append(measure(backend, warm_up if args.warm_up is None else args.warm_up, args.orders or orders))
    print("\n".join(report(figures)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
