"""The workflows entities follow: the active `workflows` section pins each new fulfilment order,
order, return and task to a definition, and every later event runs on the version it was pinned to,
so activating a new version changes only what starts after."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import NotFound
from chalicelib.domain.fulfilment.order import FulfilmentOrder
from chalicelib.domain.fulfilment.workflow import ORDER_DRIVEN, Pin, Pinning, flow_of
from chalicelib.domain.workflows import (
    DEFAULT_WORKFLOWS,
    TASK_STANDARD,
    Definition,
    Entity,
    Unbound,
    Workflows,
    allowed_events,
    bind,
)

if TYPE_CHECKING:
    from chalicelib.adapters.dynamo import Table
    from chalicelib.domain.orders.order import Order
    from chalicelib.service.unit_of_work import Dependencies

SECTION = "workflows"


def active(table: Table) -> tuple[int, Workflows]:
    """The section that binds new entities now, and its version (0: the built-in one)."""
    from chalicelib.service import config

    version, _ = config.active_version(table, SECTION)
    return version, _saved(table, version)  # the same for every request until another is activated


def definition(table: Table, workflow: str, version: int) -> Definition:
    """The definition `workflow` as version `version` of the section had it. A saved version never
    changes, so it is read once per container."""
    found = _saved(table, version).definition(workflow)
    if found is None:
        raise LookupError(f"version {version} of the workflows has no {workflow!r}")
    return found


def pinning(deps: Dependencies, channel: str) -> Pinning:
    """Which definition a new fulfilment order of a `channel` order follows, by the active bindings."""
    version, section = deps.workflows()
    net = deps.network()

    def pin(fo: FulfilmentOrder) -> Pin:
        location = net.locations.get(fo.location_id)
        found = bind(
            section,
            Entity.FULFILMENT_ORDER,
            channel=channel,
            delivery_method=fo.method.value,
            location_type=location.type.value if location else None,
            flow=flow_of(fo.method, fo.location_id, fo.destination).value,
        )
        return Pin(found, version)

    return pin


def task_pin(deps: Dependencies, channel: str) -> Pin:
    """The workflow a new task of a `channel` order follows: the active bindings', else the built-in."""
    version, section = deps.workflows()
    try:
        return Pin(bind(section, Entity.TASK, channel=channel), version)
    except Unbound:  # a section saved before tasks followed workflows
        return Pin(TASK_STANDARD, 0)


def order_pin(deps: Dependencies, channel: str, delivery_method: str | None) -> Pin | None:
    """The workflow a new order follows for good, if a binding chooses one (none by default)."""
    version, section = deps.workflows()
    try:
        return Pin(bind(section, Entity.ORDER, channel=channel, delivery_method=delivery_method), version)
    except Unbound:
        return None


def of_entity(deps: Dependencies, entity: str) -> dict[str, Any]:
    """The active definitions for one kind of entity and the bindings that choose among them."""
    from chalicelib.contracts.workflows import WorkflowsConfig

    try:
        kind = Entity(entity)
    except ValueError:
        raise NotFound(f"no workflows for {entity!r}; entities are {', '.join(e.value for e in Entity)}") from None
    version, section = deps.workflows()
    body = WorkflowsConfig.from_domain(section).model_dump(mode="json")
    return {
        "entity": kind.value,
        "version": version,
        **{part: [x for x in body[part] if x["entity"] == kind.value] for part in ("definitions", "bindings")},
    }


def order_answer(deps: Dependencies, order: Order) -> dict[str, Any]:
    """The order as the API shows it, each fulfilment order with the events it allows now."""
    from chalicelib.adapters.orders_repo import order_view

    view = order_view(order)
    view["allowedEvents"] = []  # for its own workflow, when it follows one
    if order.workflow is not None:
        own = deps.workflow(order.workflow, order.workflow_version)
        view["allowedEvents"] = allowed_events(own, order.workflow_state or "", order.workflow_context())
    for fo, shown in zip(order.fulfilment_orders, view["fulfilmentOrders"], strict=True):
        shown["allowedEvents"] = allowed(deps, order, fo)
    return view


def state_names(deps: Dependencies, entity: Entity) -> set[str]:
    """Every state an entity may be in under the active or the built-in definitions."""
    _, section = deps.workflows()
    return {
        s.name for ws in (section, DEFAULT_WORKFLOWS) for d in ws.definitions if d.entity is entity for s in d.states
    }


def allowed(deps: Dependencies, order: Order, fo: FulfilmentOrder) -> list[str]:
    """The events a location may send `fo` now (the order's own, like cancel, left out)."""
    pinned = deps.workflow(fo.workflow, fo.workflow_version)
    events = allowed_events(pinned, fo.status, order.fulfilment_context(fo))
    return [e for e in events if e not in ORDER_DRIVEN]


@functools.lru_cache(maxsize=32)
def _saved(table: Table, version: int) -> Workflows:
    if version == 0:
        return DEFAULT_WORKFLOWS
    from chalicelib.adapters.config_repo import ConfigRepository
    from chalicelib.contracts.workflows import WorkflowsConfig

    item = ConfigRepository(table).version(SECTION, version)
    if item is None:
        raise LookupError(f"no version {version} of the workflows")
    return WorkflowsConfig.model_validate_json(item["bodyJson"]).to_domain()
