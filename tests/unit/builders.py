"""Orders built for the unit tests: a plain webshop order, but for what a test names."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chalicelib.domain.delivery import Delivery, DeliveryMethod
from chalicelib.domain.money import Money
from chalicelib.domain.orders.lines import NewLine
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.state import Customer, Payment

HOME = Delivery(DeliveryMethod.HOME_DELIVERY, address={"line1": "Damrak 1"})


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def webshop_order(lines: list[NewLine], payment: Payment, *, at: str, **fields: Any) -> Order:
    """Order ord_1 (W-1 of customer c-1 on the webshop, home delivered) placed and taken `at`;
    `fields`: any other of `Order.place`'s, or another value for one of these."""
    plain: dict[str, Any] = {
        "order_id": "ord_1",
        "channel": "webshop",
        "external_id": "W-1",
        "customer": Customer("c-1"),
        "placed_at": at,
        "actor": "channel:webshop",
        "delivery": HOME,
    }
    return Order.place(**(plain | fields), lines=lines, payment=payment, now=at)
