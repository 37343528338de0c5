"""The `workflows` section: definitions of states and transitions, and the bindings that choose them.

These models are the contract's shape (camelCase, as API.md gives it); whether the definitions are
sound is the domain's to say (`chalicelib.domain.workflows.check_workflows`), every reason at once,
so a save with any is refused with a 422 listing them all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, JsonValue, StrictInt, StringConstraints, model_validator

from chalicelib.contracts.sections import LocationTypeName, Ref, Section
from chalicelib.domain import workflows as wf
from chalicelib.domain.workflows.guards import PATH

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]  # states, events, timers
EventType = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z0-9]{0,63}$")]  # e.g. QualityCheckFailed
FieldPath = Annotated[str, StringConstraints(pattern=PATH.pattern)]
EntityName = Literal["order", "fulfilmentOrder", "return", "task"]
CategoryName = Literal["open", "in_progress", "picked", "shipped", "ready", "done", "rejected", "cancelled"]
FlowName = Literal["home", "pickup_point", "transfer", "shelf"]
DeliveryMethodName = Literal["home_delivery", "click_and_collect", "pickup_point", "carry_out"]


def _readable(raw: int | str) -> int | str:
    wf.parse_duration(raw)  # a ValueError names what is wrong; the bounds are the definition's check
    return raw


# Seconds, or ISO-8601 weeks to seconds ("PT4H", "P2D"); kept as given, so a saved body reads back as saved.
Duration = Annotated[StrictInt | Annotated[str, StringConstraints(max_length=32)], AfterValidator(_readable)]


# ---- actions ---------------------------------------------------------------------------------------


class TakeStockAction(Section):
    type: Literal["take_stock"]


class GiveBackStockAction(Section):
    type: Literal["give_back_stock"]


class SourceAgainAction(Section):
    type: Literal["source_again"]
    exclude_source: bool = True


class OpenTaskAction(Section):
    type: Literal["open_task"]
    team: Ref
    outcomes: Annotated[dict[Identifier, Identifier], Field(max_length=20)]  # outcome -> event
    sla: Duration | None = None
    escalate_to: Ref | None = None  # the team an overdue task moves to (needs an sla)


class StartTimerAction(Section):
    type: Literal["start_timer"]
    name: Identifier
    after: Duration
    event: Identifier


class StopTimerAction(Section):
    type: Literal["stop_timer"]
    name: Identifier


class NotifyChannelAction(Section):
    type: Literal["notify_channel"]
    message: Identifier | None = None


class RequireFieldAction(Section):
    type: Literal["require_field"]
    field: FieldPath


class EmitEventAction(Section):
    type: Literal["emit_event"]
    event: EventType


WorkflowAction = Annotated[
    TakeStockAction
    | GiveBackStockAction
    | SourceAgainAction
    | OpenTaskAction
    | StartTimerAction
    | StopTimerAction
    | NotifyChannelAction
    | RequireFieldAction
    | EmitEventAction,
    Field(discriminator="type"),
]


# ---- definitions -----------------------------------------------------------------------------------


class WorkflowState(Section):
    name: Identifier
    category: CategoryName
    initial: bool = False
    final: bool = False
    sla: Duration | None = None


class WorkflowTransition(Section):
    from_: Annotated[list[Identifier], Field(alias="from", min_length=1, max_length=50)]
    on: Identifier
    to: Identifier
    guard: JsonValue | None = None  # a guard expression; the domain checks it
    actions: Annotated[list[WorkflowAction], Field(max_length=20)] = []


class WorkflowDefinition(Section):
    id: Ref
    entity: EntityName
    states: Annotated[list[WorkflowState], Field(min_length=1, max_length=50)]
    transitions: Annotated[list[WorkflowTransition], Field(max_length=200)] = []


class WorkflowMatch(Section):
    channel: Ref | None = None
    delivery_method: DeliveryMethodName | None = None
    location_type: LocationTypeName | None = None
    flow: FlowName | None = None  # fulfilment orders only: how the goods travel (see the domain's bindings)


class WorkflowBinding(Section):
    entity: EntityName
    match: WorkflowMatch = WorkflowMatch()
    workflow: Ref


class WorkflowsConfig(Section):
    """`workflows`: definitions, and bindings (first fitting wins; an empty match is the default)."""

    definitions: Annotated[list[WorkflowDefinition], Field(min_length=1, max_length=50)]
    bindings: Annotated[list[WorkflowBinding], Field(max_length=100)]

    @model_validator(mode="after")
    def _sound(self) -> WorkflowsConfig:
        errors = wf.check_workflows(self.to_domain()).errors
        if errors:
            raise ValueError(f"{len(errors)} reason{'s' if len(errors) > 1 else ''}: " + "; ".join(errors))
        return self

    def warnings(self) -> tuple[str, ...]:
        """What looks like a mistake but does not stop the section from governing."""
        return wf.check_workflows(self.to_domain()).warnings

    def to_domain(self) -> wf.Workflows:
        return wf.Workflows(
            definitions=tuple(_definition(d) for d in self.definitions),
            bindings=tuple(
                wf.Binding(
                    wf.Entity(b.entity),
                    wf.Match(b.match.channel, b.match.delivery_method, b.match.location_type, b.match.flow),
                    b.workflow,
                )
                for b in self.bindings
            ),
        )

    @classmethod
    def from_domain(cls, section: wf.Workflows) -> WorkflowsConfig:
        return cls.model_validate(
            {
                "definitions": [_definition_body(d) for d in section.definitions],
                "bindings": [
                    {
                        "entity": b.entity.value,
                        "match": {k: v for k, v in b.match.items() if v is not None},
                        "workflow": b.workflow,
                    }
                    for b in section.bindings
                ],
            },
            by_name=True,
        )


# ---- contract <-> domain -----------------------------------------------------------------------------


def _definition(d: WorkflowDefinition) -> wf.Definition:
    return wf.Definition(
        id=d.id,
        entity=wf.Entity(d.entity),
        states=tuple(wf.State(s.name, wf.Category(s.category), s.initial, s.final, _span(s.sla)) for s in d.states),
        transitions=tuple(
            wf.Transition(tuple(t.from_), t.on, t.to, t.guard, tuple(_action(a) for a in t.actions))
            for t in d.transitions
        ),
    )


def _span(raw: int | str | None) -> timedelta | None:
    return None if raw is None else wf.parse_duration(raw)


def _action(a: Any) -> wf.Action:
    match a:
        case TakeStockAction():
            return wf.TakeStock()
        case GiveBackStockAction():
            return wf.GiveBackStock()
        case SourceAgainAction():
            return wf.SourceAgain(a.exclude_source)
        case OpenTaskAction():
            return wf.OpenTask(a.team, dict(a.outcomes), _span(a.sla), escalate_to=a.escalate_to)
        case StartTimerAction():
            return wf.StartTimer(a.name, wf.parse_duration(a.after), a.event)
        case StopTimerAction():
            return wf.StopTimer(a.name)
        case NotifyChannelAction():
            return wf.NotifyChannel(a.message)
        case RequireFieldAction():
            return wf.RequireField(a.field)
        case EmitEventAction():
            return wf.EmitEvent(a.event)
    raise TypeError(f"not an action: {a!r}")


def _definition_body(d: wf.Definition) -> dict[str, Any]:
    return {
        "id": d.id,
        "entity": d.entity.value,
        "states": [
            {"name": s.name, "category": s.category.value, "initial": s.initial, "final": s.final}
            | ({"sla": _seconds(s.sla)} if s.sla else {})
            for s in d.states
        ],
        "transitions": [
            {"from": list(t.sources), "on": t.on, "to": t.to, "actions": [_action_body(a) for a in t.actions]}
            | ({"guard": t.guard} if t.guard is not None else {})
            for t in d.transitions
        ],
    }


def _action_body(a: wf.Action) -> dict[str, Any]:
    match a:
        case wf.SourceAgain():
            return {"type": a.type, "excludeSource": a.exclude_source}
        case wf.OpenTask():
            return (
                {"type": a.type, "team": a.team, "outcomes": dict(a.outcomes)}
                | ({"sla": _seconds(a.sla)} if a.sla else {})
                | ({"escalateTo": a.escalate_to} if a.escalate_to else {})
            )
        case wf.StartTimer():
            return {"type": a.type, "name": a.name, "after": _seconds(a.after), "event": a.event}
        case wf.StopTimer():
            return {"type": a.type, "name": a.name}
        case wf.NotifyChannel():
            return {"type": a.type, "message": a.message}
        case wf.RequireField():
            return {"type": a.type, "field": a.path}
        case wf.EmitEvent():
            return {"type": a.type, "event": a.event_type}
    return {"type": a.type}


def _seconds(span: timedelta) -> int:
    return int(span.total_seconds())


DEFAULT_WORKFLOWS = WorkflowsConfig.from_domain(wf.DEFAULT_WORKFLOWS)
