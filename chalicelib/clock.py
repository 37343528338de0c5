"""Time as the OMS reads it, from one clock: the system's, unless a test sets its own (`use`).

Timestamps are written as `chalicelib.domain.timestamps.iso` says, so they sort as text. Waiting
(the back-off between retries) goes through the clock too, so a test clock can skip it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol

from chalicelib.domain.timestamps import iso


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start, never going back: for how long things have lasted."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (or, for a test clock, let them pass)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


_clock: Clock = SystemClock()


def use(clock: Clock) -> Clock:
    """Make `clock` the one every reading of time goes through; returns the clock it replaces."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def moment() -> datetime:
    return _clock.now()


def now() -> str:
    return iso(_clock.now())


def monotonic() -> float:
    return _clock.monotonic()


def sleep(seconds: float) -> None:
    _clock.sleep(seconds)
