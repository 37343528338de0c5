"""The locations' side of fulfilment: a store's or DC's work queue, and one fulfilment order."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Table
from chalicelib.adapters.orders_repo import OrdersRepository, public_view
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Forbidden, Invalid, NotFound
from chalicelib.domain.orders import FulfilmentStatus
from chalicelib.service.ids import order_of_fulfilment_order

MAX_PAGE = 100


def work_queue(
    table: Table, principal: Principal, *, location_id: str | None, status: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    """One location's fulfilment orders in one status, oldest first: one Query a page."""
    if principal.kind in ("store", "dc"):
        if location_id not in (None, principal.scope):
            raise Forbidden(f"a {principal.role} token sees the work of {principal.scope} only")
        location_id = principal.scope
    else:
        principal.require("admin", "ops", "cs")
    if not location_id:
        raise Invalid("locationId is required", errors=[{"loc": ["query", "locationId"], "msg": "required"}])
    status = status or FulfilmentStatus.RELEASED.value
    if status not in {s.value for s in FulfilmentStatus}:
        raise Invalid(f"unknown status {status!r}", errors=[{"loc": ["query", "status"], "msg": "unknown status"}])
    items, next_cursor = table.query_index(
        "GSI1", keys.work_queue_pk(location_id, status), limit=limit, cursor=cursor, newest_first=False
    )
    return {"items": [public_view(i) for i in items], "nextCursor": next_cursor}


def get_fulfilment_order(table: Table, fulfilment_order_id: str, principal: Principal) -> dict[str, Any]:
    """One fulfilment order, from its order's partition (its id names the order): one Query."""
    order_id = order_of_fulfilment_order(fulfilment_order_id)
    if order_id is None:
        raise NotFound(f"no fulfilment order {fulfilment_order_id!r}")
    try:
        _, items = OrdersRepository(table).load(order_id)
    except NotFound:
        raise NotFound(f"no fulfilment order {fulfilment_order_id!r}") from None
    found = next((i for i in items if i["SK"] == keys.fulfilment_sk(fulfilment_order_id)), None)
    if found is None:
        raise NotFound(f"no fulfilment order {fulfilment_order_id!r}")
    header = next(i for i in items if i["SK"] == keys.ORDER_SK)
    if principal.kind in ("store", "dc"):
        if found["locationId"] != principal.scope:
            raise Forbidden(f"fulfilment order {fulfilment_order_id} is not the work of {principal.scope}")
    else:
        principal.may_see_order(header)
    return public_view(found)
