"""The synthesised CloudFormation, made once per test session (Chalice packaging takes ~10-30 s).

Synthesis runs `python -m infra.cdk_app` in a subprocess: Chalice imports app.py, whose queue names
depend on OMS_STAGE, and this process has already imported it for the "test" stage. Under xdist the
workers share one synthesis through a file lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from chalicelib.resources import BOL_SENDER_ROLE_SETTING
from tests.infra.cfn import BOL_SENDER_ROLE, CfnTemplate

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

PROJECT_DIR = Path(__file__).resolve().parents[2]
# Stage settings beyond the stage: bol's sender role for dev only, so prod shows the queue without it.
SETTINGS = {"dev": [f"{BOL_SENDER_ROLE_SETTING}={BOL_SENDER_ROLE}"], "prod": []}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: needs the synthesised CDK app (one synthesis per session)")


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _synthesise(root: Path, stage: str) -> Path:
    """The template file for `stage`, synthesised by the first worker to ask."""
    outdir = root / f"cdk.out-{stage}"
    template = outdir / f"{stage}.template.json"
    # One lock for every stage: Chalice writes its dependency cache (.chalice/deployments) in place.
    with (root / "synth.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            env = {k: v for k, v in os.environ.items() if k != "OMS_STAGE"}
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "infra.cdk_app",
                    "-c",
                    f"stage={stage}",
                    *(arg for setting in SETTINGS.get(stage, []) for arg in ("-c", setting)),
                    "-o",
                    str(outdir),
                ],
                cwd=PROJECT_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if done.returncode or not template.exists():
                pytest.fail(f"synth of {stage} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return template


@pytest.fixture(scope="session")
def synthesise(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    root = _shared_dir(tmp_path_factory)
    return lambda stage: _synthesise(root, stage)


@pytest.fixture(scope="session")
def dev_template_path(synthesise: Callable[[str], Path]) -> Path:
    return synthesise("dev")


@pytest.fixture(scope="session")
def dev_template(dev_template_path: Path) -> CfnTemplate:
    template: CfnTemplate = json.loads(dev_template_path.read_text())
    return template


@pytest.fixture(scope="session")
def prod_template(synthesise: Callable[[str], Path]) -> CfnTemplate:
    template: CfnTemplate = json.loads(synthesise("prod").read_text())
    return template
