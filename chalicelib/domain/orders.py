"""The order aggregate: what was sold, to whom, how it is delivered, and what happened to it.

An order records the events its changes cause; the unit of work stores them with the order in
one transaction, and the outbox relay publishes them.

Each line's open quantity is allocated (fulfilment orders serve it), backordered, or held: no
location could serve it under a rule that hands it to a team (`onNoMatch: hold`). Held units wait
for that team's task (`TaskRequest`, written with the order) to say: source them again, backorder
them, or cancel them. A line with held units and nothing allocated stays `open` (a decision is
pending), and so does the order while nothing else of it is under way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import Conflict, Invalid
from chalicelib.domain.money import Money

if TYPE_CHECKING:
    from chalicelib.domain.fulfilment import FulfilmentEvent
    from chalicelib.domain.sourcing import Plan

SOURCING_HOLD = "sourcing-hold"  # the kind of task a held line opens


class OrderStatus(StrEnum):
    OPEN = "open"
    BACKORDERED = "backordered"
    IN_FULFILMENT = "in_fulfilment"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class LineStatus(StrEnum):
    OPEN = "open"
    ALLOCATED = "allocated"
    BACKORDERED = "backordered"
    PICKED = "picked"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    DELIVERED = "delivered"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    RETURNED = "returned"


# Lines in these states have not left the building: they may still be cancelled.
CANCELLABLE = frozenset({LineStatus.OPEN, LineStatus.ALLOCATED, LineStatus.BACKORDERED, LineStatus.PICKED})
# Lines whose status sourcing decides (more sourcing may change it; later states are fulfilment's).
_SOURCING = frozenset({LineStatus.OPEN, LineStatus.ALLOCATED, LineStatus.BACKORDERED})
_DONE = frozenset({LineStatus.DELIVERED, LineStatus.COLLECTED, LineStatus.RETURNED})
_IN_FULFILMENT = frozenset({LineStatus.ALLOCATED, LineStatus.PICKED})


class DeliveryMethod(StrEnum):
    HOME_DELIVERY = "home_delivery"
    CLICK_AND_COLLECT = "click_and_collect"
    PICKUP_POINT = "pickup_point"
    CARRY_OUT = "carry_out"


@dataclass(frozen=True, slots=True)
class Delivery:
    method: DeliveryMethod
    address: dict[str, Any] | None = None
    location_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method.value}
        if self.address is not None:
            out["address"] = self.address
        if self.location_id is not None:
            out["locationId"] = self.location_id
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Delivery:
        return cls(DeliveryMethod(raw["method"]), raw.get("address"), raw.get("locationId"))


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


@dataclass(frozen=True, slots=True)
class NewLine:
    line_id: str
    sku: str
    quantity: int
    unit_price: Money
    delivery: Delivery | None = None
    ship_from: str | None = None


@dataclass(slots=True)
class OrderLine:
    line_id: str
    sku: str
    quantity: int
    unit_price: Money
    delivery: Delivery
    ship_from: str | None = None
    status: LineStatus = LineStatus.OPEN
    cancelled_quantity: int = 0
    backordered_quantity: int = 0
    allocations: list[LineAllocation] = field(default_factory=list)
    held_quantity: int = 0  # waiting for the decision of task `hold_task_id`
    hold_task_id: str | None = None

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.cancelled_quantity

    @property
    def allocated_quantity(self) -> int:
        return sum(a.quantity for a in self.allocations)


@dataclass(slots=True)
class LineAllocation:
    """Part of a line that a fulfilment order serves."""

    fulfilment_order_id: str
    location_id: str
    quantity: int


class FulfilmentStatus(StrEnum):
    RELEASED = "released"  # waiting for the location to accept it
    ACCEPTED = "accepted"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    COLLECTED = "collected"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


# Until it ships, a fulfilment order's lines may still be cancelled and its stock released.
_BEFORE_SHIPPING = frozenset(
    {FulfilmentStatus.RELEASED, FulfilmentStatus.ACCEPTED, FulfilmentStatus.PICKED, FulfilmentStatus.PACKED}
)


@dataclass(slots=True)
class FulfilmentLine:
    line_id: str
    sku: str
    quantity: int


@dataclass(slots=True)
class FulfilmentOrder:
    """The work of one location for one destination: pick these lines and send them there."""

    fulfilment_order_id: str
    location_id: str
    method: DeliveryMethod
    destination: dict[str, Any]
    status: FulfilmentStatus
    lines: list[FulfilmentLine]
    created_at: str
    updated_at: str
    rule: str = ""
    version: int = 1
    tracking: dict[str, str] | None = None  # the carrier's, once shipped
    changed: bool = False  # to be written with the order's next save

    def line(self, line_id: str) -> FulfilmentLine | None:
        return next((ln for ln in self.lines if ln.line_id == line_id), None)


@dataclass(frozen=True, slots=True)
class StockChange:
    """What a change does to stock, written in the same transaction as the order."""

    # "reserve" | "release" | "take" (carried out at the till) | "dispatch" (reserved goods leave:
    # reserved and onHand both down)
    kind: str
    sku: str
    location_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class TaskLine:
    line_id: str
    sku: str
    quantity: int

    def as_dict(self) -> dict[str, Any]:
        return {"lineId": self.line_id, "sku": self.sku, "quantity": self.quantity}


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """A task this change opens for a team, written in the same transaction as the order."""

    task_id: str
    team: str
    kind: str
    reason: str
    rule: str
    lines: tuple[TaskLine, ...]
    created_at: str


@dataclass(slots=True)
class Refund:
    refund_id: str
    amount: Money
    status: str  # "requested" | "succeeded" | "failed"
    reason: str


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to an order, past tense. Becomes history and a published event."""

    type: str
    actor: str
    at: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LineCancellation:
    line_id: str
    quantity: int


