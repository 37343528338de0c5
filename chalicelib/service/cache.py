"""A short-lived in-process cache for what every request reads and rarely changes (network, rules).

A warm Lambda answers from it with no DynamoDB call; another Lambda's change is seen within
OMS_CACHE_SECONDS (default 5); this process's own changes are seen at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from chalicelib import clock

T = TypeVar("T")
_entries: dict[str, tuple[float, Any]] = {}


def cached(key: str, load: Callable[[], T]) -> T:
    hit = _entries.get(key)
    if hit is not None and hit[0] > clock.monotonic():
        value: T = hit[1]
        return value
    value = load()
    _entries[key] = (clock.monotonic() + float(os.environ.get("OMS_CACHE_SECONDS", "5")), value)
    return value


def forget(key: str | None = None) -> None:
    if key is None:
        _entries.clear()
    else:
        _entries.pop(key, None)
