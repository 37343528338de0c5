"""Limits that must agree: the largest order the API accepts is one DynamoDB can write in one go.

Creating an order is one TransactWriteItems, and DynamoDB takes at most 100 items in one. The
worst case is an order whose every line comes from a different location: each line then costs a
fulfilment order, a stock reservation, that location's daily capacity counter and the event that
hands the fulfilment order over. `CreateOrder.lines` is capped at the most lines that still fit.
"""

from __future__ import annotations

TRANSACTION_MAX_ITEMS = 100  # DynamoDB's TransactWriteItems limit

# What each line adds at most (the unit of work's commit): every line from its own location.
ITEMS_PER_LINE = (
    1  # its fulfilment order
    + 1  # the stock item it reserves
    + 1  # the location's daily capacity counter
    + 1  # FulfilmentOrderDispatched, the event that hands the fulfilment order over
)
# What an order costs whatever its lines, with room for a return and a task as a later change adds.
ITEMS_PER_ORDER = (
    1  # the (channel, externalId) uniqueness item
    + 1  # the order header, its lines inside
    + 2  # OrderCreated and OrderSourced
    + 2  # a task for held units, and its TaskCreated event
    + 2  # a return, and its event
)


def order_items(lines: int) -> int:
    """The most items a transaction creating an order of `lines` lines writes."""
    return ITEMS_PER_ORDER + ITEMS_PER_LINE * lines


MAX_ORDER_LINES = (TRANSACTION_MAX_ITEMS - ITEMS_PER_ORDER) // ITEMS_PER_LINE
