"""A short-lived in-process cache for what every request reads and rarely changes (network, rules).

A warm Lambda answers from it with no DynamoDB call; another Lambda's change is seen within
OMS_CACHE_SECONDS (default 5); this process's own changes are seen at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chalicelib.expiring import Expiring

T = TypeVar("T")
_entries: Expiring[Any] = Expiring("OMS_CACHE_SECONDS", 5)


def cached(key: str, load: Callable[[], T]) -> T:
    value: T = _entries.get(key, load)
    return value


def forget(key: str | None = None) -> None:
    _entries.forget(key)
