"""Stock out's small items: a mark per (channel, SKU) that coalesces changes into one scheduled push, and
a token bucket per channel account that paces the pushes.

A mark counts the SKU's changes (`changeCount`) and holds `scheduledAt` while a push is on its way: the
first change sets it with a conditional write and is the only one to queue a push; the push clears it
only if no change came meanwhile (the count it read still holds), else it schedules another. A mark
scheduled longer ago than `stale` counts as unscheduled, so a push lost between the mark and the queue
is made up by the next change. Neither item is an aggregate: they hold no business state of their own,
only what stock out has done, and one conditional update each is all they need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Table
from chalicelib.domain.timestamps import iso

_RACES = 5  # tries of the bucket's conditional update when other pushes take tokens at the same time


@dataclass(frozen=True)
class Mark:
    changes: int  # the SKU's changes counted so far
    pushed: int | None  # the quantity last pushed; None: never


class Marks:
    def __init__(self, table: Table) -> None:
        self.table = table

    def changed(self, channel_id: str, sku: str, *, at: datetime, stale: timedelta) -> bool:
        """Count a change; True when it is the first since the last push, so the caller schedules one."""
        key = keys.stock_out_key(channel_id, sku)
        first = self.table.update(
            key,
            "SET scheduledAt = :at ADD changeCount :one",
            condition="attribute_not_exists(scheduledAt) OR scheduledAt < :stale",
            values={":at": iso(at), ":one": 1, ":stale": iso(at - stale)},
        )
        if not first:
            self.table.update(key, "ADD changeCount :one", values={":one": 1})
        return first

    def read(self, channel_id: str, sku: str) -> Mark:
        item = self.table.get(keys.stock_out_key(channel_id, sku), consistent=True) or {}
        pushed = item.get("pushedQuantity")
        return Mark(changes=int(item.get("changeCount", 0)), pushed=None if pushed is None else int(pushed))

    def pushed(self, channel_id: str, sku: str, read: Mark, quantity: int, *, at: datetime) -> bool:
        """Record `quantity` as pushed and clear the schedule, unless the SKU changed since `read`: then
        False, the schedule stays (renewed), and the caller queues another push."""
        key = keys.stock_out_key(channel_id, sku)
        values = {":q": quantity, ":at": iso(at)}
        unchanged = "changeCount = :n" if read.changes else "attribute_not_exists(changeCount)"
        cleared = self.table.update(
            key,
            "SET pushedQuantity = :q, pushedAt = :at REMOVE scheduledAt",
            condition=unchanged,
            values={**values, **({":n": read.changes} if read.changes else {})},
        )
        if not cleared:
            self.table.update(key, "SET pushedQuantity = :q, pushedAt = :at, scheduledAt = :at", values=values)
        return cleared

    def still_scheduled(self, channel_id: str, sku: str, *, at: datetime) -> None:
        """The push was put off (no token yet): its schedule is renewed so it does not look lost."""
        self.table.update(keys.stock_out_key(channel_id, sku), "SET scheduledAt = :at", values={":at": iso(at)})

    def dropped(self, channel_id: str, sku: str) -> None:
        """Nothing to push to any more (the channel gone or inactive): the next change schedules afresh."""
        self.table.update(keys.stock_out_key(channel_id, sku), "REMOVE scheduledAt")


def take_token(table: Table, channel_id: str, *, per_minute: int, at: datetime) -> float:
    """Take one call's token from the channel's bucket (as big as a minute's calls, refilled evenly):
    0 when taken, else the seconds until one is there (or until a 429's Retry-After has passed)."""
    key = keys.push_bucket_key(channel_id)
    now_ms = int(at.timestamp() * 1000)
    full = per_minute * 1000  # milli-tokens, so the bucket is whole numbers
    for _ in range(_RACES):
        item = table.get(key, consistent=True) or {}
        paused = int(item.get("pausedUntilMs", 0))
        if paused > now_ms:
            return (paused - now_ms) / 1000
        then = item.get("refilledAtMs")
        tokens = (
            full
            if then is None
            else min(full, int(item["tokensMilli"]) + max(0, now_ms - int(then)) * per_minute // 60)
        )
        if tokens < 1000:
            return math.ceil((1000 - tokens) * 60 / per_minute) / 1000
        taken = table.update(
            key,
            "SET tokensMilli = :t, refilledAtMs = :now",
            condition="attribute_not_exists(refilledAtMs)" if then is None else "refilledAtMs = :then",
            values={":t": tokens - 1000, ":now": now_ms, **({} if then is None else {":then": int(then)})},
        )
        if taken:
            return 0
    return 1.0  # others kept winning the race: come back in a second


def pause(table: Table, channel_id: str, *, until: datetime) -> None:
    """The platform answered 429: no token until its Retry-After has passed, for any SKU."""
    table.update(
        keys.push_bucket_key(channel_id),
        "SET pausedUntilMs = :p",
        values={":p": int(until.timestamp() * 1000)},
    )
