"""A short-lived in-process cache for what every request reads and rarely changes (network, rules).

A warm Lambda answers from it with no DynamoDB call; another Lambda's change is seen within
OMS_CACHE_SECONDS (default 5); this process's own changes are seen at once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_entries: dict[str, tuple[float, Any]] = {}


def cached(key: str, load: Callable[[], T]) -> T:
    hit = _entries.get(key)
    if hit is not None and hit[0] > time.monotonic():
        value: T = hit[1]
        return value
    value = load()
    _entries[key] = (time.monotonic() + float(os.environ.get("OMS_CACHE_SECONDS", "5")), value)
    return value


def forget(key: str | None = None) -> None:
    if key is None:
        _entries.clear()
    else:
        _entries.pop(key, None)
