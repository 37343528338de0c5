"""A return: units of an order on their way back, following the return workflow it was pinned to.

The return keeps its own position in its workflow, its timers (an approved return's expiry) and, per
line, what was asked back, received (with each unit's disposition) and refunded. What it does to
the order (the ledger, the stock, the refund, the events) is the order's part (`orders/returning.py`);
both change in one transaction. Pure: times are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import Conflict, Invalid, error_at
from chalicelib.domain.lookup import one_of
from chalicelib.domain.workflows import Accepted, Category, Definition, Position, Refused, Timer, start, step


class ReturnStatus(StrEnum):
    """The built-in return workflow's states (a business's own may have others)."""

    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    IN_TRANSIT = "in_transit"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    INSPECTED = "inspected"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Disposition(StrEnum):
    RESTOCK = "restock"  # resellable: on hand where it was received
    DAMAGED = "damaged"
    REFURBISH = "refurbish"
    MISSING = "missing"  # announced, not in the parcel


@dataclass(slots=True)
class ReturnItem:
    """One line of a return."""

    line_id: str
    sku: str
    quantity: int
    reason: str
    merchant_fault: bool
    received: int = 0
    refunded: int = 0
    dispositions: dict[str, int] = field(default_factory=dict)

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received


@dataclass(frozen=True, slots=True)
class Receipt:
    """Units of a line received, and what becomes of them."""

    line_id: str
    sku: str
    quantity: int
    disposition: Disposition


@dataclass(slots=True)
class Return(Aggregate):
    return_id: str
    order_id: str
    channel: str
    return_to: str
    lines: list[ReturnItem]
    workflow: str
    workflow_version: int
    created_at: str
    updated_at: str
    created_by: str
    refund_method: str = "original"
    refund_timing: str = "on_receipt"
    status: str = ""
    category: Category = Category.OPEN
    entry: int = 0
    timers: list[Timer] = field(default_factory=list)
    authorized: bool = False  # its units were expected back on the order's ledger
    received_at: str | None = None  # the location that received it
    reasons: list[str] = field(default_factory=list)  # why it was declined
    refund_ids: list[str] = field(default_factory=list)
    tracking: dict[str, str] | None = None
    # Part of an exchange: its value, up to `exchange_credit`, goes to the exchange's new items.
    exchange_id: str | None = None
    exchange_credit: Decimal = Decimal("0.00")

    @property
    def identity(self) -> str:
        return self.return_id

    @classmethod
    def begin(cls, definition: Definition, version: int, *, now: str, **fields: Any) -> Return:
        """A new return in its workflow's initial state, pinned to `definition` of `version`."""
        begun = start(definition, datetime.fromisoformat(now))
        ret = cls(
            workflow=definition.id,
            workflow_version=version,
            created_at=now,
            updated_at=now,
            status=begun.state,
            **fields,
        )
        ret.category, ret.timers = begun.category, list(begun.timers)
        return ret

    @property
    def position(self) -> Position:
        return Position(self.status, self.entry)

    @property
    def location_id(self) -> str:
        """Whose return to handle: where it was received, else where it is going."""
        return self.received_at or self.return_to

    @property
    def outstanding(self) -> int:
        return sum(ln.outstanding for ln in self.lines)

    def line(self, line_id: str) -> ReturnItem:
        return one_of(
            self.lines,
            lambda ln: ln.line_id == line_id,
            lambda: Invalid(f"return {self.return_id} has no line {line_id!r}", errors=[error_at(["lines"], line_id)]),
        )

    def context(self, order_facts: Mapping[str, Any], event: Mapping[str, Any]) -> dict[str, Any]:
        """What the workflow's guards may read."""
        facts = {"outstanding": self.outstanding, "channel": self.channel, "returnTo": self.return_to}
        return {"return": facts, "order": dict(order_facts), "event": dict(event)}

    def move(self, definition: Definition, event: str, context: Mapping[str, Any], *, now: str) -> Accepted:
        """`event` under the pinned workflow; a 409 naming the events allowed now when it may not."""
        result = step(definition, self.position, event, context, datetime.fromisoformat(now))
        if isinstance(result, Refused):
            raise Conflict(
                f"return {self.return_id} is {self.status}: {event} is not allowed",
                returnStatus=self.status,
                allowed=list(result.allowed),
            )
        gone = set(result.cancel)
        if result.moved:  # timers set for where it was (its expiry) speak for it no longer
            self.timers = []
        self.timers = [t for t in self.timers if t.name not in gone] + list(result.timers)
        self.status, self.entry, self.category = result.state, result.position.entry, result.category
        self.updated_at = now
        self._touch()
        return result

    def set_timer(self, timer: Timer) -> None:
        self.timers = [t for t in self.timers if t.name != timer.name] + [timer]
        self._touch()

    def drop_timer(self, name: str, *, now: str) -> None:
        self.timers = [t for t in self.timers if t.name != name]
        self.updated_at = now
        self._touch()

    def receive(self, lines: Sequence[tuple[str, int, Disposition]], *, location_id: str, now: str) -> list[Receipt]:
        """Units handed in at `location_id`: at most what is still expected of each line."""
        if self.received_at not in (None, location_id):
            raise Conflict(
                f"return {self.return_id} is being received at {self.received_at}, not {location_id}",
                receivedAt=self.received_at,
            )
        wanted: dict[str, int] = {}
        for line_id, quantity, _ in lines:
            wanted[line_id] = wanted.get(line_id, 0) + quantity
        errors = [
            error_at(["lines", line_id, "quantity"], f"at most the {self.line(line_id).outstanding} still expected")
            for line_id, quantity in wanted.items()
            if quantity > self.line(line_id).outstanding
        ]
        if errors:
            raise Invalid(f"more than return {self.return_id} still expects", errors=errors)
        receipts = []
        for line_id, quantity, disposition in lines:
            ln = self.line(line_id)
            ln.received += quantity
            ln.dispositions[disposition.value] = ln.dispositions.get(disposition.value, 0) + quantity
            receipts.append(Receipt(line_id, ln.sku, quantity, disposition))
        self.received_at, self.updated_at = location_id, now
        self._touch()
        return receipts

    def everything_expected(self, disposition: Disposition) -> list[tuple[str, int, Disposition]]:
        """Every unit still expected, all with one disposition (a receipt that names no lines)."""
        return [(ln.line_id, ln.outstanding, disposition) for ln in self.lines if ln.outstanding]

    def to_refund(self, *, received_only: bool) -> dict[str, int]:
        """Units not refunded yet: those received, but for any missing from the parcel (or, refunding
        on request, every unit asked back)."""
        missing = Disposition.MISSING.value
        units = {
            ln.line_id: (ln.received - ln.dispositions.get(missing, 0) if received_only else ln.quantity) - ln.refunded
            for ln in self.lines
        }
        return {k: v for k, v in units.items() if v > 0}

    def refunded(self, units: Mapping[str, int], refund_id: str | None) -> None:
        for line_id, quantity in units.items():
            self.line(line_id).refunded += quantity
        if refund_id is not None:
            self.refund_ids.append(refund_id)
        self._touch()

    def merchant_fault(self, line_ids: Sequence[str]) -> bool:
        """One trip back: the merchant's fault for any of its lines waives the fees."""
        return any(self.line(i).merchant_fault for i in line_ids)
