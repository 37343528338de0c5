"""An exchange: a return and a linked replacement order, and the money between them.

The returned units are worth what the refund function gives for them (goods less fees; an exchange
refunds no shipping, the customer keeps goods). That value is the exchange's credit toward the new
items, up to their price: the price difference (new items - credit value) is paid by the customer
when positive (the replacement waits, `awaiting_payment`) and refunded when negative, when the
return's refund falls due under the policy, never more (the return's refund is replaced by it).

When the replacement is released: `advance` at once (paid), with a timer that charges the credit
if the return has not come back by then; `on_receipt` when the return is received. A return given
up (cancelled, expired) cancels a replacement not yet released, and charges one that was; a return
received after its charge gives the charge back. Its events are the original order's (recorded
there, in the same transaction). Pure: times are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.aggregate import RecordedByItsOrder
from chalicelib.domain.errors import Conflict

EXCHANGE_HOLD = "exchange"  # what a replacement's lines wait for before it is released
CHARGE_TIMER = "exchange_charge"  # an advance exchange's: the return should be back by then


class ExchangeMode(StrEnum):
    ADVANCE = "advance"  # the replacement goes before the return comes back
    ON_RECEIPT = "on_receipt"  # the replacement goes once the return is received


class ExchangeStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"  # the customer owes the difference
    AWAITING_RETURN = "awaiting_return"  # on_receipt: paid, the return not received yet
    RELEASED = "released"  # the replacement is on its way, the return not received yet
    COMPLETED = "completed"  # released and received
    CHARGED = "charged"  # advance: the return did not come back in time, the credit was charged
    CANCELLED = "cancelled"  # its return was given up before the replacement went: the replacement is cancelled


@dataclass(slots=True)
class Exchange(RecordedByItsOrder):
    exchange_id: str
    order_id: str
    channel: str
    return_id: str
    replacement_order_id: str
    mode: ExchangeMode
    new_price: Decimal  # what the new items cost
    returned_value: Decimal  # what the returned units refund (goods less fees)
    currency: str
    created_at: str
    updated_at: str
    created_by: str
    paid: bool = False  # the customer paid a positive difference
    released: bool = False
    received: bool = False
    charged: Decimal | None = None  # what was charged when an advance return did not come back
    charge_due: datetime | None = None  # advance: when the return should be back
    cancelled: bool = False
    charge_returned: bool = False  # the return came back after all, and the charge was given back

    @property
    def identity(self) -> str:
        return self.exchange_id

    @property
    def price_difference(self) -> Decimal:
        """Positive: the customer pays it; negative: it is refunded."""
        return self.new_price - self.returned_value

    @property
    def credit(self) -> Decimal:
        """The part of the returned units' value that goes to the new items, not back as money."""
        return min(self.new_price, self.returned_value)

    @property
    def status(self) -> ExchangeStatus:
        if self.cancelled:
            return ExchangeStatus.CANCELLED
        if self.charged is not None and not self.charge_returned:
            return ExchangeStatus.CHARGED
        if self.price_difference > 0 and not self.paid:
            return ExchangeStatus.AWAITING_PAYMENT
        if not self.released:
            return ExchangeStatus.AWAITING_RETURN
        return ExchangeStatus.COMPLETED if self.received else ExchangeStatus.RELEASED

    @property
    def may_release(self) -> bool:
        """Paid what it owes, and the return back or not needed first."""
        owes = self.price_difference > 0 and not self.paid
        waits = self.released or self.cancelled or owes
        return not waits and (self.mode is ExchangeMode.ADVANCE or self.received)

    @property
    def settled(self) -> bool:
        """Nothing its return does can change it any more."""
        return self.received or self.cancelled or self.charged is not None

    def release(self, *, charge_due: datetime | None, now: str) -> None:
        """The replacement goes; an advance one whose return is still out is charged at `charge_due`."""
        self.released = True
        self.charge_due = None if self.received else charge_due
        self.updated_at = now
        self._touch()

    def pay(self, *, now: str) -> None:
        if self.price_difference <= 0 or self.paid:
            raise Conflict(
                f"exchange {self.exchange_id} is {self.status.value}: nothing to pay",
                exchangeStatus=self.status.value,
            )
        self.paid, self.updated_at = True, now
        self._touch()

    def return_received(self, *, covered: Decimal, now: str) -> Decimal | None:
        """The whole return is in, its units worth `covered` of the credit; what was charged for it
        meanwhile beyond what is still not covered is to be given back (None: nothing)."""
        self.received, self.charge_due, self.updated_at = True, None, now
        self._touch()
        if self.charged is None or self.charge_returned:
            return None
        back = self.charged - max(self.credit - covered, Decimal(0))
        if back <= 0:
            return None
        self.charge_returned = True
        return back

    def charge(self, *, covered: Decimal, now: str) -> Decimal | None:
        """The return did not come back in time: the credit is charged, less what units received so far
        `covered` (None: nothing to charge)."""
        self.charge_due, self.updated_at = None, now
        self._touch()
        if self.settled or self.credit <= covered:
            return None
        self.charged = self.credit - covered
        return self.charged

    def cancel(self, *, now: str) -> None:
        """Its return was given up before the replacement went: the exchange is off."""
        if self.released or self.settled:
            raise Conflict(f"exchange {self.exchange_id} is {self.status.value}: it cannot be cancelled")
        self.cancelled, self.charge_due, self.updated_at = True, None, now
        self._touch()
