"""A channel account's token buckets: one item per kind of call (stock pushes, the poller's calls), so
the OMS stays under the platform's usage plan for each, and a 429 pauses that kind until its
Retry-After has passed. Not an aggregate: a bucket holds only what calls were made, and one
conditional update is all it needs.
"""

from __future__ import annotations

import math
from datetime import datetime

from chalicelib.adapters.dynamo import Table
from chalicelib.adapters.keys import Key
from chalicelib.domain.network import Rate

_RACES = 5  # tries of the bucket's conditional update when other calls take tokens at the same time


def take_token(table: Table, bucket: Key, *, rate: Rate, at: datetime) -> float:
    """Take one call's token from `bucket` (full at first, refilled evenly): 0 when taken, else the
    seconds until one is there (or until a 429's Retry-After has passed)."""
    now_ms = int(at.timestamp() * 1000)
    full = rate.burst * 1000  # milli-tokens, so the bucket is whole numbers
    for _ in range(_RACES):
        item = table.get(bucket, consistent=True) or {}
        paused = int(item.get("pausedUntilMs", 0))
        if paused > now_ms:
            return (paused - now_ms) / 1000
        then = item.get("refilledAtMs")
        # a milli-token a millisecond per token a second
        refill = 0 if then is None else int(max(0, now_ms - int(then)) * rate.per_second)
        tokens = full if then is None else min(full, int(item["tokensMilli"]) + refill)
        if tokens < 1000:
            return math.ceil((1000 - tokens) / rate.per_second) / 1000
        taken = table.update(
            bucket,
            "SET tokensMilli = :t, refilledAtMs = :now",
            condition="attribute_not_exists(refilledAtMs)" if then is None else "refilledAtMs = :then",
            values={":t": tokens - 1000, ":now": now_ms, **({} if then is None else {":then": int(then)})},
        )
        if taken:
            return 0
    return 1.0  # others kept winning the race: come back in a second


def pause(table: Table, bucket: Key, *, until: datetime) -> None:
    """The platform answered 429: no token from `bucket` until its Retry-After has passed."""
    table.update(bucket, "SET pausedUntilMs = :p", values={":p": int(until.timestamp() * 1000)})
