"""Which definition governs a new entity: the first binding whose match fits it.

The `workflows` section as the domain takes it is `Workflows`: its definitions and its bindings.
A binding matches when every key it sets equals the entity's; a key it leaves out matches anything,
so a binding with an empty match is the default and belongs last.

Besides channel, delivery method and location type, a fulfilment order's binding may match its
`flow`: the journey its goods make (home, pickup_point, transfer, shelf; see `workflow.flow_of`).
The flow is not a plain attribute of the order: a click & collect from the store's own shelf and one
sent from a DC are the same method and location type at the destination, yet one ships and one
never does; only "is the source the destination" tells them apart, and that is what a flow says.

A task's binding matches only its order's channel: a task covers lines of any delivery method and
location, and its team is the workflow's or a sourcing rule's to name, not the binding's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields

from chalicelib.domain.workflows.checks import Findings, check
from chalicelib.domain.workflows.definition import Definition, Entity

TASK_FALLBACK = "task-standard"  # what a task no binding matches follows (built in, version 0)
FLOWS = ("home", "pickup_point", "transfer", "shelf")


@dataclass(frozen=True, slots=True)
class Match:
    channel: str | None = None
    delivery_method: str | None = None
    location_type: str | None = None
    flow: str | None = None  # fulfilment orders only

    def fits(
        self, *, channel: str | None, delivery_method: str | None, location_type: str | None, flow: str | None
    ) -> bool:
        given = {"channel": channel, "delivery_method": delivery_method, "location_type": location_type, "flow": flow}
        return all(want is None or given[key] == want for key, want in self.items())

    def items(self) -> list[tuple[str, str | None]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]

    @property
    def empty(self) -> bool:
        return all(value is None for _, value in self.items())


@dataclass(frozen=True, slots=True)
class Binding:
    entity: Entity
    match: Match
    workflow: str  # a definition's id


@dataclass(frozen=True, slots=True)
class Workflows:
    """The `workflows` section: the definitions, and the bindings that choose among them."""

    definitions: tuple[Definition, ...]
    bindings: tuple[Binding, ...]

    def definition(self, workflow: str) -> Definition | None:
        return next((d for d in self.definitions if d.id == workflow), None)


class Unbound(LookupError):
    """No binding fits: the section has no workflow for this kind of entity."""


def bind(
    section: Workflows,
    entity: Entity,
    *,
    channel: str | None = None,
    delivery_method: str | None = None,
    location_type: str | None = None,
    flow: str | None = None,
) -> Definition:
    """The definition the first fitting binding names (a checked section always has it)."""
    for binding in section.bindings:
        if binding.entity is entity and binding.match.fits(
            channel=channel, delivery_method=delivery_method, location_type=location_type, flow=flow
        ):
            found = section.definition(binding.workflow)
            if found is not None:
                return found
    raise Unbound(f"no workflow is bound for a {entity.value} like this")


def check_workflows(section: Workflows) -> Findings:
    """Every definition checked, and the bindings against them: every reason, every warning."""
    findings = Findings()
    for definition in section.definitions:
        findings += check(definition)
    errors: list[str] = []
    warnings: list[str] = []
    twice = sorted(i for i, n in Counter(d.id for d in section.definitions).items() if n > 1)
    if twice:
        errors.append(f"workflow ids must be unique: {', '.join(twice)} more than once")
    for n, b in enumerate(section.bindings, start=1):
        where = f"binding {n} ({b.entity.value} -> {b.workflow})"
        bound = section.definition(b.workflow)
        if bound is None:
            errors.append(f"{where}: there is no workflow {b.workflow!r}")
        elif bound.entity is not b.entity:
            errors.append(f"{where}: {b.workflow!r} is a workflow for {bound.entity.a}")
        if b.match.flow is not None and b.entity is not Entity.FULFILMENT_ORDER:
            errors.append(f"{where}: only a fulfilmentOrder binding may match a flow")
        if b.entity is Entity.TASK and any(v is not None for k, v in b.match.items() if k != "channel"):
            errors.append(f"{where}: a task binding may match only a channel")
        earlier = next((m for m, e in enumerate(section.bindings[: n - 1], start=1) if _covers(e, b)), None)
        if earlier is not None:
            warnings.append(f"{where} is never used: binding {earlier} matches everything it would")
    # Every fulfilment order needs a workflow; other entities may follow one only where bound.
    for entity in dict.fromkeys((Entity.FULFILMENT_ORDER, *(b.entity for b in section.bindings))):
        if not any(b.entity is entity and b.match.empty for b in section.bindings):
            if entity is Entity.FULFILMENT_ORDER:
                errors.append("the fulfilmentOrder bindings need a default, a binding with an empty match, last")
            elif entity is Entity.TASK:
                warnings.append(f"a task that no binding matches follows the built-in {TASK_FALLBACK!r}")
            else:
                warnings.append(f"{entity.a} that no binding matches follows no workflow (no default binding)")
    bound_ids = {b.workflow for b in section.bindings}
    warnings += [f"workflow {d.id!r} is bound by no binding" for d in section.definitions if d.id not in bound_ids]
    return findings + Findings(tuple(errors), tuple(warnings))


def _covers(earlier: Binding, later: Binding) -> bool:
    """Whether every entity `later` matches is matched by `earlier` first."""
    if earlier.entity is not later.entity:
        return False
    return all(want is None or want == dict(later.match.items())[key] for key, want in earlier.match.items())
