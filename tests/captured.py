"""The platforms' payloads as captured: copied as published from ../shared/channels (SOURCES.md there
says where each comes from). Kept apart from tests/channels.py, which sets up the tests' AWS, so the
local stack's fake marketplaces (infra/demo_platforms.py) can read them too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).resolve().parent / "payloads"


def payload(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return found
