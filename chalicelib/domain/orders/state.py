"""What an order is: who bought what and how it is delivered, its fulfilment orders and refunds,
and its status, which follows from its lines'. What changes it is in the `Order` class's parts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.delivery import Delivery
from chalicelib.domain.errors import Invalid, error_at
from chalicelib.domain.events import Event
from chalicelib.domain.fulfilment.order import FulfilmentOrder
from chalicelib.domain.lookup import one_of
from chalicelib.domain.money import Money
from chalicelib.domain.orders.holds import WORKFLOW, TaskLine, TaskRequest, WorkflowStep
from chalicelib.domain.orders.ledger import Discount, Shipping
from chalicelib.domain.orders.lines import LineStatus, OrderLine
from chalicelib.domain.orders.refunds import Refund, RefundTerms
from chalicelib.domain.returns.refund import Ledger, LineMoney
from chalicelib.domain.timestamps import iso
from chalicelib.domain.workflows import Accepted, Category, Definition, EmitEvent, NotifyChannel, Position, Timer


class OrderStatus(StrEnum):
    OPEN = "open"
    ON_HOLD = "on_hold"  # its own workflow holds it before anything is handed to a location
    BACKORDERED = "backordered"
    IN_FULFILMENT = "in_fulfilment"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


_DONE = frozenset({LineStatus.DELIVERED, LineStatus.COLLECTED, LineStatus.RETURNED})
_IN_FULFILMENT = frozenset({LineStatus.ALLOCATED, LineStatus.PICKED})
# A fulfilment order in these has sent its goods on their way to the customer: they are fulfilled.
_GOODS_SENT = frozenset({Category.SHIPPED, Category.READY, Category.DONE})


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    email: str | None = None
    name: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    status: str  # "authorized" | "paid"
    amount: Money


@dataclass(slots=True)
class OrderState(Aggregate):
    """An order's fields and lookups, shared by the parts of `Order`."""

    order_id: str
    channel: str
    external_id: str
    customer: Customer
    placed_at: str
    payment: Payment
    lines: list[OrderLine]
    created_at: str
    updated_at: str
    store_id: str | None = None
    delivery: Delivery | None = None
    status: OrderStatus = OrderStatus.OPEN
    refunds: list[Refund] = field(default_factory=list)
    # Its returns, exchanges and claims by kind: id -> status (a claim's: its resolution), so that the
    # order's header alone (a customer's history) tells what became of them.
    records: dict[str, dict[str, str]] = field(default_factory=dict)
    discounts: list[Discount] = field(default_factory=list)  # the order's own, spread over its lines
    shipping: Shipping | None = None
    amount_due: Decimal = Decimal("0.00")  # what edits added to the total, for the payment side to collect
    fulfilment_orders: list[FulfilmentOrder] = field(default_factory=list)
    history: list[Event] = field(default_factory=list)  # the events stored before this change
    # The order's own workflow, when one is bound for it (see `domain/orders/review.py`).
    workflow: str | None = None
    workflow_version: int = 0
    workflow_state: str | None = None
    workflow_category: Category | None = None
    workflow_entry: int = 0
    workflow_timers: list[Timer] = field(default_factory=list)  # pending, each stamped with (state, entry)
    timers_changed: bool = False  # to be written with the order's next save
    # Recorded by this change, not yet stored (beside the aggregate's events and stock changes):
    # locations given new work, tasks opened for teams.
    new_work_at: list[str] = field(default_factory=list)
    new_tasks: list[TaskRequest] = field(default_factory=list)
    refund_terms: RefundTerms = field(
        default_factory=RefundTerms
    )  # told by the use case: who pays this change's refunds

    @property
    def identity(self) -> str:
        return self.order_id

    @property
    def total(self) -> Money:
        """What the customer pays: the lines after every discount, and the shipping."""
        shipping = self.shipping.amount.amount if self.shipping else Decimal(0)
        return Money(sum((line.paid for line in self.lines), shipping), self.payment.amount.currency)

    def fulfilled_quantity(self, line: OrderLine) -> int:
        """Units of `line` whose goods are on their way to the customer or with them."""
        return sum(self.sent_from(line).values())

    def sent_from(self, line: OrderLine) -> Counter[str]:
        """Units of `line` on their way to the customer or with them, per location that sent them."""
        sent: Counter[str] = Counter()
        for a in line.allocations:
            if self.fulfilment_order(a.fulfilment_order_id).category in _GOODS_SENT:
                sent[a.location_id] += a.quantity
        return sent

    def with_customer(self, line: OrderLine) -> int:
        """Units of `line` sent to the customer and still theirs: not returned, expected back or claimed."""
        return (
            self.fulfilled_quantity(line)
            - line.return_requested_quantity
            - line.returned_quantity
            - line.written_off_quantity
        )

    def ledger(self) -> Ledger:
        """The order's money as refunds see it."""
        return Ledger(
            tuple(LineMoney(ln.line_id, ln.quantity, ln.paid, ln.refunded_quantity, ln.refunded) for ln in self.lines),
            self.shipping.amount.amount if self.shipping else Decimal("0.00"),
            self.shipping.refunded if self.shipping else Decimal("0.00"),
            sum((r.amount.amount for r in self.refunds), Decimal("0.00")),
        )

    @property
    def held(self) -> bool:
        """Held by its own workflow: nothing of it is handed to a location until that releases it."""
        return self.workflow_category is Category.OPEN

    @property
    def workflow_position(self) -> Position:
        return Position(self.workflow_state or "", self.workflow_entry)

    def order_facts(self) -> dict[str, Any]:
        """What a workflow's guards may read of the order (its own, or a fulfilment order's)."""
        return {
            "channel": self.channel,
            "total": self.total.amount,
            "currency": self.total.currency,
            "customerId": self.customer.customer_id,
            "storeId": self.store_id,
            "paymentStatus": self.payment.status,
            "units": sum(ln.quantity for ln in self.lines),
        }

    def line(self, line_id: str) -> OrderLine:
        return one_of(
            self.lines,
            lambda ln: ln.line_id == line_id,
            lambda: Invalid(f"order {self.order_id} has no line {line_id!r}", errors=[error_at(["lineId"], line_id)]),
        )

    def fulfilment_order(self, fulfilment_order_id: str) -> FulfilmentOrder:
        return one_of(
            self.fulfilment_orders,
            lambda fo: fo.fulfilment_order_id == fulfilment_order_id,
            lambda: Invalid(f"order {self.order_id} has no fulfilment order {fulfilment_order_id!r}"),
        )

    def _task_created(self, task: TaskRequest, actor: str, now: str) -> None:
        """Announce a task this change opens (the unit of work writes it with the order)."""
        self._record("TaskCreated", actor, now, **task.as_dict())

    def _workflow_actions(
        self,
        result: Accepted,
        definition: Definition,
        at: dict[str, Any],
        lines: tuple[TaskLine, ...],
        *,
        actor: str,
        now: str,
        new_task_id: Callable[[], str] | None,
    ) -> None:
        """What a workflow step of the order or of one of its fulfilment orders (`at` says which, and
        its new state) announces and opens: its events, its channel's notification, its teams' tasks."""
        for effect in result.effects:
            if isinstance(effect, EmitEvent):
                self._record("WorkflowEventEmitted", actor, now, name=effect.event_type, **at)
            elif isinstance(effect, NotifyChannel):  # routed to the channel-updates queue
                self._record("ChannelNotificationRequested", actor, now, message=effect.message, **at)
        for opened in result.tasks:
            if new_task_id is None:
                raise ValueError("a transition that opens a task needs new_task_id")
            subject = at.get("fulfilmentOrderId") or self.order_id
            task = TaskRequest(
                new_task_id(),
                opened.team,
                WORKFLOW,
                f"{subject} is {result.state} ({definition.id})",
                definition.id,
                lines,
                now,
                WorkflowStep(
                    at.get("fulfilmentOrderId"),
                    dict(opened.outcomes),
                    opened.state,
                    opened.entry,
                    iso(opened.due) if opened.due else None,
                ),
                escalate_to=opened.escalate_to,
            )
            self.new_tasks.append(task)
            self._task_created(task, actor, now)

    def _refresh_status(self, actor: str, now: str, *, announce: bool = True) -> None:
        new = derive_status(self.lines)
        if new is OrderStatus.OPEN and self.held:
            new = OrderStatus.ON_HOLD
        if new != self.status:
            old, self.status = self.status, new
            if announce:
                self._record("OrderStatusChanged", actor, now, **{"from": old.value, "to": new.value})
        self.updated_at = now


def derive_status(lines: Sequence[OrderLine]) -> OrderStatus:
    """The order's status follows from its lines': the lines still under way decide, once the
    finished ones (delivered, collected, carried out, returned) are set aside."""
    active = [ln.status for ln in lines if ln.status is not LineStatus.CANCELLED]
    if not active:
        return OrderStatus.CANCELLED
    pending = [s for s in active if s not in _DONE]
    if not pending:
        return OrderStatus.COMPLETED
    if all(s is LineStatus.SHIPPED for s in pending):
        return OrderStatus.SHIPPED
    if any(s is LineStatus.SHIPPED for s in pending):
        return OrderStatus.PARTIALLY_SHIPPED
    if any(s is LineStatus.READY_FOR_PICKUP for s in pending):
        return OrderStatus.READY_FOR_PICKUP
    if any(s in _IN_FULFILMENT for s in pending):
        return OrderStatus.IN_FULFILMENT
    if all(s is LineStatus.BACKORDERED for s in pending):
        return OrderStatus.BACKORDERED
    return OrderStatus.OPEN
