"""Refunds the order has asked for, with what each gave back for what, and who pays each out."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.money import Money

REQUESTED = "requested"  # a payment refund waiting for the payment side's answer
SUCCEEDED = "succeeded"  # paid out
FAILED = "failed"  # failed every attempt: a task for customer service
BY_CHANNEL = "refunded_by_channel"  # the marketplace refunds its own customer; the OMS never pays it
CREDITED = "credited"  # kept toward an exchange's new items: no money moves
MAX_ATTEMPTS = 3
MARKETPLACES = frozenset({"bol", "amazon", "zalando"})  # channel types that refund their own customers
TILL_CHANNEL = "store"  # a sale at a store's till


def refund_id(order_id: str, number: int) -> str:
    """The order's `number`th refund: `ref_<order>_<n>`, so that the payment side's answer on a refund
    leads to its order in one read (`ids.order_of_refund`). Refunds from before have `ref_<ULID>` ids."""
    return f"ref_{order_id.removeprefix('ord_')}_{number}"


class Executor(StrEnum):
    PAYMENT = "payment"  # the payment side, answering through POST /refunds/{id}/events
    TILL = "till"  # paid out at a store's counter: succeeded at once
    CHANNEL = "channel"  # the marketplace
    STORE_CREDIT = "store_credit"  # a credit issued at once
    EXCHANGE = "exchange"  # the returned units' value kept toward an exchange's replacement


@dataclass(frozen=True, slots=True)
class RefundTerms:
    """What the order cannot know itself about who pays its refunds, told by the use case."""

    # Its channel refunds them itself: a marketplace always; a web shop what it took off the order itself.
    by_channel: bool = False
    at_counter: bool = False  # this change happens at a store's counter


def executor_for(method: str | None, *, channel: str, terms: RefundTerms) -> Executor:
    """Who pays a refund. A marketplace always refunds its own customer, whatever was asked, so it is
    never paid twice; then the return's `refundMethod` when it names one; a till sale refunded at a
    counter goes back over the counter; anything else to the payment."""
    if terms.by_channel:
        return Executor.CHANNEL
    if method in (Executor.TILL, Executor.STORE_CREDIT):
        return Executor(method)
    if channel == TILL_CHANNEL and terms.at_counter:
        return Executor.TILL
    return Executor.PAYMENT


@dataclass(frozen=True, slots=True)
class Breakdown:
    goods: Decimal
    shipping: Decimal
    fees: Decimal  # taken off: restocking, return shipping


@dataclass(slots=True)
class Refund:
    refund_id: str
    amount: Money
    status: str  # REQUESTED, SUCCEEDED, FAILED, BY_CHANNEL
    reason: str
    breakdown: Breakdown | None = None  # absent on refunds from before the ledger
    executor: str = Executor.PAYMENT  # refunds stored before executors were requested of the payment
    attempts: int = 1
    reference: str | None = None  # the payment's or till's reference; a store credit's credit id
    failure: str | None = None  # why the last attempt failed

    @property
    def paid(self) -> bool:
        return self.status == SUCCEEDED
