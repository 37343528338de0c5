"""Workflow timers: an SLA running out, a wait a transition started, an approved return's expiry, an
advance exchange's charge.
Each pending timer is kept on its fulfilment order (or return), stamped with the state (and entry)
it was set in; the item sits in a sparse index by its first timer due (GSI3 TIMERS#<shard>), which a
schedule reads each minute, as reservations' expiry does. A timer fires its event through the same
use case a location's event takes; one whose fulfilment order or return has moved on (the index
lags, or it came back to that state since) is dropped unheard.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.adapters.orders_repo import OrdersRepository
from chalicelib.domain.errors import Conflict, NotFound, VersionMismatch
from chalicelib.domain.orders.progress import FulfilmentReport
from chalicelib.domain.workflows import SLA_EVENT, Timer, allowed_events, is_current
from chalicelib.observability import count, logger
from chalicelib.service import exchanges, fulfilment, orders, return_flow

if TYPE_CHECKING:
    from chalicelib.service.unit_of_work import Dependencies

ACTOR = "timer"


def fire_due(deps: Dependencies) -> int:
    """Fire every workflow timer due now, each fulfilment order in its own transaction."""
    stamp = deps.now()
    fired = 0
    due = {
        (i.get("type"), i.get("exchangeId") or i.get("returnId") or i.get("fulfilmentOrderId") or i["orderId"]): None
        for i in OrdersRepository(deps.table).with_timers_due(stamp)
    }
    for kind, entity_id in due:
        try:
            if kind == "return":  # an approved return's expiry
                fired += return_flow.expire_due(deps, entity_id)
            elif kind == "exchange":  # an advance exchange whose return should be back by now
                fired += exchanges.charge_due(deps, entity_id)
            elif kind == "order-timers":
                fired += _fire_order(deps, entity_id, datetime.fromisoformat(stamp))
            else:
                fired += _fire(deps, entity_id, datetime.fromisoformat(stamp))
        except (Conflict, NotFound, VersionMismatch) as exc:
            # Changed meanwhile, or its work cannot go anywhere now: the next run reads it again.
            logger.info("timer not fired", extra={"id": entity_id, "reason": str(exc)})
    return fired


def _fire_order(deps: Dependencies, order_id: str, now: datetime) -> int:
    """Fire the first timer due of an order's own workflow (a review nobody decided in time)."""
    uow = deps.uow()
    order = uow.orders.get(order_id)
    timer = next((t for t in sorted(order.workflow_timers, key=lambda t: t.due) if t.due <= now), None)
    if timer is None or order.workflow is None:
        return 0  # the index lagged behind a change that cancelled it
    order.drop_order_timer(timer.name, now=deps.now())
    pinned = deps.workflow(order.workflow, order.workflow_version)
    heard = is_current(timer, order.workflow_position) and timer.event in allowed_events(
        pinned, order.workflow_state or "", order.workflow_context()
    )
    if not heard:
        uow.commit()
        count("WorkflowTimersIgnored", timer=_kind(timer.name))
        return 0
    orders.run_event(deps, uow, order, timer.event, actor=f"{ACTOR}:{timer.name}")
    _count_fired(timer)
    return 1


def _fire(deps: Dependencies, fulfilment_order_id: str, now: datetime) -> int:
    """Fire the first timer due on one fulfilment order (others due too fire on the next run)."""
    uow = deps.uow()
    order, fo = fulfilment.load(uow, fulfilment_order_id)
    timer = next((t for t in sorted(fo.timers, key=lambda t: t.due) if t.due <= now), None)
    if timer is None:
        return 0  # the index lagged behind a change that cancelled it
    order.drop_timer(fulfilment_order_id, timer.name, now=deps.now())
    pinned = deps.workflow(fo.workflow, fo.workflow_version)
    report = FulfilmentReport(timer.event)
    heard = is_current(timer, fo.position)
    if heard:
        try:
            order.fulfilment_step(fo, pinned, report, now=deps.now())
        except Conflict:
            heard = False  # nothing there takes it now
    if not heard:
        uow.commit()
        count("WorkflowTimersIgnored", timer=_kind(timer.name))
        return 0
    fulfilment.run_event(deps, uow, order, fulfilment_order_id, report, actor=f"{ACTOR}:{timer.name}")
    _count_fired(timer)
    return 1


def _count_fired(timer: Timer) -> None:
    if timer.event == SLA_EVENT:
        count("SlaBreaches", state=timer.state)  # released: not accepted; ready_for_pickup: not collected
    else:
        count("WorkflowTimersFired", timer=_kind(timer.name))


def _kind(name: str) -> str:
    """A metric dimension with few values: `sla` for every state's SLA timer, else the timer's name."""
    return "sla" if name.startswith("sla:") else name
