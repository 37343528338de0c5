"""cfn-lint on the synthesised template (SAM resources included: cfn-lint validates them against SAM's schemas)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CFN_LINT = Path(sys.executable).parent / "cfn-lint"
ERROR = 2  # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational


def test_the_template_has_no_cfn_lint_errors(dev_template_path: Path) -> None:
    done = subprocess.run(
        [str(CFN_LINT), "--format", "json", str(dev_template_path)], capture_output=True, text=True, check=False
    )
    findings = json.loads(done.stdout or "[]")
    errors = [f for f in findings if f["Level"] == "Error"]
    assert not errors, json.dumps(errors, indent=2)
    assert not done.returncode & ERROR, done.stderr
