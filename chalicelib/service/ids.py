"""Opaque ids that sort by creation time (ULID-like), and the clock."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(prefix: str) -> str:
    ms = int(time.time() * 1000)
    stamp = "".join(_ALPHABET[(ms >> (5 * i)) & 31] for i in reversed(range(10)))
    rand = int.from_bytes(os.urandom(10), "big")
    tail = "".join(_ALPHABET[(rand >> (5 * i)) & 31] for i in reversed(range(16)))
    return f"{prefix}_{stamp}{tail}"


def fulfilment_order_ids(order_id: str, existing: int) -> Callable[[], str]:
    """Ids for an order's next fulfilment orders: `fo_<order>_<n>`, so that a fulfilment order
    leads to its order (and its partition) with no lookup."""
    numbers = itertools.count(existing + 1)
    return lambda: f"fo_{order_id.removeprefix('ord_')}_{next(numbers)}"


def order_of_fulfilment_order(fulfilment_order_id: str) -> str | None:
    body, _, number = fulfilment_order_id.removeprefix("fo_").rpartition("_")
    if not fulfilment_order_id.startswith("fo_") or not body or not number.isdigit():
        return None
    return f"ord_{body}"
