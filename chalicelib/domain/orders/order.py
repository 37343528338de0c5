"""The order aggregate: what was sold, to whom, how it is delivered, and what happened to it.

An order records the events its changes cause; the unit of work stores them with the order in
one transaction, and the outbox relay publishes them.

Each line's open quantity is allocated (fulfilment orders serve it), backordered, or held: no
location could serve it under a rule that hands it to a team (`onNoMatch: hold`). Held units wait
for that team's task (`TaskRequest`, written with the order) to say: source them again, backorder
them, or cancel them. A line with held units and nothing allocated stays `open` (a decision is
pending), and so does the order while nothing else of it is under way.

`Order` is taken in and sourced here; cancelling is in `cancellation`, editing in `editing`, following the fulfilment
orders in `progress`, and what it is (fields, lookups, status) in `state`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from chalicelib.domain.delivery import Delivery, DeliveryMethod
from chalicelib.domain.errors import Conflict
from chalicelib.domain.fulfilment.order import FulfilmentLine, FulfilmentOrder, FulfilmentStatus
from chalicelib.domain.fulfilment.workflow import Pinning, built_in
from chalicelib.domain.orders.editing import Editing
from chalicelib.domain.orders.holds import SOURCING_HOLD, TaskLine, TaskRequest
from chalicelib.domain.orders.intake import check_new_lines, priced_lines
from chalicelib.domain.orders.ledger import Discount, Shipping
from chalicelib.domain.orders.lines import (
    SOURCING,
    LineAllocation,
    LineCancellation,
    NewLine,
    OrderLine,
    effective_delivery,
    status_after_sourcing,
)
from chalicelib.domain.orders.progress import FulfilmentProgress
from chalicelib.domain.orders.returning import Returning
from chalicelib.domain.orders.review import Review
from chalicelib.domain.orders.state import Customer, Payment
from chalicelib.domain.sourcing.plan import Backorder, Plan
from chalicelib.domain.stock import StockChange
from chalicelib.domain.workflows import Category, start


class Order(Editing, Review, FulfilmentProgress, Returning):
    """The aggregate: taken in, sourced, held for teams here; cancelled, fulfilled and returned in its parts."""

    __slots__ = ()  # the fields and their slots are OrderState's

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
        discounts: Sequence[Discount] = (),
        shipping: Shipping | None = None,
    ) -> Order:
        """A new order, its order-level discounts spread over its lines (`ledger.py`)."""
        check_new_lines(lines, payment, store_id=store_id, delivery=delivery, discounts=discounts, shipping=shipping)
        priced = priced_lines(lines, discounts)
        order = cls(
            order_id=order_id,
            channel=channel,
            external_id=external_id,
            customer=customer,
            placed_at=placed_at,
            payment=payment,
            store_id=store_id,
            delivery=delivery,
            discounts=list(discounts),
            shipping=shipping,
            lines=[
                OrderLine(
                    line_id=line.line_id,
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    delivery=effective_delivery(line, delivery, store_id),
                    ship_from=line.ship_from,
                    discounts=line.discounts,
                    order_discount=price.order_discount,
                    tax_rate=line.tax_rate,
                )
                for line, price in zip(lines, priced, strict=True)
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

    def apply_plan(
        self,
        plan: Plan,
        *,
        new_fulfilment_order_id: Callable[[], str],
        actor: str,
        now: str,
        new_task_id: Callable[[], str] | None = None,
        pin: Pinning = built_in,
        freed: Mapping[str, int] | None = None,
    ) -> None:
        """Turn a sourcing plan into fulfilment orders, reservations, holds (one task per team) and
        line statuses. Also for units sourced again later: only what the plan names changes. Each
        new fulfilment order follows the workflow `pin` gives it, for good.

        `freed`: the units per line a fulfilment order gave back (`report_fulfilment`'s), which the
        plan serves, backorders or holds exactly; their lines follow what became of them."""
        if freed is not None and any(
            plan.allocated(k) + plan.backordered(k) + plan.held(k) != v for k, v in freed.items()
        ):
            raise ValueError("the plan must source exactly the units the rejection freed")
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
                status="",
                lines=[FulfilmentLine(a.line_id, a.sku, a.quantity) for a in shipment.allocations],
                created_at=now,
                updated_at=now,
                rule=shipment.rule,
                changed=True,
            )
            pinned = pin(fo)
            fo.workflow, fo.workflow_version = pinned.definition.id, pinned.version
            if carry_out:  # handed over at the till as it is sold: its work is done
                fo.status, fo.category = FulfilmentStatus.COLLECTED, Category.DONE
            else:
                begun = start(pinned.definition, datetime.fromisoformat(now))
                fo.status, fo.category, fo.timers = begun.state, begun.category, list(begun.timers)
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
            if line.line_id in touched and line.status in SOURCING:
                line.status = status_after_sourcing(line)
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
            self._task_created(task, actor, now)
        for fo in new_fos:
            if fo.category is not Category.DONE:
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
        if freed is not None:
            self._refresh_lines(set(freed))
            self._refresh_status(actor, now)

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

    def _release_hold(self, task_id: str) -> list[TaskLine]:
        held = self.held_for(task_id)
        for ln in held:
            line = self.line(ln.line_id)
            line.held_quantity, line.hold_task_id = 0, None
        return held

    def resource_hold(
        self,
        task_id: str,
        plan: Plan,
        *,
        new_fulfilment_order_id: Callable[[], str],
        actor: str,
        now: str,
        pin: Pinning = built_in,
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
            self.apply_plan(plan, new_fulfilment_order_id=new_fulfilment_order_id, actor=actor, now=now, pin=pin)

    def backorder_hold(self, task_id: str, *, actor: str, now: str) -> None:
        """The team chose to backorder the held units."""
        held = self._release_hold(task_id)
        if held:
            reason = f"backordered by the decision of task {task_id}"
            plan = Plan((), tuple(Backorder(h.line_id, h.sku, h.quantity, reason) for h in held))
            self.apply_plan(plan, new_fulfilment_order_id=_no_fulfilment_order, actor=actor, now=now)

    def cancel_hold(self, task_id: str, *, reason: str, actor: str, now: str) -> None:
        """The team chose to cancel the held units: as a cancellation of them (a refund when paid)."""
        held = self.held_for(task_id)
        if held:
            self.cancel_lines(
                [LineCancellation(h.line_id, h.quantity) for h in held],
                reason=reason,
                actor=actor,
                now=now,
            )

    def settle_given_back(
        self,
        fulfilment_order_id: str,
        freed: dict[str, int],
        event: str,
        *,
        actor: str,
        now: str,
        stock_from: int,
    ) -> None:
        """Units a fulfilment order gave back with nowhere to go (`report_fulfilment`'s, its stock
        moves from `stock_from` on): cancelled and refunded when its workflow cancelled it (not
        collected in time, say), else backordered, for a team or the next stock."""
        fo = self.fulfilment_order(fulfilment_order_id)
        why = f"given back by fulfilment order {fulfilment_order_id} ({event})"
        if fo.category is Category.CANCELLED:
            self._cancelled(freed, reason=why, actor=actor, now=now, stock_from=stock_from)
            return
        backorders = tuple(Backorder(k, self.line(k).sku, q, why) for k, q in freed.items())
        self.apply_plan(
            Plan((), backorders), new_fulfilment_order_id=_no_fulfilment_order, actor=actor, now=now, freed=freed
        )


def _no_fulfilment_order() -> str:
    raise AssertionError("a plan of backorders makes no fulfilment orders")
