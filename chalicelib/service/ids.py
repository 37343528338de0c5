"""Opaque ids that sort by creation time (ULID-like), and the clock."""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(prefix: str) -> str:
    ms = int(time.time() * 1000)
    stamp = "".join(_ALPHABET[(ms >> (5 * i)) & 31] for i in reversed(range(10)))
    rand = int.from_bytes(os.urandom(10), "big")
    tail = "".join(_ALPHABET[(rand >> (5 * i)) & 31] for i in reversed(range(16)))
    return f"{prefix}_{stamp}{tail}"
