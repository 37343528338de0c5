"""The built-in workflows: today's four fulfilment flows, the return flow and the task flow, as data a
business may copy and change.

Each is the fulfilment table the OMS began with (`tests/fulfilment_reference.py`; a test proves it,
event by event), with what the code did on the way written as actions: the goods leave the source's
stock when they ship, or, from a store's own shelf, when the customer collects them; a rejection
gives the stock back and sources the units again elsewhere.

Two events the table did not have, both the order's and never a location's: `cancel`, when
cancelling the order's lines takes a fulfilment order's last unit before it ships (that
cancellation gives back the stock unit by unit as it goes, so the transition gives back nothing
more), and `sla_breached`, when a location has not accepted its work within `ACCEPT_WITHIN`: the
units go elsewhere, as if it had rejected them.
"""

from __future__ import annotations

from datetime import timedelta

from chalicelib.domain.workflows.actions import Action, GiveBackStock, SourceAgain, TakeStock
from chalicelib.domain.workflows.bindings import TASK_FALLBACK, Binding, Match, Workflows
from chalicelib.domain.workflows.definition import SLA_EVENT, Category, Definition, Entity, State, Transition

C = Category
F = Entity.FULFILMENT_ORDER
_BEFORE_SHIPPING = ("released", "accepted", "picked", "packed")
ACCEPT_WITHIN = timedelta(hours=24)  # a location that has not accepted its work by then loses it
COLLECT_WITHIN = timedelta(days=7)  # a click & collect order not collected by then is cancelled


def _on(sources: str, on: str, to: str, *actions: Action) -> Transition:
    return Transition(tuple(sources.split()), on, to, actions=actions)


def _fulfilment(workflow: str, last: tuple[State, ...], *route: Transition) -> Definition:
    """A fulfilment flow: accepted or rejected, picked, perhaps packed, then `route` to its end."""
    states = (
        State("released", C.OPEN, initial=True, sla=ACCEPT_WITHIN),
        State("accepted", C.IN_PROGRESS),
        State("picked", C.PICKED),
        State("packed", C.PICKED),
        *last,
        State("rejected", C.REJECTED, final=True),
        State("cancelled", C.CANCELLED, final=True),
    )
    transitions = (
        _on("released", "accept", "accepted"),
        # Not accepted in time: as if rejected, the units go elsewhere (SlaBreaches, FulfilmentRejections).
        _on("released", SLA_EVENT, "rejected", GiveBackStock(), SourceAgain()),
        _on("accepted", "pick", "picked"),
        _on("released accepted", "reject", "rejected", GiveBackStock(), SourceAgain()),
        _on("picked", "pack", "packed"),
        *route,
        _on(" ".join(_BEFORE_SHIPPING), "cancel", "cancelled"),
    )
    return Definition(workflow, F, states, transitions)


_SHIPPED = State("shipped", C.SHIPPED)
_READY = State("ready_for_pickup", C.READY)
# Waiting at a store for a customer who does not come: cancelled, refunded, the goods back in stock
# (the shelf's reservation ends; goods sent there join the store's stock).
_AT_THE_STORE = State("ready_for_pickup", C.READY, sla=COLLECT_WITHIN)
_UNCOLLECTED = _on("ready_for_pickup", SLA_EVENT, "cancelled", GiveBackStock())
_COLLECTED = State("collected", C.DONE, final=True)
_SHIP = _on("picked packed", "ship", "shipped", TakeStock())

HOME = _fulfilment(
    "fulfilment-home",
    (_SHIPPED, State("delivered", C.DONE, final=True)),
    _SHIP,
    _on("shipped", "deliver", "delivered"),
)


def _shipped_to_collect(workflow: str, arrived: str, *uncollected: Transition) -> Definition:
    """Shipped to where the customer collects it; `arrived` makes it ready for pickup there."""
    return _fulfilment(
        workflow,
        (_SHIPPED, _AT_THE_STORE if uncollected else _READY, _COLLECTED),
        _SHIP,
        _on("shipped", arrived, "ready_for_pickup"),
        _on("ready_for_pickup", "collect", "collected"),
        *uncollected,
    )


