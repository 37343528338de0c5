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
    return _order_of("fo_", fulfilment_order_id)


def return_id(order_id: str, existing: int) -> str:
    """The order's next return: `ret_<order>_<n>`, leading to its order's partition like a
    fulfilment order's id."""
    return f"ret_{order_id.removeprefix('ord_')}_{existing + 1}"


def order_of_return(return_id: str) -> str | None:
    return _order_of("ret_", return_id)


def exchange_id(order_id: str, existing: int) -> str:
    """The order's next exchange: `exc_<order>_<n>`, in its order's partition like a return."""
    return f"exc_{order_id.removeprefix('ord_')}_{existing + 1}"


def order_of_exchange(exchange_id: str) -> str | None:
    return _order_of("exc_", exchange_id)


def replacement_external_id(external_id: str, record_id: str) -> str:
    """A replacement order's (an exchange's or claim's `record_id`): its original's external id with
    the record's, so it is never taken for the platform's own order."""
    return f"{external_id}:{record_id}"


def is_replacement(external_id: str) -> bool:
    """Whether an order is an exchange's or claim's replacement, which its platform never saw."""
    return external_id.rpartition(":")[2].startswith(("exc_", "clm_"))


def claim_id(order_id: str, existing: int) -> str:
    """The order's next claim: `clm_<order>_<n>`, in its order's partition like a return."""
    return f"clm_{order_id.removeprefix('ord_')}_{existing + 1}"


def order_of_claim(claim_id: str) -> str | None:
    return _order_of("clm_", claim_id)


def order_of_refund(refund_id: str) -> str | None:
    return _order_of("ref_", refund_id)


def _order_of(prefix: str, child_id: str) -> str | None:
    """The order a `<prefix><order>_<n>` id belongs to; None when the id is not of that shape."""
    body, _, number = child_id.removeprefix(prefix).rpartition("_")
    if not child_id.startswith(prefix) or not body or not number.isdigit():
        return None
    return f"ord_{body}"
