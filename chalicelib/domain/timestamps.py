"""Timestamps as the OMS writes them: ISO-8601 UTC with milliseconds and a Z, so they sort as text.

In the domain because the domain writes some itself (a reservation's expiry); reading the wall
clock is `chalicelib.clock`'s.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
