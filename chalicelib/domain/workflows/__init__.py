"""Workflows as data: definitions of states and transitions, checked when saved, run by `step`.

Import from here; the modules inside import each other directly:

- definition: `Definition`, `State`, `Transition`, `Category`, `Entity`, `parse_duration`;
- actions: the closed vocabulary of what a transition does (`TakeStock`, `OpenTask`, ...);
- guards: the small JSON expressions a transition may be guarded by (`holds`, `problems`);
- interpreter: `start`, `step` -> `Accepted` | `Refused`, `allowed_events`, `is_current`;
- checks: `check(definition)` -> `Findings` (every error, every warning);
- bindings: `Workflows` (the section), `bind`, `check_workflows`;
- defaults: the four fulfilment flows, the return flow and the task flow (`DEFAULT_WORKFLOWS`).
"""

from chalicelib.domain.workflows.actions import (
    Action,
    Effect,
    EmitEvent,
    GiveBackStock,
    NotifyChannel,
    OpenTask,
    RequireField,
    SourceAgain,
    StartTimer,
    StopTimer,
    TakeStock,
)
from chalicelib.domain.workflows.bindings import FLOWS, Binding, Match, Unbound, Workflows, bind, check_workflows
from chalicelib.domain.workflows.checks import Findings, check
from chalicelib.domain.workflows.defaults import DEFAULT_WORKFLOWS, TASK_STANDARD
from chalicelib.domain.workflows.definition import (
    BEFORE_SHIPPING,
    GIVEN_UP,
    MAX_DURATION,
    SLA_EVENT,
    Category,
    Definition,
    Entity,
    Guard,
    State,
    Transition,
    parse_duration,
)
from chalicelib.domain.workflows.guards import holds
from chalicelib.domain.workflows.interpreter import (
    Accepted,
    Position,
    Refused,
    TaskToOpen,
    Timer,
    allowed_events,
    is_current,
    start,
    step,
)

__all__ = [
    "BEFORE_SHIPPING",
    "DEFAULT_WORKFLOWS",
    "FLOWS",
    "GIVEN_UP",
    "MAX_DURATION",
    "SLA_EVENT",
    "TASK_STANDARD",
    "Accepted",
    "Action",
    "Binding",
    "Category",
    "Definition",
    "Effect",
    "EmitEvent",
    "Entity",
    "Findings",
    "GiveBackStock",
    "Guard",
    "Match",
    "NotifyChannel",
    "OpenTask",
    "Position",
    "Refused",
    "RequireField",
    "SourceAgain",
    "StartTimer",
    "State",
    "StopTimer",
    "TakeStock",
    "TaskToOpen",
    "Timer",
    "Transition",
    "Unbound",
    "Workflows",
    "allowed_events",
    "bind",
    "check",
    "check_workflows",
    "holds",
    "is_current",
    "parse_duration",
    "start",
    "step",
]
