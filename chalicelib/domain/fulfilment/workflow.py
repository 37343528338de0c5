"""What the OMS reads from a fulfilment order's workflow: the flow its goods follow, the definition
it is pinned to, and what its state's category means for the lines it serves.

A fulfilment order follows one of four flows, decided by how its goods travel:

- `home`: shipped to the customer's address, then delivered;
- `pickup_point`: shipped to a pick-up point, where delivery makes it ready for pickup, then collected;
- `transfer`: click & collect from another location (a DC sends it to the store), shipped, then made
  ready for pickup at the destination store and collected there;
- `shelf`: click & collect from the store's own shelf, never shipped: picked (or packed), ready for
  pickup, collected.

Which states and events each has is data (`chalicelib.domain.workflows`: the built-in definitions
and the business's own, bound by flow, channel, delivery method and location type).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.domain.delivery import DeliveryMethod
from chalicelib.domain.fulfilment.order import FulfilmentOrder
from chalicelib.domain.orders.lines import LineStatus
from chalicelib.domain.workflows import Category, Definition
from chalicelib.domain.workflows.defaults import FULFILMENT


class FulfilmentEvent(StrEnum):
    """The events of the built-in workflows; a business's own may add others."""

    ACCEPT = "accept"
    REJECT = "reject"
    PICK = "pick"
    PACK = "pack"
    SHIP = "ship"
    READY_FOR_PICKUP = "ready_for_pickup"
    COLLECT = "collect"
    DELIVER = "deliver"


E = FulfilmentEvent

# Events the order drives, never a location: cancelling goes through the order's lines (which give
# the stock back unit by unit), and an SLA breach is the timer's.
ORDER_DRIVEN = frozenset({"cancel", "sla_breached"})


class Flow(StrEnum):
    HOME = "home"
    PICKUP_POINT = "pickup_point"
    TRANSFER = "transfer"
    SHELF = "shelf"


@dataclass(frozen=True, slots=True)
class Pin:
    """The definition a new fulfilment order follows for good, and the version of the `workflows`
    section it came from (0: the built-in one)."""

    definition: Definition
    version: int


Pinning = Callable[[FulfilmentOrder], Pin]


def built_in(fo: FulfilmentOrder) -> Pin:
    """The built-in definition of the fulfilment order's flow."""
    return Pin(FULFILMENT[flow_of(fo.method, fo.location_id, fo.destination).value], 0)


# Events the destination's own token may report too (the goods are there by then).
AT_DESTINATION: Mapping[Flow, frozenset[str]] = {
    Flow.TRANSFER: frozenset({E.READY_FOR_PICKUP, E.COLLECT}),
    Flow.PICKUP_POINT: frozenset({E.COLLECT}),
}

# What a line shows while a fulfilment order serving it is in a category, and how far along that is.
_LINE_STATUS: Mapping[Category, LineStatus] = {
    Category.OPEN: LineStatus.ALLOCATED,
    Category.IN_PROGRESS: LineStatus.ALLOCATED,
    Category.PICKED: LineStatus.PICKED,
    Category.SHIPPED: LineStatus.SHIPPED,
    Category.READY: LineStatus.READY_FOR_PICKUP,
}
PROGRESS: Mapping[LineStatus, int] = {
    LineStatus.OPEN: 0,
    LineStatus.BACKORDERED: 0,
    LineStatus.ALLOCATED: 1,
    LineStatus.PICKED: 2,
    LineStatus.SHIPPED: 3,
    LineStatus.READY_FOR_PICKUP: 4,
    LineStatus.DELIVERED: 5,
    LineStatus.COLLECTED: 5,
}


def line_status(fo: FulfilmentOrder) -> LineStatus | None:
    """What the lines it serves show while `fo` is where it is; None once it serves none (rejected,
    cancelled). Done is delivered at home and collected elsewhere."""
    if fo.category is Category.DONE:
        return LineStatus.DELIVERED if fo.method is DeliveryMethod.HOME_DELIVERY else LineStatus.COLLECTED
    return _LINE_STATUS.get(fo.category)


def flow_of(method: DeliveryMethod, source: str, destination: Mapping[str, Any]) -> Flow:
    if method is DeliveryMethod.CLICK_AND_COLLECT:
        return Flow.SHELF if destination.get("locationId") == source else Flow.TRANSFER
    if method is DeliveryMethod.PICKUP_POINT:
        return Flow.PICKUP_POINT
    return Flow.HOME


def may_report(flow: Flow, event: str, *, source: str, destination: str | None, location: str) -> bool:
    """Whether a store's or DC's token for `location` may report `event`."""
    if event in ORDER_DRIVEN:
        return False
    if location == source:
        return True
    return destination is not None and location == destination and event in AT_DESTINATION.get(flow, frozenset())