@dataclass(slots=True)
class Order:
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
    # The version as stored; a change bumps `version` once, and is saved only if the stored one
    # is still `stored_version` (optimistic concurrency). A new order starts at 0 -> 1.
    version: int = 0
    stored_version: int = 0
    refunds: list[Refund] = field(default_factory=list)
    fulfilment_orders: list[FulfilmentOrder] = field(default_factory=list)
    # Recorded by this change, not yet stored: events, stock movements, locations given new work.
    new_events: list[Event] = field(default_factory=list)
    stock_changes: list[StockChange] = field(default_factory=list)
    new_work_at: list[str] = field(default_factory=list)
    new_tasks: list[TaskRequest] = field(default_factory=list)

    @classmethod
    def place(
        cls,
        *,
        order_id: str,
        channel: str,
        external_id: str,
        customer: Customer,
        placed_at: str,
        payment: Payment,
        lines: Sequence[NewLine],
        actor: str,
        now: str,
        store_id: str | None = None,
        delivery: Delivery | None = None,
    ) -> Order:
        _check_new_lines(lines, payment, store_id=store_id, delivery=delivery)
        order = cls(
            order_id=order_id,
            channel=channel,
            external_id=external_id,
            customer=customer,
            placed_at=placed_at,
            payment=payment,
            store_id=store_id,
            delivery=delivery,
            lines=[
                OrderLine(
                    line_id=line.line_id,
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    delivery=_effective_delivery(line, delivery, store_id),
                    ship_from=line.ship_from,
                )
                for line in lines
            ],
            created_at=now,
            updated_at=now,
        )
        order._record(
            "OrderCreated",
            actor,
            now,
            channel=channel,
            externalId=external_id,
            customerId=customer.customer_id,
            storeId=store_id,
            total=order.total.as_dict(),
            lines=[{"lineId": ln.line_id, "sku": ln.sku, "quantity": ln.quantity} for ln in order.lines],
        )
        return order

    @property
    def total(self) -> Money:
        total = Money.zero(self.payment.amount.currency)
        for line in self.lines:
            total = total + line.unit_price.times(line.quantity)
        return total

    def line(self, line_id: str) -> OrderLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise Invalid(f"order {self.order_id} has no line {line_id!r}", errors=[_err(["lineId"], line_id)])

    def fulfilment_order(self, fulfilment_order_id: str) -> FulfilmentOrder:
        for fo in self.fulfilment_orders:
            if fo.fulfilment_order_id == fulfilment_order_id:
                return fo
        raise Invalid(f"order {self.order_id} has no fulfilment order {fulfilment_order_id!r}")

    def apply_plan(
        self,
        plan: Plan,
        *,
        new_fulfilment_order_id: Callable[[], str],
        actor: str,
        now: str,
        new_task_id: Callable[[], str] | None = None,
    ) -> None:
        """Turn a sourcing plan into fulfilment orders, reservations, holds (one task per team) and
        line statuses. Also for units sourced again later: only what the plan names changes."""
        first_new = len(self.fulfilment_orders)
        already = len(self.stock_changes)
        for shipment in plan.shipments:
            carry_out = shipment.method is DeliveryMethod.CARRY_OUT
            first = self.line(shipment.allocations[0].line_id)
            fo = FulfilmentOrder(
                fulfilment_order_id=new_fulfilment_order_id(),
                location_id=shipment.source,
                method=shipment.method,
                destination=(
                    {"address": first.delivery.address}
                    if shipment.method is DeliveryMethod.HOME_DELIVERY
                    else {"locationId": first.delivery.location_id}
                ),
                status=FulfilmentStatus.COLLECTED if carry_out else FulfilmentStatus.RELEASED,
                lines=[FulfilmentLine(a.line_id, a.sku, a.quantity) for a in shipment.allocations],
                created_at=now,
                updated_at=now,
                rule=shipment.rule,
                changed=True,
            )
            self.fulfilment_orders.append(fo)
            if not carry_out:
                self.new_work_at.append(fo.location_id)
            for a in shipment.allocations:
                self.line(a.line_id).allocations.append(
                    LineAllocation(fo.fulfilment_order_id, fo.location_id, a.quantity)
                )
                self.stock_changes.append(
                    StockChange("take" if carry_out else "reserve", a.sku, fo.location_id, a.quantity)
                )
        for b in plan.backorders:
            self.line(b.line_id).backordered_quantity += b.quantity
        tasks = self._hold(plan, new_task_id, now)
        touched = (
            {a.line_id for s in plan.shipments for a in s.allocations}
            | {b.line_id for b in plan.backorders}
            | {h.line_id for h in plan.holds}
        )
        for line in self.lines:
            if line.line_id in touched and line.status in _SOURCING:
                line.status = _status_after_sourcing(line)
        new_fos = self.fulfilment_orders[first_new:]
        self._record(
            "OrderSourced",
            actor,
            now,
            fulfilmentOrders=[
                {
                    "fulfilmentOrderId": fo.fulfilment_order_id,
                    "locationId": fo.location_id,
                    "method": fo.method.value,
                    "lines": [{"lineId": ln.line_id, "sku": ln.sku, "quantity": ln.quantity} for ln in fo.lines],
                }
                for fo in new_fos
            ],
            backorders=[
                {"lineId": b.line_id, "sku": b.sku, "quantity": b.quantity, "reason": b.reason} for b in plan.backorders
            ],
            stock=[
                {"sku": c.sku, "locationId": c.location_id, "quantity": c.quantity}
                for c in self.stock_changes[already:]
            ],
        )
        for task in tasks:
            self._record(
                "TaskCreated",
                actor,
                now,
                taskId=task.task_id,
                team=task.team,
                kind=task.kind,
                lines=[ln.as_dict() for ln in task.lines],
                reason=task.reason,
            )
        for fo in new_fos:
            if fo.status is FulfilmentStatus.RELEASED:
                self._record(
                    "FulfilmentOrderDispatched",
                    actor,
                    now,
                    fulfilmentOrderId=fo.fulfilment_order_id,
                    locationId=fo.location_id,
                    method=fo.method.value,
                    destination=fo.destination,
                    lines=[{"lineId": ln.line_id, "sku": ln.sku, "quantity": ln.quantity} for ln in fo.lines],
                )
        # Sourced as it is taken in: OrderSourced says it all, no separate status change.
        self._refresh_status(actor, now, announce=self.stored_version > 0)

    def _hold(self, plan: Plan, new_task_id: Callable[[], str] | None, now: str) -> list[TaskRequest]:
        """The plan's held units, on their lines and in one task per team."""
        by_team: dict[str, list[TaskLine]] = {}
        first: dict[str, tuple[str, str]] = {}  # team -> (reason, rule) of its first hold
        for h in plan.holds:
            by_team.setdefault(h.team, []).append(TaskLine(h.line_id, h.sku, h.quantity))
            first.setdefault(h.team, (h.reason, h.rule))
        if by_team and new_task_id is None:
            raise ValueError("a plan that holds units needs new_task_id")
        made: list[TaskRequest] = []
        for team, held in by_team.items():
            assert new_task_id is not None
            reason, rule = first[team]
            task = TaskRequest(new_task_id(), team, SOURCING_HOLD, reason, rule, tuple(held), now)
            for ln in held:
                line = self.line(ln.line_id)
                if line.held_quantity and line.hold_task_id != task.task_id:
                    raise Conflict(f"line {line.line_id} is held already (task {line.hold_task_id})")
                line.held_quantity += ln.quantity
                line.hold_task_id = task.task_id
            self.new_tasks.append(task)
            made.append(task)
        return made

    # ---- a team's decision about held units ----------------------------------------------------

    def held_for(self, task_id: str) -> list[TaskLine]:
        """What is still held for task `task_id` (cancellations may have taken some or all of it)."""
        return [
            TaskLine(ln.line_id, ln.sku, ln.held_quantity)
            for ln in self.lines
            if ln.hold_task_id == task_id and ln.held_quantity > 0
        ]

    def _release_hold(self, task_id: str) -> list[TaskLine]:
        held = self.held_for(task_id)
        for ln in held:
            line = self.line(ln.line_id)
            line.held_quantity, line.hold_task_id = 0, None
        return held

    def resource_hold(
        self, task_id: str, plan: Plan, *, new_fulfilment_order_id: Callable[[], str], actor: str, now: str
    ) -> None:
        """The team chose to source the held units again: `plan` (made with holding off) serves or
        backorders exactly them."""
        held = self.held_for(task_id)
        if plan.holds or any(plan.allocated(h.line_id) + plan.backordered(h.line_id) != h.quantity for h in held):
            raise ValueError("the plan must allocate or backorder exactly the held units, and hold none")
        planned = {a.line_id for s in plan.shipments for a in s.allocations} | {b.line_id for b in plan.backorders}
        if not planned <= {h.line_id for h in held}:
            raise ValueError("the plan names lines that are not held for this task")
        self._release_hold(task_id)
        if held:
            self.apply_plan(plan, new_fulfilment_order_id=new_fulfilment_order_id, actor=actor, now=now)

    def backorder_hold(self, task_id: str, *, actor: str, now: str) -> None:
        """The team chose to backorder the held units."""
        from chalicelib.domain.sourcing import Backorder, Plan

        held = self._release_hold(task_id)
        if held:
            reason = f"backordered by the decision of task {task_id}"
            plan = Plan((), tuple(Backorder(h.line_id, h.sku, h.quantity, reason) for h in held))
            self.apply_plan(plan, new_fulfilment_order_id=_no_fulfilment_order, actor=actor, now=now)

    def cancel_hold(self, task_id: str, *, reason: str, actor: str, now: str, new_refund_id: Callable[[], str]) -> None:
        """The team chose to cancel the held units: as a cancellation of them (a refund when paid)."""
        held = self.held_for(task_id)
        if held:
            self.cancel_lines(
                [LineCancellation(h.line_id, h.quantity) for h in held],
                reason=reason,
                actor=actor,
                now=now,
                new_refund_id=new_refund_id,
            )

    def cancel_lines(
        self,
        cancellations: Iterable[LineCancellation],
        *,
        reason: str,
        actor: str,
        now: str,
        new_refund_id: Callable[[], str],
    ) -> None:
        """Cancel quantities of lines that have not shipped; all or nothing."""
        wanted: dict[str, int] = {}
        for c in cancellations:
            wanted[c.line_id] = wanted.get(c.line_id, 0) + c.quantity
        if not wanted:
            raise Invalid("nothing to cancel", errors=[{"loc": ["lines"], "msg": "at least one line"}])
        for line_id, quantity in wanted.items():
            line = self.line(line_id)
            # Held units never left the building, whatever became of the rest of the line.
            if line.status not in CANCELLABLE and quantity > line.held_quantity:
                raise Conflict(
                    f"line {line_id} is {line.status.value} and can no longer be cancelled",
                    lineId=line_id,
                    lineStatus=line.status.value,
                )
            if quantity > line.open_quantity:
                raise Invalid(
                    f"line {line_id} has {line.open_quantity} left to cancel, not {quantity}",
                    errors=[_err(["lines", line_id, "quantity"], f"at most {line.open_quantity}")],
                )
        refund = Money.zero(self.payment.amount.currency)
        already = len(self.stock_changes)
        for line_id, quantity in wanted.items():
            line = self.line(line_id)
            self._unallocate(line, quantity, now)
            line.cancelled_quantity += quantity
            if line.open_quantity == 0:
                line.status = LineStatus.CANCELLED
            elif line.status in _SOURCING:
                line.status = _status_after_sourcing(line)
            refund = refund + line.unit_price.times(quantity)
        self._record(
            "OrderLinesCancelled",
            actor,
            now,
            reason=reason,
            lines=[{"lineId": k, "quantity": v} for k, v in wanted.items()],
            stock=[
                {"sku": c.sku, "locationId": c.location_id, "quantity": c.quantity}
                for c in self.stock_changes[already:]
            ],
        )
        if self.payment.status == "paid" and refund.amount > 0:
            r = Refund(new_refund_id(), refund, "requested", f"cancellation: {reason}")
            self.refunds.append(r)
            self._record("RefundRequested", actor, now, refundId=r.refund_id, amount=refund.as_dict(), reason=r.reason)
        self._refresh_status(actor, now)

    def _unallocate(self, line: OrderLine, quantity: int, now: str) -> None:
        """Take `quantity` off a line: units not yet sourced first, then held ones (the hold shrinks;
        its task stays as it is), then backordered ones, then the newest allocations, whose stock
        goes back and whose fulfilment orders shrink (or are cancelled when emptied)."""
        unsourced = line.open_quantity - line.allocated_quantity - line.backordered_quantity - line.held_quantity
        left = quantity - min(quantity, unsourced)
        from_hold = min(left, line.held_quantity)
        line.held_quantity -= from_hold
        if line.held_quantity == 0:
            line.hold_task_id = None
        left -= from_hold
        from_backorder = min(left, line.backordered_quantity)
        line.backordered_quantity -= from_backorder
        left -= from_backorder
        for allocation in reversed(list(line.allocations)):
            if left == 0:
                break
            fo = self.fulfilment_order(allocation.fulfilment_order_id)
            if fo.status not in _BEFORE_SHIPPING:
                continue
            take = min(left, allocation.quantity)
            allocation.quantity -= take
            left -= take
            fo_line = fo.line(line.line_id)
            assert fo_line is not None
            fo_line.quantity -= take
            fo.lines = [ln for ln in fo.lines if ln.quantity > 0]
            if not fo.lines:
                fo.status = FulfilmentStatus.CANCELLED
            fo.version += 1
            fo.updated_at = now
            fo.changed = True
            self.stock_changes.append(StockChange("release", line.sku, fo.location_id, take))
        line.allocations = [a for a in line.allocations if a.quantity > 0]
        if left:
            raise Conflict(f"line {line.line_id} has only shipped units left to cancel", lineId=line.line_id)

    # ---- fulfilment: what the locations report ----------------------------------------------

    def report_fulfilment(
        self,
        fulfilment_order_id: str,
        event: FulfilmentEvent,
        *,
        actor: str,
        now: str,
        tracking: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> FulfilmentOrder:
        """A location reports progress on one of its fulfilment orders (not `reject`: see
        `reject_fulfilment`). The lines it serves follow; when the goods leave the source, its
        reservation becomes a take (`dispatch`)."""
        from chalicelib.domain import fulfilment as wf

        if event is wf.FulfilmentEvent.REJECT:
            raise ValueError("a rejection re-sources the lines: use reject_fulfilment")
        fo = self.fulfilment_order(fulfilment_order_id)
        flow, before = wf.flow_of(fo.method, fo.location_id, fo.destination), fo.status
        to = self.fulfilment_transition(fo, event)
        already = len(self.stock_changes)
        if wf.leaves_source(flow, before, event):
            for ln in fo.lines:
                self.stock_changes.append(StockChange("dispatch", ln.sku, fo.location_id, ln.quantity))
        self._move(fo, to, now)
        if tracking is not None:
            fo.tracking = dict(tracking)
        self._fulfilment_updated(fo, before, actor, now, already, tracking=fo.tracking, reason=reason)
        self._refresh_lines({ln.line_id for ln in fo.lines})
        self._refresh_status(actor, now)
        return fo

    def reject_fulfilment(
        self, fulfilment_order_id: str, *, reason: str | None, actor: str, now: str
    ) -> dict[str, int]:
        """The location will not do this work: its reservations go back and its lines lose the
        allocation. Returns the units per line to source again elsewhere (`resource_rejected`)."""
        from chalicelib.domain.fulfilment import FulfilmentEvent

        fo = self.fulfilment_order(fulfilment_order_id)
        before = fo.status
        to = self.fulfilment_transition(fo, FulfilmentEvent.REJECT)
        already = len(self.stock_changes)
        freed: dict[str, int] = {}
        for ln in fo.lines:
            self.stock_changes.append(StockChange("release", ln.sku, fo.location_id, ln.quantity))
            freed[ln.line_id] = freed.get(ln.line_id, 0) + ln.quantity
            line = self.line(ln.line_id)
            line.allocations = [a for a in line.allocations if a.fulfilment_order_id != fulfilment_order_id]
        self._move(fo, to, now)
        self._fulfilment_updated(fo, before, actor, now, already, reason=reason)
        return freed

    def resource_rejected(
        self,
        freed: dict[str, int],
        plan: Plan,
        *,
        new_fulfilment_order_id: Callable[[], str],
        new_task_id: Callable[[], str] | None = None,
        actor: str,
        now: str,
    ) -> None:
        """Serve (or backorder) elsewhere exactly the units a rejection freed."""
        if any(plan.allocated(k) + plan.backordered(k) + plan.held(k) != v for k, v in freed.items()):
            raise ValueError("the plan must source exactly the units the rejection freed")
        self.apply_plan(
            plan, new_fulfilment_order_id=new_fulfilment_order_id, new_task_id=new_task_id, actor=actor, now=now
        )
        self._refresh_lines(set(freed))
        self._refresh_status(actor, now)

    def fulfilment_transition(self, fo: FulfilmentOrder, event: FulfilmentEvent) -> FulfilmentStatus:
        """Where `event` takes `fo` under the default workflow; a 409 naming the allowed events if nowhere."""
        from chalicelib.domain import fulfilment as wf

        flow = wf.flow_of(fo.method, fo.location_id, fo.destination)
        to = wf.next_status(flow, fo.status, event) if fo.status in wf.LINE_STATUS else None
        if to is None:
            allowed = [e.value for e in wf.allowed(flow, fo.status)]
            raise Conflict(
                f"fulfilment order {fo.fulfilment_order_id} is {fo.status.value}: {event.value} is not allowed"
                f" (allowed: {', '.join(allowed) or 'none'})",
                fulfilmentOrderId=fo.fulfilment_order_id,
                currentStatus=fo.status.value,
                allowedEvents=allowed,
            )
        return to

    @staticmethod
    def _move(fo: FulfilmentOrder, to: FulfilmentStatus, now: str) -> None:
        fo.status = to
        fo.version += 1
        fo.updated_at = now
        fo.changed = True

    def _fulfilment_updated(
        self,
        fo: FulfilmentOrder,
        before: FulfilmentStatus,
        actor: str,
        now: str,
        stock_from: int,
        *,
        tracking: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        extra: dict[str, Any] = {}
        if tracking is not None:
            extra["tracking"] = tracking
        if reason is not None:
            extra["reason"] = reason
        self._record(
            "FulfilmentOrderUpdated",
            actor,
            now,
            fulfilmentOrderId=fo.fulfilment_order_id,
            locationId=fo.location_id,
            **{"from": before.value, "to": fo.status.value},
            stock=[
                {"sku": c.sku, "locationId": c.location_id, "quantity": c.quantity}
                for c in self.stock_changes[stock_from:]
            ],
            **extra,
        )

    def _refresh_lines(self, line_ids: set[str]) -> None:
        """Each line shows the least advanced state of its units: what is not allocated decides
        while there is any (sourcing's status), else the least advanced fulfilment order serving it."""
        from chalicelib.domain.fulfilment import LINE_STATUS, PROGRESS

        for line in self.lines:
            if line.line_id not in line_ids or line.status in (LineStatus.CANCELLED, LineStatus.RETURNED):
                continue
            if line.open_quantity > line.allocated_quantity:
                if line.status in _SOURCING or line.allocated_quantity == 0:
                    line.status = _status_after_sourcing(line)
                else:
                    line.status = LineStatus.ALLOCATED
                continue
            states = [
                LINE_STATUS[fo.status]
                for a in line.allocations
                if (fo := self.fulfilment_order(a.fulfilment_order_id)).status in LINE_STATUS
            ]
            if states:
                line.status = min(states, key=PROGRESS.__getitem__)

    def _refresh_status(self, actor: str, now: str, *, announce: bool = True) -> None:
        new = derive_status(self.lines)
        if new != self.status:
            old, self.status = self.status, new
            if announce:
                self._record("OrderStatusChanged", actor, now, **{"from": old.value, "to": new.value})
        self.updated_at = now

    def _record(self, type_: str, actor: str, at: str, **detail: Any) -> None:
        if self.version == self.stored_version:
            self.version += 1
        self.new_events.append(Event(type_, actor, at, detail))


def _no_fulfilment_order() -> str:
    raise AssertionError("a plan of backorders makes no fulfilment orders")


def _status_after_sourcing(line: OrderLine) -> LineStatus:
    if line.allocated_quantity > 0:
        # Carried out at the till: in the customer's hands already.
        return LineStatus.COLLECTED if line.delivery.method is DeliveryMethod.CARRY_OUT else LineStatus.ALLOCATED
    if line.held_quantity > 0:
        return LineStatus.OPEN  # a team decides about it: not backordered (yet), not under way
    if line.backordered_quantity > 0:
        return LineStatus.BACKORDERED
    return line.status


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


def _effective_delivery(line: NewLine, order_delivery: Delivery | None, store_id: str | None) -> Delivery:
    chosen = line.delivery or order_delivery
    if chosen is not None:
        return chosen
    # Sold at the till with no delivery named: the customer takes it along.
    assert store_id is not None  # _check_new_lines guarantees it
    return Delivery(DeliveryMethod.CARRY_OUT, location_id=store_id)


def _check_new_lines(
    lines: Sequence[NewLine], payment: Payment, *, store_id: str | None, delivery: Delivery | None
) -> None:
    errors: list[dict[str, Any]] = []
    if not lines:
        errors.append({"loc": ["lines"], "msg": "an order needs at least one line"})
    seen: set[str] = set()
    currency = payment.amount.currency
    for i, line in enumerate(lines):
        if line.line_id in seen:
            errors.append(_err(["lines", i, "lineId"], f"duplicate lineId {line.line_id!r}"))
        seen.add(line.line_id)
        if line.quantity <= 0:
            errors.append(_err(["lines", i, "quantity"], "must be a positive whole number"))
        if line.unit_price.amount < 0:
            errors.append(_err(["lines", i, "unitPrice", "amount"], "must not be negative"))
        if line.unit_price.currency != currency:
            errors.append(
                _err(
                    ["lines", i, "unitPrice", "currency"],
                    f"{line.unit_price.currency} differs from the payment's {currency}: one currency per order",
                )
            )
        if line.delivery is None and delivery is None and store_id is None:
            errors.append(_err(["lines", i, "delivery"], "no delivery for this line, nor for the order"))
    if payment.amount.amount < 0:
        errors.append(_err(["payment", "amount", "amount"], "must not be negative"))
    if not errors:  # one currency, so the lines add up
        total = sum((line.unit_price.times(line.quantity) for line in lines), Money.zero(currency))
        if payment.amount.amount < total.amount:
            errors.append(
                _err(
                    ["payment", "amount", "amount"],
                    f"{payment.amount.amount} {currency} does not cover the order's total of {total.amount} {currency}",
                )
            )
    if errors:
        raise Invalid("the order is not valid", errors=errors)


def _err(loc: list[Any], msg: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg}
