"""The metric registry: every `count("...")` in chalicelib names a registered metric, each point carries
the stage, and the outbox sweep reports its backlog. No synthesis needed."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters import outbox
from chalicelib.observability import METRICS, OFF_DASHBOARD, UNITS, count
from infra.dashboard import BUSINESS_METRICS

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"


def emitted() -> dict[str, list[str]]:
    """Every metric name passed as a literal to `count(...)` in chalicelib -> where."""
    found: dict[str, list[str]] = {}
    for path in sorted(CHALICELIB.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            # count(...) as imported from chalicelib.observability; not StockLevel.count(...), a method
            if not (isinstance(func, ast.Name) and func.id == "count"):
                continue
            first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "name"), None)
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"{path}:{node.lineno}: count() takes its metric name as a string literal, so it can be checked"
            )
            found.setdefault(first.value, []).append(f"{path.relative_to(CHALICELIB.parent)}:{node.lineno}")
    return found


def emf_lines(text: str) -> list[dict[str, Any]]:
    return [
        line
        for line in (json.loads(raw) for raw in text.splitlines() if raw.startswith("{"))
        if line.get("_aws", {}).get("CloudWatchMetrics")
    ]


def test_every_metric_the_code_emits_is_registered() -> None:
    found = emitted()
    assert "OrdersCreated" in found and "OutboxPendingAgeSeconds" in found  # the walk sees the call sites
    unregistered = {name: where for name, where in found.items() if name not in METRICS}
    assert not unregistered, f"register these in chalicelib.observability.METRICS: {unregistered}"


def test_every_registered_metric_is_emitted_somewhere() -> None:
    assert sorted(set(METRICS) - set(emitted())) == []


def test_off_the_dashboard_is_registered_with_a_reason_and_the_rest_is_on_it() -> None:
    assert set(OFF_DASHBOARD) <= set(METRICS)
    assert all(reason.strip() for reason in OFF_DASHBOARD.values())
    assert all(description.strip() for description in METRICS.values())
    assert set(BUSINESS_METRICS) == set(METRICS) - set(OFF_DASHBOARD)
    assert set(UNITS) <= set(METRICS)


def test_an_unregistered_metric_is_refused() -> None:
    with pytest.raises(ValueError, match="not registered"):
        count("SomethingNobodyRegistered")


def test_every_point_carries_the_stage(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMS_STAGE", "prod")
    count("OrdersCreated", channel="webshop")
    (line,) = emf_lines(capsys.readouterr().out)
    assert line["stage"] == "prod" and line["channel"] == "webshop" and line["OrdersCreated"] == [1.0]
    assert "stage" in line["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]


def test_pending_age_is_that_of_the_oldest_event() -> None:
    at = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)
    events = [{"at": "2026-11-25T09:58:30.000Z"}, {"at": "2026-11-25T09:59:59.500Z"}]
    assert outbox.pending_age_seconds(events, at=at) == 90.0
    assert outbox.pending_age_seconds([], at=at) == 0.0


def test_the_sweep_reports_the_backlog_it_leaves(
    client: Any, aws: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters.dynamo import Table
    from tests.conftest import bearer, issue_token, order_body, post

    post(client, "/orders", order_body(), bearer(issue_token("admin")))
    table = Table()
    capsys.readouterr()

    def backlog() -> float:
        (line,) = [ln for ln in emf_lines(capsys.readouterr().out) if "OutboxPendingAgeSeconds" in ln]
        assert line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] == "Seconds"
        return float(line["OutboxPendingAgeSeconds"][0])

    # The bus refuses everything: the events stay pending and the sweep says how long they have waited.
    with monkeypatch.context() as patched:
        patched.setattr(outbox, "_publish", lambda table, events: set())
        assert outbox.sweep(table, older_than=timedelta(0)) == 0
    assert backlog() > 0
    # Published: nothing is left waiting.
    assert outbox.sweep(table, older_than=timedelta(0)) == 2
    assert backlog() == 0
