"""What a transition does besides moving the entity: a closed vocabulary, each action a small value.

The interpreter resolves the workflow's own actions (timers, tasks, required fields) itself; the
rest are effects the caller carries out after the step is accepted, in the order listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class TakeStock:
    """The goods leave the source: its reservation becomes a take (today's `dispatch`)."""

    type: ClassVar[str] = "take_stock"


@dataclass(frozen=True, slots=True)
class GiveBackStock:
    """The source's reservation goes back to its available stock (a rejection, a cancellation)."""

    type: ClassVar[str] = "give_back_stock"


@dataclass(frozen=True, slots=True)
class SourceAgain:
    """Source the units again elsewhere; the location that had them is left out unless told otherwise."""

    exclude_source: bool = True
    type: ClassVar[str] = "source_again"


@dataclass(frozen=True, slots=True)
class OpenTask:
    """A team decides: each outcome of the task is sent to the entity as the event it maps to."""

    team: str
    outcomes: Mapping[str, str]  # outcome -> event
    sla: timedelta | None = None  # the task is due this long after it is opened
    type: ClassVar[str] = "open_task"
    escalate_to: str | None = None  # overdue, it moves to this team's queue (else it is only marked)


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Send `event` to the entity `after` this long, unless it has left the state by then."""

    name: str
    after: timedelta
    event: str
    type: ClassVar[str] = "start_timer"


@dataclass(frozen=True, slots=True)
class StopTimer:
    name: str
    type: ClassVar[str] = "stop_timer"


@dataclass(frozen=True, slots=True)
class NotifyChannel:
    """Tell the sales channel the order came on (Shopify's fulfilment, a marketplace's shipment)."""

    message: str | None = None  # a named message; none: the new state itself
    type: ClassVar[str] = "notify_channel"


@dataclass(frozen=True, slots=True)
class RequireField:
    """The transition is refused unless the context has this field (a dotted path, e.g. `event.tracking`)."""

    path: str
    type: ClassVar[str] = "require_field"


@dataclass(frozen=True, slots=True)
class EmitEvent:
    """Publish a business event of this type about the entity (e.g. `QualityCheckFailed`)."""

    event_type: str
    type: ClassVar[str] = "emit_event"


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
