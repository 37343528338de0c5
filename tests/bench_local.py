"""`make bench`, second part: the local stack (`make run`) under a stream of orders, with its tables on
DynamoDB Local and, for comparison, on moto.

Each backend gets a fresh stack (`python -m infra.local` in a temporary state dir, on free ports),
warm-up orders (imports, caches, the JVM's JIT and heap), then orders over HTTP from a few
concurrent clients: orders a second, latency p50/p99, and the resident memory of every process of
the stack (Python, and the JVM of DynamoDB Local) before the orders, half-way, and after them once
the pump has published every event. Flat means the second half added (almost) nothing: what grows
with the number of orders is a leak, what grows once is warm-up.

A report, not a gate: it always exits 0 and names every missed target.
"""

from __future__ import annotations

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
SETTLE_TIMEOUT_S = 120
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


def settle(stack: LocalStackProcess) -> None:
    """Until the pump has published every event the orders recorded (and so worked through them)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while stack.pending_events() and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # the queues' consumers, behind the bus


def measure(backend: str, warm_up: int, orders: int) -> Figures:
    with tempfile.TemporaryDirectory(prefix=f"oms-bench-{backend}-") as work:
        stack = LocalStackProcess(Path(work) / "state", dynamodb=backend)
        stack.start()
        try:
            with ThreadPoolExecutor(CLIENTS) as pool:

                def place_all(count: int) -> list[tuple[bool, float]]:
                    return list(pool.map(lambda n: place(stack, order(n)), range(count)))

                place_all(warm_up)
                settle(stack)
                before = resident_mb(stack.pid)
                started = time.perf_counter()
                answers = place_all(orders // 2)
                halfway = resident_mb(stack.pid)
                answers += place_all(orders - orders // 2)
                seconds = time.perf_counter() - started
            settle(stack)
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
    )


def report(figures: list[Figures]) -> list[str]:
    lines = [
        "",
        f"Local stack: single-line orders over HTTP from {CLIENTS} clients, after warm-up orders",
        f"{'tables on':<16}{'warm-up':>8}{'orders':>8}{'failed':>8}{'orders/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'RSS MB: before':>18}{'half-way':>16}{'after':>16}{'2nd half':>10}",
    ]
    for f in figures:
        name = "DynamoDB Local" if f.backend == "local" else "moto"
        lines.append(
            f"{name:<16}{RUNS[f.backend][0]:>8}{f.orders:>8}{f.failed:>8}{f.per_second:>10.1f}"
            f"{f.percentile(50):>9.0f}{f.percentile(99):>9.0f}"
            f"{_rss(f.rss_before_mb):>18}{_rss(f.rss_halfway_mb):>16}{_rss(f.rss_after_mb):>16}"
            f"{f.second_half_growth:>+10.1%}"
        )
    lines.append(
        f"(moto: {RUNS['moto'][1]} orders, not {RUNS['local'][1]}: it slows down and grows as its tables fill up)"
    )
    local = next(f for f in figures if f.backend == "local")
    flat = local.second_half_growth < FLAT_TOLERANCE
    lines.append(
        f"[{'ok' if flat else 'MISSED'}] resident memory on DynamoDB Local: {local.second_half_growth:+.1%} over the"
        f" second {local.orders - local.orders // 2} orders, {local.growth:+.1%} over all {local.orders}"
        f" (flat: under {FLAT_TOLERANCE:+.0%} a half)"
    )
    lines.append(f"[{'ok' if not local.failed else 'MISSED'}] every order acknowledged on DynamoDB Local")
    return lines


def _rss(by_process: dict[str, float]) -> str:
    """Total, with the JVM's share when there is one: `412 (java 240)`."""
    total = f"{sum(by_process.values()):.0f}"
    return f"{total} (java {by_process['java']:.0f})" if "java" in by_process else total


def main() -> int:
    figures = [measure(backend, warm_up, count) for backend, (warm_up, count) in RUNS.items()]
    print("\n".join(report(figures)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
