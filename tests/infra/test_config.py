""".chalice/config.json and cdk.json: fast checks, no synthesis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_chalice_config_declares_dev_and_prod_without_local_endpoints() -> None:
    text = (PROJECT_DIR / ".chalice" / "config.json").read_text()
    config = json.loads(text)
    assert config["app_name"] == "oms"
    assert set(config["stages"]) == {"dev", "prod"}
    assert config["automatic_layer"] is False
    assert config["autogen_policy"] is False
    assert "AWS_ENDPOINT_URL" not in text


def test_cdk_json_runs_the_python_app() -> None:
    config = json.loads((PROJECT_DIR / "cdk.json").read_text())
    assert config["app"] == ".venv/bin/python -m infra.cdk_app"


def test_an_unknown_stage_is_refused() -> None:
    from infra.cdk_app import build

    with pytest.raises(SystemExit, match="unknown stage"):
        build(["-c", "stage=staging", "-o", "/nonexistent"])
