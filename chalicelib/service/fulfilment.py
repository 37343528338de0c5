"""The locations' side of fulfilment: a store's or DC's work queue, one fulfilment order, and the
progress they report on it (under the workflow it is pinned to)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import keys
from chalicelib.adapters.orders_repo import fulfilment_order_view, order_view, public_view
from chalicelib.domain.access import Principal
from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, expect_version
from chalicelib.domain.fulfilment import workflow as wf
from chalicelib.domain.fulfilment.order import FulfilmentOrder, FulfilmentStatus
from chalicelib.domain.orders.holds import WORKFLOW
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.progress import FulfilmentReport
from chalicelib.domain.workflows import Entity, SourceAgain
from chalicelib.observability import count
from chalicelib.service import listing, refunds, sourcing, workflows
from chalicelib.service.ids import new_id, order_of_fulfilment_order

if TYPE_CHECKING:
    from chalicelib.contracts import api
    from chalicelib.service.unit_of_work import Dependencies, UnitOfWork


# One location's fulfilment orders in one state (default released), oldest first: any state a
# fulfilment order's workflow (built-in or the business's own) has.
work_queue = listing.LocationQueue(
    keys.WORK_QUEUE.pk, FulfilmentStatus.RELEASED, Entity.FULFILMENT_ORDER, sees="sees the work of", view=public_view
)


def get_fulfilment_order(deps: Dependencies, fulfilment_order_id: str, principal: Principal) -> dict[str, Any]:
    """One fulfilment order, from its order's partition (its id names the order): one Query."""
    order, fo = load(deps.uow(), fulfilment_order_id)
    if principal.kind == "dc":
        if fo.location_id != principal.scope:
            raise Forbidden(f"fulfilment order {fulfilment_order_id} is not the work of {principal.scope}")
    else:  # a store reads any order, so any of its fulfilment orders
        principal.may_see_order(order_view(order))
    return {**fulfilment_order_view(order.order_id, fo), "allowedEvents": workflows.allowed(deps, order, fo)}


def handle_event(
    deps: Dependencies,
    fulfilment_order_id: str,
    cmd: api.FulfilmentEventIn,
    principal: Principal,
    *,
    if_match: int | None,
) -> dict[str, Any]:
    """A location reports progress on a fulfilment order, under the workflow it was pinned to when
    it was created: the fulfilment order, its order's lines and status, stock and events change in
    one transaction on the order's version. Where the workflow sends the units elsewhere (`reject`
    in the built-in ones), they are sourced again, that location left out."""
    principal.require("admin", "ops", "cs", "store", "dc")
    uow = deps.uow()
    order, fo = load(uow, fulfilment_order_id)
    event = cmd.type
    flow = wf.flow_of(fo.method, fo.location_id, fo.destination)
    if principal.kind in ("store", "dc") and not wf.may_report(
        flow, event, source=fo.location_id, destination=fo.destination.get("locationId"), location=principal.scope or ""
    ):
        raise Forbidden(f"a {principal.role} token may not report {event} on {fulfilment_order_id}")
    if event in wf.ORDER_DRIVEN:
        raise Conflict(f"{event} is the order's to decide: cancel the order's lines instead", event=event)
    expect_version(f"fulfilment order {fulfilment_order_id}", fo.version, if_match)
    tracking = cmd.tracking.model_dump(exclude_none=True) if cmd.tracking is not None else None
    report = FulfilmentReport(event, tracking, cmd.reason)
    order = run_event(deps, uow, order, fulfilment_order_id, report, actor=principal.actor)
    fo = order.fulfilment_order(fulfilment_order_id)
    return {**fulfilment_order_view(order.order_id, fo), "allowedEvents": workflows.allowed(deps, order, fo)}


def run_event(
    deps: Dependencies,
    uow: UnitOfWork,
    order: Order,
    fulfilment_order_id: str,
    report: FulfilmentReport,
    *,
    actor: str,
    also: Sequence[Aggregate] = (),
) -> Order:
    """Move a fulfilment order of `order` (loaded through `uow`) by `report` under the workflow it is
    pinned to, run what the transition does, and commit it with `also` (a task whose outcome this
    is); returns the order as written. Where the workflow sends the units elsewhere (`reject` in the
    built-in ones), they are sourced again."""
    fo = order.fulfilment_order(fulfilment_order_id)
    pinned = deps.workflow(fo.workflow, fo.workflow_version)
    # A 409 before any sourcing work; the same step runs again on the order as it is committed.
    step = order.fulfilment_step(fo, pinned, report, now=deps.now())
    elsewhere = next((e for e in step.effects if isinstance(e, SourceAgain)), None)
    if elsewhere is not None:
        order = sourcing.resource_rejected(
            deps,
            order,
            fulfilment_order_id,
            report,
            actor=actor,
            exclude_source=elsewhere.exclude_source,
            also=also,
        )
        _count_rejection(order)
        return _tasks_counted(order)
    now, already = deps.now(), len(order.stock_changes)
    freed = order.report_fulfilment(
        fulfilment_order_id, report, pinned, actor=actor, now=now, new_task_id=lambda: new_id("task")
    )
    if freed:
        refunds.tell_terms(deps, order)
        order.settle_given_back(
            fulfilment_order_id,
            freed,
            report.event,
            actor=actor,
            now=now,
            stock_from=already,
        )
    for aggregate in also:
        uow.track(aggregate)
    uow.commit()
    return _tasks_counted(order)


def _tasks_counted(order: Order) -> Order:
    opened = [t for t in order.new_tasks if t.kind == WORKFLOW]
    if opened:
        count("TasksCreated", value=len(opened), kind=WORKFLOW)
    return order


def load(uow: UnitOfWork, fulfilment_order_id: str) -> tuple[Order, FulfilmentOrder]:
    """A fulfilment order and its order; its id names the order, so one Query."""
    order_id = order_of_fulfilment_order(fulfilment_order_id)
    try:
        order = uow.orders.get(order_id) if order_id else None
    except NotFound:
        order = None
    fo = (
        next((f for f in order.fulfilment_orders if f.fulfilment_order_id == fulfilment_order_id), None)
        if order
        else None
    )
    if order is None or fo is None:
        raise NotFound(f"no fulfilment order {fulfilment_order_id!r}")
    return order, fo


def _count_rejection(order: Order) -> None:
    """One point per rejection, by what became of its units (from the change's OrderSourced)."""
    sourced: dict[str, Any] = {}
    for event in order.new_events:
        if event.type == "OrderSourced":
            sourced = event.detail
    served, backordered = bool(sourced.get("fulfilmentOrders")), bool(sourced.get("backorders"))
    outcome = "partly" if served and backordered else "backordered" if backordered else "resourced"
    count("FulfilmentRejections", outcome=outcome)
