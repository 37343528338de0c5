"""The fulfilment workflow as it was a Python table, per flow (see `chalicelib.domain.fulfilment.
workflow`), before it became data: tests hold the built-in definitions of
`chalicelib.domain.workflows.defaults` to it, event by event."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.domain.fulfilment.order import FulfilmentStatus
from chalicelib.domain.fulfilment.workflow import Flow, FulfilmentEvent
from chalicelib.domain.orders.lines import LineStatus

S, E = FulfilmentStatus, FulfilmentEvent


_UNTIL_PICKED: dict[FulfilmentStatus, dict[FulfilmentEvent, FulfilmentStatus]] = {
    S.RELEASED: {E.ACCEPT: S.ACCEPTED, E.REJECT: S.REJECTED},
    S.ACCEPTED: {E.PICK: S.PICKED, E.REJECT: S.REJECTED},
}
_SHIPPED_FROM_PICKED = {
    S.PICKED: {E.PACK: S.PACKED, E.SHIP: S.SHIPPED},
    S.PACKED: {E.SHIP: S.SHIPPED},
}

# flow -> status -> event -> next status. Anything not listed is not allowed.
TRANSITIONS: Mapping[Flow, Mapping[FulfilmentStatus, Mapping[FulfilmentEvent, FulfilmentStatus]]] = {
    Flow.HOME: {
        **_UNTIL_PICKED,
        **_SHIPPED_FROM_PICKED,
        S.SHIPPED: {E.DELIVER: S.DELIVERED},
    },
    Flow.PICKUP_POINT: {
        **_UNTIL_PICKED,
        **_SHIPPED_FROM_PICKED,
        S.SHIPPED: {E.DELIVER: S.READY_FOR_PICKUP},
        S.READY_FOR_PICKUP: {E.COLLECT: S.COLLECTED},
    },
    Flow.TRANSFER: {
        **_UNTIL_PICKED,
        **_SHIPPED_FROM_PICKED,
        S.SHIPPED: {E.READY_FOR_PICKUP: S.READY_FOR_PICKUP},
        S.READY_FOR_PICKUP: {E.COLLECT: S.COLLECTED},
    },
    Flow.SHELF: {
        **_UNTIL_PICKED,
        S.PICKED: {E.PACK: S.PACKED, E.READY_FOR_PICKUP: S.READY_FOR_PICKUP},
        S.PACKED: {E.READY_FOR_PICKUP: S.READY_FOR_PICKUP},
        S.READY_FOR_PICKUP: {E.COLLECT: S.COLLECTED},
    },
}

# What a line shows while a fulfilment order serving it is in a status, and how far along that is.
LINE_STATUS: Mapping[FulfilmentStatus, LineStatus] = {
    S.RELEASED: LineStatus.ALLOCATED,
    S.ACCEPTED: LineStatus.ALLOCATED,
    S.PICKED: LineStatus.PICKED,
    S.PACKED: LineStatus.PICKED,
    S.SHIPPED: LineStatus.SHIPPED,
    S.READY_FOR_PICKUP: LineStatus.READY_FOR_PICKUP,
    S.DELIVERED: LineStatus.DELIVERED,
    S.COLLECTED: LineStatus.COLLECTED,
}


def allowed(flow: Flow, status: FulfilmentStatus) -> list[FulfilmentEvent]:
    """The events the workflow allows in `status`, in the table's order."""
    return list(TRANSITIONS[flow].get(status, {}))


def next_status(flow: Flow, status: FulfilmentStatus, event: FulfilmentEvent) -> FulfilmentStatus | None:
    """Where `event` takes a fulfilment order in `status`; None when the workflow does not allow it."""
    return TRANSITIONS[flow].get(status, {}).get(event)


def leaves_source(flow: Flow, status: FulfilmentStatus, event: FulfilmentEvent) -> bool:
    """Whether the goods leave the source's stock with this event: shipping, or handing over the
    shelf's own goods at the till (a shelf click & collect never ships)."""
    return event is E.SHIP or (flow is Flow.SHELF and event is E.COLLECT and status is not S.SHIPPED)