# The carrier delivers it to the point, and takes back what is not collected: its own return.
PICKUP_POINT = _shipped_to_collect("fulfilment-pickup-point", "deliver")
TRANSFER = _shipped_to_collect("fulfilment-transfer", "ready_for_pickup", _UNCOLLECTED)  # the store unpacks it
SHELF = _fulfilment(
    "fulfilment-shelf",
    (_AT_THE_STORE, _COLLECTED),
    _on("picked packed", "ready_for_pickup", "ready_for_pickup"),
    _on("ready_for_pickup", "collect", "collected", TakeStock()),  # handed over at the till
    _UNCOLLECTED,
)

FULFILMENT = {"home": HOME, "pickup_point": PICKUP_POINT, "transfer": TRANSFER, "shelf": SHELF}

# The flow decides, as `flow_of` does today; home delivery is the default, as it is there.
BINDINGS = (
    Binding(F, Match(flow="pickup_point"), PICKUP_POINT.id),
    Binding(F, Match(flow="transfer"), TRANSFER.id),
    Binding(F, Match(flow="shelf"), SHELF.id),
    Binding(F, Match(), HOME.id),
)


# ---- returns -----------------------------------------------------------------------------------
# What follows a return's categories: entering cancelled or rejected releases the units still
# expected back on the order's ledger. Stock follows each receipt's dispositions, and money the
# policy's `refundTiming` (on approval, on each receipt, on inspection), never a state's name.
R = Entity.RETURN
RETURN_EXPIRY_EVENT = "expire"  # what an approved return's expiry timer sends (the policy's approvedExpiry)
NOTHING_OUTSTANDING = {"==": [{"var": "return.outstanding"}, 0]}


def _return_on(sources: str, on: str, to: str, guard: object | None = None) -> Transition:
    return Transition(tuple(sources.split()), on, to, guard=guard)


RETURN = Definition(
    "return-standard",
    R,
    (
        State("requested", C.OPEN, initial=True),  # the policy decides at once: approve or decline
        State("approved", C.IN_PROGRESS),
        State("in_transit", C.SHIPPED),
        State("partially_received", C.SHIPPED),  # the rest is still on its way
        State("received", C.READY),  # at the location, waiting for inspection
        State("inspected", C.READY),
        State("completed", C.DONE, final=True),
        State("declined", C.REJECTED, final=True),
        State("cancelled", C.CANCELLED, final=True),
        State("expired", C.CANCELLED, final=True),  # approved, never arrived
    ),
    (
        _return_on("requested", "approve", "approved"),
        _return_on("requested", "decline", "declined"),
        _return_on("approved", "ship", "in_transit"),
        _return_on("approved in_transit partially_received", "receive", "received", NOTHING_OUTSTANDING),
        _return_on("approved in_transit partially_received", "receive", "partially_received"),
        _return_on("received", "inspect", "inspected"),
        _return_on("inspected", "complete", "completed"),  # the OMS sends it once inspected
        _return_on("requested approved in_transit", "cancel", "cancelled"),
        _return_on("approved", RETURN_EXPIRY_EVENT, "expired"),
    ),
)

# ---- tasks -------------------------------------------------------------------------------------
# A team's task: open until someone claims it (theirs until they release it), completed with an
# outcome. Who may send claim, unclaim and complete is the task's rule (`domain/tasks.py`), not the
# definition's; a business adds its own states between (waiting for the customer, say).
TASK_STANDARD = Definition(
    TASK_FALLBACK,
    Entity.TASK,
    (
        State("open", C.OPEN, initial=True),
        State("claimed", C.IN_PROGRESS),
        State("completed", C.DONE, final=True),
    ),
    (_on("open", "claim", "claimed"), _on("claimed", "unclaim", "open"), _on("open claimed", "complete", "completed")),
)

DEFAULT_WORKFLOWS = Workflows(
    definitions=(HOME, PICKUP_POINT, TRANSFER, SHELF, RETURN, TASK_STANDARD),
    bindings=(*BINDINGS, Binding(R, Match(), RETURN.id), Binding(Entity.TASK, Match(), TASK_STANDARD.id)),
)
