"""Stock out's mark per (channel, SKU), which coalesces changes into one scheduled push (the pushes are
paced by the channel account's token bucket: chalicelib/adapters/buckets.py).

A mark counts the SKU's changes (`changeCount`) and holds `scheduledAt` while a push is on its way: the
first change sets it with a conditional write and is the only one to queue a push; the push clears it
only if no change came meanwhile (the count it read still holds), else it schedules another. A mark
scheduled longer ago than `stale` counts as unscheduled, so a push lost between the mark and the queue
is made up by the next change. A mark is not an aggregate: it holds no business state of its own, only
what stock out has done, and one conditional update is all it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Table
from chalicelib.domain.timestamps import iso


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
