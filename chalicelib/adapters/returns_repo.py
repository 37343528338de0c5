"""Returns in the single table: one item each in its order's partition (`keys.return_key`), in its
location's queue (GSI1 RETURNS#<location>#<status>) and, while a timer is pending, in the sparse
due-index fulfilment orders' timers use (GSI3 TIMERS#<shard>). Its events are its order's (the
order records them, in the same transaction)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Item, Table, Write
from chalicelib.adapters.orders_repo import order_from_partition, public_view, timers_from_item, timers_to_item
from chalicelib.adapters.outbox import aggregate_writes
from chalicelib.adapters.tracked import TrackedRepository
from chalicelib.domain.errors import DomainError, NotFound, VersionMismatch
from chalicelib.domain.orders.order import Order
from chalicelib.domain.returns.return_ import Return, ReturnItem
from chalicelib.domain.timestamps import iso
from chalicelib.domain.workflows import Category
from chalicelib.service.ids import order_of_return


class ReturnsRepository(TrackedRepository[Return]):
    def get(self, return_id: str) -> Return:
        """One return (a GetItem: its id names its order's partition)."""
        order_id = order_of_return(return_id)
        if order_id is None:
            raise NotFound(f"no return {return_id!r}")
        return self._one(keys.return_key(order_id, return_id), return_from_item, missing=f"no return {return_id!r}")

    def of_order(self, order_id: str) -> tuple[Order, list[Return]]:
        """An order and its returns, both tracked: one Query of its partition."""
        items = self.table.partition(keys.order_pk(order_id))
        order = order_from_partition(order_id, items)
        returns = [return_from_item(i) for i in items if i["SK"].startswith(keys.RETURN_PREFIX)]
        self._track(order)  # type: ignore[arg-type]  # the unit of work tracks every kind
        return order, [self._track(r) for r in returns]

    def with_order(self, return_id: str) -> tuple[Order, Return]:
        """A return and its order, both tracked: one Query."""
        order_id = order_of_return(return_id)
        if order_id is not None:
            try:
                order, returns = self.of_order(order_id)
            except NotFound:
                returns = []
            found = next((r for r in returns if r.return_id == return_id), None)
            if found is not None:
                return order, found
        raise NotFound(f"no return {return_id!r}")


def writes(table: Table, ret: Return) -> list[Write]:
    """A new return, or a changed one on the version it was read at (its order's version condition
    serialises changes anyway: both change together)."""

    def stale(old: Item | None) -> DomainError:
        current = old["version"] if old else None
        return VersionMismatch(f"return {ret.return_id} changed meanwhile", currentVersion=current)

    return aggregate_writes(table, ret, return_to_item(ret), [], stale=stale)


def return_to_item(r: Return) -> Item:
    return {
        **keys.return_key(r.order_id, r.return_id),
        **keys.returns_at_index(r.location_id, r.status, r.created_at, r.return_id),
        **(keys.timer_index(r.return_id, min(iso(t.due) for t in r.timers)) if r.timers else {}),
        "type": "return",
        "returnId": r.return_id,
        "orderId": r.order_id,
        "channel": r.channel,
        "status": r.status,
        "category": r.category.value,
        "workflow": r.workflow,
        "workflowVersion": r.workflow_version,
        "entry": r.entry,
        "timers": timers_to_item(r.timers),
        "returnTo": {"locationId": r.return_to},
        "receivedAt": {"locationId": r.received_at} if r.received_at else None,
        "lines": [
            {
                "lineId": ln.line_id,
                "sku": ln.sku,
                "quantity": ln.quantity,
                "reason": ln.reason,
                "merchantFault": ln.merchant_fault,
                "receivedQuantity": ln.received,
                "refundedQuantity": ln.refunded,
                "dispositions": ln.dispositions,
            }
            for ln in r.lines
        ],
        "authorized": r.authorized,
        "reasons": r.reasons or None,
        "refundMethod": r.refund_method,
        "refundTiming": r.refund_timing,
        "refundIds": r.refund_ids,
        "tracking": r.tracking,
        "createdBy": r.created_by,
        "version": r.version,
        "createdAt": r.created_at,
        "updatedAt": r.updated_at,
    }


def return_from_item(item: Item) -> Return:
    return Return(
        return_id=item["returnId"],
        order_id=item["orderId"],
        channel=item["channel"],
        return_to=item["returnTo"]["locationId"],
        lines=[
            ReturnItem(
                ln["lineId"],
                ln["sku"],
                int(ln["quantity"]),
                ln["reason"],
                bool(ln["merchantFault"]),
                int(ln.get("receivedQuantity", 0)),
                int(ln.get("refundedQuantity", 0)),
                {k: int(v) for k, v in ln.get("dispositions", {}).items()},
            )
            for ln in item["lines"]
        ],
        workflow=item["workflow"],
        workflow_version=int(item["workflowVersion"]),
        created_at=item["createdAt"],
        updated_at=item["updatedAt"],
        created_by=item["createdBy"],
        refund_method=item["refundMethod"],
        refund_timing=item["refundTiming"],
        status=item["status"],
        category=Category(item["category"]),
        entry=int(item["entry"]),
        timers=timers_from_item(item),
        authorized=bool(item.get("authorized")),
        received_at=item["receivedAt"]["locationId"] if item.get("receivedAt") else None,
        reasons=list(item.get("reasons") or []),
        refund_ids=list(item.get("refundIds", [])),
        tracking=item.get("tracking"),
        version=int(item["version"]),
        stored_version=int(item["version"]),
    )


def return_view(item: Item) -> dict[str, Any]:
    """A return as the API shows it."""
    return public_view(item)
