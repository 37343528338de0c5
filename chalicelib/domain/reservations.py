"""Reserve online, buy in the store of choice: a hold on a store's stock for one customer.

A reservation is active until the customer buys it at the till (completed: it becomes a
carry-out order), someone calls it off (cancelled), or its time runs out (expired). Only an
active one holds stock; each way out of it releases the hold. Pure: no I/O, times are passed in
as the OMS writes them (ISO-8601 UTC, so they compare as text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import Conflict, Invalid
from chalicelib.domain.orders.state import Customer
from chalicelib.domain.stock import StockChange
from chalicelib.domain.timestamps import iso

DEFAULT_HOLD = timedelta(hours=48)
MAX_HOLD = timedelta(days=14)
MAX_LINES = 50  # a reservation, its stock and its events fit one transaction with room to spare


class ReservationStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class ReservationLine:
    sku: str
    quantity: int

    def as_dict(self) -> dict[str, Any]:
        return {"sku": self.sku, "quantity": self.quantity}


@dataclass(slots=True)
class Reservation(Aggregate):
    reservation_id: str
    location_id: str
    lines: list[ReservationLine]
    customer: Customer
    expires_at: str
    created_at: str
    updated_at: str
    created_by: str
    status: ReservationStatus = ReservationStatus.ACTIVE
    order_id: str | None = None

    @property
    def identity(self) -> str:
        return self.reservation_id

    @classmethod
    def make(
        cls,
        *,
        reservation_id: str,
        location_id: str,
        lines: Sequence[ReservationLine],
        customer: Customer,
        expires_at: str | None,
        actor: str,
        now: str,
    ) -> Reservation:
        _check_lines(lines)
        reservation = cls(
            reservation_id=reservation_id,
            location_id=location_id,
            lines=list(lines),
            customer=customer,
            expires_at=expiry(now, expires_at),
            created_at=now,
            updated_at=now,
            created_by=actor,
        )
        reservation._hold("reserve")
        reservation._record(
            "ReservationCreated",
            actor,
            now,
            customerId=customer.customer_id,
            expiresAt=reservation.expires_at,
        )
        return reservation

    @property
    def active(self) -> bool:
        return self.status is ReservationStatus.ACTIVE

    def is_due(self, now: str) -> bool:
        """Its time is up (whether or not the schedule has expired it yet)."""
        return _parse(now) >= _parse(self.expires_at)

    def quantity_of(self, sku: str) -> int:
        return sum(ln.quantity for ln in self.lines if ln.sku == sku)

    def taken(self, requested: Sequence[tuple[str, int | None]]) -> dict[str, int]:
        """What the customer buys at the till, per SKU: every reserved SKU, at most as many as held
        (the default); whatever is not bought goes back to the shelf's free stock."""
        errors: list[dict[str, Any]] = []
        out: dict[str, int] = {}
        for i, (sku, quantity) in enumerate(requested):
            held = self.quantity_of(sku)
            if held == 0:
                errors.append({"loc": ["body", "lines", i, "sku"], "msg": f"{sku} is not reserved"})
            elif sku in out:
                errors.append({"loc": ["body", "lines", i, "sku"], "msg": f"{sku} is listed twice"})
            elif quantity is not None and quantity > held:
                errors.append({"loc": ["body", "lines", i, "quantity"], "msg": f"at most the {held} reserved"})
            else:
                out[sku] = held if quantity is None else quantity
        listed = {sku for sku, _ in requested}
        for ln in self.lines:
            if ln.sku not in listed:
                errors.append({"loc": ["body", "lines"], "msg": f"{ln.sku} needs a line with its unitPrice"})
        if errors:
            raise Invalid("the sale does not match the reservation", errors=errors)
        return out

    def complete(self, order_id: str, *, actor: str, now: str) -> None:
        """Bought at the till: the hold becomes the carry-out order `order_id`."""
        self._must_be_active("completed")
        if self.is_due(now):
            raise Conflict(
                f"reservation {self.reservation_id} expired at {self.expires_at}",
                reservationId=self.reservation_id,
                expiresAt=self.expires_at,
            )
        self.order_id = order_id
        self._end(ReservationStatus.COMPLETED, "ReservationCompleted", actor, now, orderId=order_id)

    def cancel(self, *, actor: str, now: str, reason: str | None = None) -> None:
        self._must_be_active("cancelled")
        self._end(ReservationStatus.CANCELLED, "ReservationCancelled", actor, now, reason=reason)

    def expire(self, *, actor: str, now: str) -> None:
        self._must_be_active("expired")
        if not self.is_due(now):
            raise Conflict(f"reservation {self.reservation_id} holds until {self.expires_at}")
        self._end(ReservationStatus.EXPIRED, "ReservationExpired", actor, now, expiresAt=self.expires_at)

    def _must_be_active(self, wanted: str) -> None:
        if not self.active:
            raise Conflict(
                f"reservation {self.reservation_id} is {self.status.value} and cannot be {wanted}",
                reservationId=self.reservation_id,
                reservationStatus=self.status.value,
            )

    def _hold(self, kind: str) -> None:
        """Its units held at the store (`reserve`), or the hold ended (`release`): the shelf's free
        stock, and on completion the carry-out order's take, written with it."""
        self.stock_changes.extend(StockChange(kind, ln.sku, self.location_id, ln.quantity) for ln in self.lines)

    def _end(self, status: ReservationStatus, event: str, actor: str, now: str, **detail: Any) -> None:
        self._hold("release")
        self.status = status
        self.updated_at = now
        self._record(event, actor, now, **{k: v for k, v in detail.items() if v is not None})

    def _record(self, type_: str, actor: str, at: str, **detail: Any) -> None:
        # Every reservation event names the store and its lines: the stock summary refreshes from them.
        # (Named, not super(): a slotted dataclass has no __class__ cell for it in Python 3.11.)
        Aggregate._record(self, type_, actor, at, lines=[ln.as_dict() for ln in self.lines], **detail)


def expiry(now: str, requested: str | None) -> str:
    """When a new reservation ends: 48 hours from now unless asked otherwise, at most 14 days ahead."""
    start = _parse(now)
    if requested is None:
        return iso(start + DEFAULT_HOLD)
    wanted = _parse(requested)
    if wanted <= start:
        raise Invalid(
            "expiresAt is in the past", errors=[{"loc": ["body", "expiresAt"], "msg": "must be in the future"}]
        )
    if wanted - start > MAX_HOLD:
        raise Invalid(
            f"a reservation holds stock for at most {MAX_HOLD.days} days",
            errors=[{"loc": ["body", "expiresAt"], "msg": f"at most {MAX_HOLD.days} days ahead"}],
        )
    return iso(wanted)


def _check_lines(lines: Sequence[ReservationLine]) -> None:
    errors: list[dict[str, Any]] = []
    if not lines:
        errors.append({"loc": ["body", "lines"], "msg": "a reservation needs at least one line"})
    if len(lines) > MAX_LINES:
        errors.append({"loc": ["body", "lines"], "msg": f"at most {MAX_LINES} lines"})
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if line.sku in seen:
            errors.append({"loc": ["body", "lines", i, "sku"], "msg": f"{line.sku} is listed twice"})
        seen.add(line.sku)
        if line.quantity <= 0:
            errors.append({"loc": ["body", "lines", i, "quantity"], "msg": "must be a positive whole number"})
    if errors:
        raise Invalid("the reservation is not valid", errors=errors)


def _parse(moment: str) -> datetime:
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
