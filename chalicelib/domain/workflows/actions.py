"""What a transition does besides moving the entity: a closed vocabulary, each action a small value.

The interpreter resolves the workflow's own actions (timers, tasks, required fields) itself; the
rest are effects the caller carries out after the step is accepted, in the order listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar


class _Action:
    """An action's `type`, its name in a workflow document, is its class name in snake case."""

    __slots__ = ()
    type: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.type = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


@dataclass(frozen=True, slots=True)
class TakeStock(_Action):
    """The goods leave the source: its reservation becomes a take (today's `dispatch`)."""


@dataclass(frozen=True, slots=True)
class GiveBackStock(_Action):
    """The source's reservation goes back to its available stock (a rejection, a cancellation)."""


@dataclass(frozen=True, slots=True)
class SourceAgain(_Action):
    """Source the units again elsewhere; the location that had them is left out unless told otherwise."""

    exclude_source: bool = True


@dataclass(frozen=True, slots=True)
class OpenTask(_Action):
    """A team decides: each outcome of the task is sent to the entity as the event it maps to."""

    team: str
    outcomes: Mapping[str, str]  # outcome -> event
    sla: timedelta | None = None  # the task is due this long after it is opened
    escalate_to: str | None = None  # overdue, it moves to this team's queue (else it is only marked)


@dataclass(frozen=True, slots=True)
class StartTimer(_Action):
    """Send `event` to the entity `after` this long, unless it has left the state by then."""

    name: str
    after: timedelta
    event: str


@dataclass(frozen=True, slots=True)
class StopTimer(_Action):
    name: str


@dataclass(frozen=True, slots=True)
class NotifyChannel(_Action):
    """Tell the sales channel the order came on (Shopify's fulfilment, a marketplace's shipment)."""

    message: str | None = None  # a named message; none: the new state itself


@dataclass(frozen=True, slots=True)
class RequireField(_Action):
    """The transition is refused unless the context has this field (a dotted path, e.g. `event.tracking`)."""

    path: str


@dataclass(frozen=True, slots=True)
class EmitEvent(_Action):
    """Publish a business event of this type about the entity (e.g. `QualityCheckFailed`)."""

    event_type: str


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
