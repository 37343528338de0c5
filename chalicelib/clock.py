"""The wall clock, as the OMS writes timestamps (`chalicelib.domain.timestamps`)."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.timestamps import iso


def now() -> str:
    return iso(datetime.now(UTC))
