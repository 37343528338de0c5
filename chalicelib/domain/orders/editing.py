"""Editing an order before its goods ship: its delivery, lines added, removed or changed in quantity.

An edit changes only what it names. Units whose delivery changes are taken off their fulfilment
orders (stock given back) and left unsourced, as added units are: the service sources what is
unsourced, like intake (`sourcing.edit`). Removed units and quantities lowered are a cancellation
(stock given back, refunded when paid). Added units are priced like intake lines (their own
discounts only: the order's were spread when it was taken in) and what they add to the total is
owed: `amount_due`, for the payment side to collect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.domain.delivery import Delivery
from chalicelib.domain.errors import Conflict, Invalid, error_at
from chalicelib.domain.money import Money
from chalicelib.domain.orders.cancellation import Cancellation
from chalicelib.domain.orders.holds import ORDER_HOLD
from chalicelib.domain.orders.intake import priced_lines
from chalicelib.domain.orders.ledger import intake_errors
from chalicelib.domain.orders.lines import LineCancellation, LineStatus, NewLine, OrderLine, effective_delivery
from chalicelib.domain.returns.refund import CANCELLATION_RULES, RefundStep, StepKind
from chalicelib.domain.workflows import BEFORE_SHIPPING


@dataclass(frozen=True, slots=True)
class LineChange:
    line_id: str
    quantity: int  # the line's new quantity, cancelled units not counted


@dataclass(frozen=True, slots=True)
class OrderEdit:
    delivery: Delivery | None = None
    add_lines: tuple[NewLine, ...] = ()
    remove_lines: tuple[str, ...] = ()
    change_lines: tuple[LineChange, ...] = ()


@dataclass(frozen=True, slots=True)
class EditOutcome:
    """What an edit did besides sourcing: the units it left to be sourced again, and its money."""

    resource: dict[str, int]  # lineId -> units taken off their locations for the new delivery
    price_difference: Money  # what the customer pays more (negative: gets back) for the order as edited
    amount_due: Money  # of it, what the added units add (the removed ones are refunded as cancellations)


class Editing(Cancellation):
    """The part of `Order` that edits it."""

    __slots__ = ()

    def unshipped_quantity(self, line: OrderLine) -> int:
        """Units of `line` not on their way yet: unsourced, backordered, held, or at a location still
        working on them."""
        gone = sum(
            a.quantity
            for a in line.allocations
            if self.fulfilment_order(a.fulfilment_order_id).category not in BEFORE_SHIPPING
        )
        return line.open_quantity - gone

    def edit(self, edit: OrderEdit, *, actor: str, now: str) -> EditOutcome:
        """Apply `edit`, all or nothing: a Conflict naming every line that has gone too far for it."""
        currency = self.payment.amount.currency
        cancel = self._edit_cancellations(edit)
        moving = self._moving(edit)
        self._check_edit(edit, cancel, moving)
        before = self.total.amount
        refunded = Decimal("0.00")
        if cancel:
            step = RefundStep(StepKind.CANCELLATION, tuple(cancel.items()))
            refunded = self.quote_refund(step, CANCELLATION_RULES).goods
            self.cancel_lines(
                [LineCancellation(k, v) for k, v in cancel.items()],
                reason="order edited",
                actor=actor,
                now=now,
            )
        for change in edit.change_lines:
            line = self.line(change.line_id)
            if change.quantity > line.open_quantity:  # the new units are sourced like an added line's
                line.quantity += change.quantity - line.open_quantity
                line.status = LineStatus.OPEN
        already = len(self.stock_changes)
        resource: dict[str, int] = {}
        if edit.delivery is not None:
            self.delivery = edit.delivery
            for line in moving:
                resource[line.line_id] = self.unshipped_quantity(line)
                self._unallocate(line, resource[line.line_id], now)
                line.delivery, line.status = edit.delivery, LineStatus.OPEN
        self._add_lines(edit.add_lines)
        if self.held:  # its own workflow holds it: what the edit leaves unsourced waits with the rest
            for line in self.lines:
                if line.unsourced_quantity:
                    line.held_quantity, line.hold_task_id = line.held_quantity + line.unsourced_quantity, ORDER_HOLD
        added = self.total.amount - before
        self.amount_due += added
        outcome = EditOutcome(resource, Money(added - refunded, currency), Money(added, currency))
        self._record(
            "OrderEdited",
            actor,
            now,
            channel=self.channel,
            **({"delivery": edit.delivery.as_dict()} if edit.delivery is not None else {}),
            addedLines=[{"lineId": ln.line_id, "sku": ln.sku, "quantity": ln.quantity} for ln in edit.add_lines],
            removedLines=[{"lineId": k, "quantity": v} for k, v in cancel.items()],
            changedLines=[{"lineId": c.line_id, "quantity": c.quantity} for c in edit.change_lines],
            resourced=[{"lineId": k, "quantity": v} for k, v in resource.items()],
            priceDifference=outcome.price_difference.as_dict(),
            amountDue=Money(self.amount_due, currency).as_dict(),
            stock=[
                {"sku": c.sku, "locationId": c.location_id, "quantity": c.quantity}
                for c in self.stock_changes[already:]
            ],
        )
        self._refresh_status(actor, now)
        return outcome

    def _moving(self, edit: OrderEdit) -> list[OrderLine]:
        """The lines a new delivery moves: those taking the order's (not one of their own) with units
        not on their way yet. Removed lines stay where they are."""
        if edit.delivery is None:
            return []
        removed = set(edit.remove_lines)
        return [
            ln
            for ln in self.lines
            if ln.delivery == self.delivery and ln.line_id not in removed and self.unshipped_quantity(ln)
        ]

    def _edit_cancellations(self, edit: OrderEdit) -> dict[str, int]:
        """Units the edit cancels: every open unit of a removed line, and what a change lowers."""
        cancel = {line_id: self.line(line_id).open_quantity for line_id in edit.remove_lines}
        for change in edit.change_lines:
            line = self.line(change.line_id)
            if change.quantity < line.open_quantity:
                cancel[change.line_id] = line.open_quantity - change.quantity
        return {k: v for k, v in cancel.items() if v}

    def _check_edit(self, edit: OrderEdit, cancel: dict[str, int], moving: Sequence[OrderLine]) -> None:
        """Refuse the edit before anything changes: Invalid for a malformed one, Conflict when a line
        it touches has shipped (every such line named)."""
        errors: list[dict[str, Any]] = []
        if edit == OrderEdit():
            errors.append({"loc": ["body"], "msg": "name a delivery, addLines, removeLines or changeLines"})
        named = [*edit.remove_lines, *(c.line_id for c in edit.change_lines)]
        errors += [
            error_at(["lineId"], f"line {x} is named more than once") for x in sorted(set(named)) if named.count(x) > 1
        ]
        known = [ln.line_id for ln in self.lines]
        currency = self.payment.amount.currency
        for i, new in enumerate(edit.add_lines):
            if [*known, *(n.line_id for n in edit.add_lines)].count(new.line_id) > 1:
                errors.append(error_at(["addLines", i, "lineId"], f"line {new.line_id} exists already"))
            if new.unit_price.currency != currency:
                errors.append(error_at(["addLines", i, "unitPrice", "currency"], f"the order's is {currency}"))
            if new.delivery is None and edit.delivery is None and self.delivery is None and self.store_id is None:
                errors.append(error_at(["addLines", i, "delivery"], "no delivery for this line, nor for the order"))
        if edit.delivery is not None and self.delivery is None:
            errors.append(error_at(["delivery"], "the order has no delivery of its own: edit its lines instead"))
        if not errors:
            priced = [(ln.unit_price.amount * ln.quantity, ln.discounts) for ln in edit.add_lines]
            errors = [{**e, "loc": ["addLines", *e["loc"][1:]]} for e in intake_errors(priced, (), None, currency)]
        if errors:
            raise Invalid("the edit is not valid", errors=errors)
        grow = [self.line(c.line_id) for c in edit.change_lines if c.quantity > self.line(c.line_id).open_quantity]
        refunded = sorted(ln.line_id for ln in grow if ln.refunded_quantity)
        if refunded:
            raise Conflict("a line with refunded units cannot grow: add a line instead", lines=refunded)
        shipped = {k for k, v in cancel.items() if v > self.unshipped_quantity(self.line(k))}
        shipped |= {ln.line_id for ln in grow if self.unshipped_quantity(ln) < ln.open_quantity}
        if edit.delivery is not None and not moving:
            shipped |= {ln.line_id for ln in self.lines if ln.delivery == self.delivery and ln.open_quantity}
        if shipped:
            lines = sorted(shipped)
            raise Conflict(
                f"line(s) {', '.join(lines)} have shipped: the edit would change what is on its way", lines=lines
            )

    def _add_lines(self, new: Sequence[NewLine]) -> None:
        """New lines, priced as at intake with their own discounts only (the order's were spread then)."""
        for line, price in zip(new, priced_lines(new, ()), strict=True):
            self.lines.append(
                OrderLine(
                    line_id=line.line_id,
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    delivery=effective_delivery(line, self.delivery, self.store_id),
                    ship_from=line.ship_from,
                    discounts=line.discounts,
                    order_discount=price.order_discount,
                    tax_rate=line.tax_rate,
                )
            )
