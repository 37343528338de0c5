"""An order's money on its item: discounts, shipping, each line's ledger, refunds' breakdowns.

Items stored before the ledger lack these: no discounts and no shipping, and a paid order's
cancelled units count as refunded (cancelling refunded them, at the unit price).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chalicelib.adapters.dynamo import Item
from chalicelib.domain.money import Money
from chalicelib.domain.orders.ledger import Discount, Shipping, unit_amounts, units_worth
from chalicelib.domain.orders.lines import OrderLine
from chalicelib.domain.orders.refunds import Breakdown, Executor, Refund
from chalicelib.domain.orders.state import OrderState


def order_money_item(order: OrderState) -> Item:
    item: Item = {"discounts": [d.as_dict() for d in order.discounts]}
    if order.shipping is not None:
        s = order.shipping
        item["shipping"] = {"amount": s.amount.as_dict(), "method": s.method, "refunded": _money(order, s.refunded)}
    if order.amount_due:
        item["amountDue"] = _money(order, order.amount_due)
    return item


def order_money(item: Item) -> dict[str, Any]:
    """`Order` keyword arguments from an order item."""
    s = item.get("shipping")
    shipping = Shipping(Money.from_dict(s["amount"]), s.get("method"), Decimal(s["refunded"]["amount"])) if s else None
    return {
        "discounts": [Discount.from_dict(d) for d in item.get("discounts", [])],
        "shipping": shipping,
        "amount_due": Decimal(item["amountDue"]["amount"]) if "amountDue" in item else Decimal("0.00"),
    }


def line_money_item(order: OrderState, line: OrderLine) -> Item:
    own = sum((d.amount.amount for d in line.discounts), Decimal("0.00"))
    return {
        "discounts": [d.as_dict() for d in line.discounts],
        "taxRate": str(line.tax_rate) if line.tax_rate is not None else None,
        "ledger": {
            "ordered": line.quantity,
            "cancelled": line.cancelled_quantity,
            "fulfilled": order.fulfilled_quantity(line),
            "returnRequested": line.return_requested_quantity,
            "returned": line.returned_quantity,
            "writtenOff": line.written_off_quantity,
            "lineDiscount": _money(order, own),
            "orderDiscount": _money(order, line.order_discount),
            "paid": _money(order, line.paid),
            "unitPaid": _money(order, unit_amounts(line.paid, line.quantity)[0]),
            "refundedQuantity": line.refunded_quantity,
            "refunded": _money(order, line.refunded),
        },
    }


def line_money(raw: Item, *, paid: bool) -> dict[str, Any]:
    """`OrderLine` keyword arguments from a stored line (`paid`: whether its order was paid)."""
    line: dict[str, Any] = {
        "discounts": tuple(Discount.from_dict(d) for d in raw.get("discounts", [])),
        "tax_rate": Decimal(raw["taxRate"]) if raw.get("taxRate") is not None else None,
    }
    ledger = raw.get("ledger")
    if ledger is None:
        cancelled = raw.get("cancelledQuantity", 0) if paid else 0
        worth = Decimal(raw["unitPrice"]["amount"]) * raw["quantity"]
        return {**line, "refunded_quantity": cancelled, "refunded": units_worth(worth, raw["quantity"], 0, cancelled)}
    return {
        **line,
        "order_discount": Decimal(ledger["orderDiscount"]["amount"]),
        "return_requested_quantity": int(ledger["returnRequested"]),
        "returned_quantity": int(ledger["returned"]),
        "written_off_quantity": int(ledger["writtenOff"]),
        "refunded_quantity": int(ledger["refundedQuantity"]),
        "refunded": Decimal(ledger["refunded"]["amount"]),
    }


def refund_item(refund: Refund) -> Item:
    item: Item = {
        "refundId": refund.refund_id,
        "amount": refund.amount.as_dict(),
        "status": refund.status,
        "reason": refund.reason,
        "executor": refund.executor,
        "attempts": refund.attempts,
    }
    for key, value in (("reference", refund.reference), ("failure", refund.failure)):
        if value is not None:
            item[key] = value
    if refund.breakdown is not None:
        b = refund.breakdown
        item["breakdown"] = {k: str(v) for k, v in (("goods", b.goods), ("shipping", b.shipping), ("fees", b.fees))}
    return item


def refund_from_item(raw: Item) -> Refund:
    b = raw.get("breakdown")
    breakdown = Breakdown(Decimal(b["goods"]), Decimal(b["shipping"]), Decimal(b["fees"])) if b else None
    return Refund(
        raw["refundId"],
        Money.from_dict(raw["amount"]),
        raw["status"],
        raw["reason"],
        breakdown,
        executor=raw.get("executor", Executor.PAYMENT),
        attempts=int(raw.get("attempts", 1)),
        reference=raw.get("reference"),
        failure=raw.get("failure"),
    )


def _money(order: OrderState, amount: Decimal) -> dict[str, str]:
    return Money(amount, order.payment.amount.currency).as_dict()
