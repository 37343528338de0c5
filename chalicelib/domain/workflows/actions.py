"""What a transition does besides moving the entity: a closed vocabulary, each action a small value.

The interpreter resolves the workflow's own actions (timers, tasks, required fields) itself; the
rest are effects the caller carries out after the step is accepted, in the order listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class TakeStock:
    """The goods leave the source: its reservation becomes a take (today's `dispatch`)."""

    type: str = field(default="take_stock", init=False)


@dataclass(frozen=True, slots=True)
class GiveBackStock:
    """The source's reservation goes back to its available stock (a rejection, a cancellation)."""

    type: str = field(default="give_back_stock", init=False)


@dataclass(frozen=True, slots=True)
class SourceAgain:
    """Source the units again elsewhere; the location that had them is left out unless told otherwise."""

    exclude_source: bool = True
    type: str = field(default="source_again", init=False)


@dataclass(frozen=True, slots=True)
class OpenTask:
    """A team decides: each outcome of the task is sent to the entity as the event it maps to."""

    team: str
    outcomes: Mapping[str, str]  # outcome -> event
    sla: timedelta | None = None  # the task is due this long after it is opened
    type: str = field(default="open_task", init=False)
    escalate_to: str | None = None  # overdue, it moves to this team's queue (else it is only marked)


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Send `event` to the entity `after` this long, unless it has left the state by then."""

    name: str
    after: timedelta
    event: str
    type: str = field(default="start_timer", init=False)


@dataclass(frozen=True, slots=True)
class StopTimer:
    name: str
    type: str = field(default="stop_timer", init=False)


@dataclass(frozen=True, slots=True)
class NotifyChannel:
    """Tell the sales channel the order came on (Shopify's fulfilment, a marketplace's shipment)."""

    message: str | None = None  # a named message; none: the new state itself
    type: str = field(default="notify_channel", init=False)


@dataclass(frozen=True, slots=True)
class RequireField:
    """The transition is refused unless the context has this field (a dotted path, e.g. `event.tracking`)."""

    path: str
    type: str = field(default="require_field", init=False)


@dataclass(frozen=True, slots=True)
class EmitEvent:
    """Publish a business event of this type about the entity (e.g. `QualityCheckFailed`)."""

    event_type: str
    type: str = field(default="emit_event", init=False)


Action = (
    TakeStock
    | GiveBackStock
    | SourceAgain
    | OpenTask
    | StartTimer
    | StopTimer
    | NotifyChannel
    | RequireField
    | EmitEvent
)
# The effects the caller runs itself (the others the interpreter turns into timers, tasks, refusals).
Effect = TakeStock | GiveBackStock | SourceAgain | NotifyChannel | EmitEvent
EFFECTS = (TakeStock, GiveBackStock, SourceAgain, NotifyChannel, EmitEvent)
ACTION_TYPES = frozenset(
    {"take_stock", "give_back_stock", "source_again", "open_task", "start_timer", "stop_timer"}
    | {"notify_channel", "require_field", "emit_event"}
)
