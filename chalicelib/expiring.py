"""Values kept in process for a few seconds by key: what a warm Lambda reads often and others
rarely change (the network, the rules, a channel's secret)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Generic, TypeVar

from chalicelib import clock

T = TypeVar("T")


class Expiring(Generic[T]):
    """Each value is kept for `env` seconds (an environment variable; `default` when unset)."""

    def __init__(self, env: str, default: int) -> None:
        self._env = env
        self._default = default
        self._entries: dict[str, tuple[float, T]] = {}

    def get(self, key: str, load: Callable[[], T]) -> T:
        """The value kept for `key`, or what `load` gives (kept in turn) once it has expired."""
        hit = self._entries.get(key)
        if hit is not None and hit[0] > clock.monotonic():
            return hit[1]
        value = load()
        self._entries[key] = (clock.monotonic() + float(os.environ.get(self._env, self._default)), value)
        return value

    def forget(self, key: str | None = None) -> None:
        """Drop one key's value (this process's own change is seen at once), or every one."""
        if key is None:
            self._entries.clear()
        else:
            self._entries.pop(key, None)
