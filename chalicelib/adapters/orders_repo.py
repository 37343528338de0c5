"""Orders in the single table: the header item, its events (history + outbox), and the read model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Item, Table, Write, put
from chalicelib.adapters.items import attributes, optional, required
from chalicelib.adapters.money_items import (
    line_money,
    line_money_item,
    order_money,
    order_money_item,
    refund_from_item,
    refund_item,
)
from chalicelib.adapters.outbox import aggregate_writes, recorded_events
from chalicelib.adapters.tracked import TrackedRepository
from chalicelib.domain.delivery import Delivery, DeliveryMethod
from chalicelib.domain.errors import Conflict, DomainError, NotFound, VersionMismatch
from chalicelib.domain.events import Event
from chalicelib.domain.fulfilment.order import FulfilmentLine, FulfilmentOrder, FulfilmentStatus
from chalicelib.domain.fulfilment.workflow import built_in
from chalicelib.domain.money import Money
from chalicelib.domain.orders.lines import LineAllocation, LineStatus, OrderLine
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.state import Customer, OrderStatus, Payment
from chalicelib.domain.timestamps import iso
from chalicelib.domain.workflows import Category, Timer


class AlreadyWritten(DomainError):
    """A retried write found its own earlier try already committed (the first answer was lost)."""


class OrdersRepository(TrackedRepository[Order]):
    """Orders as the unit of work reads them: one Query for the whole order, tracked for its commit."""

    def get(self, order_id: str) -> Order:
        """The order with its fulfilment orders and history: every item of its partition, one Query."""
        return self._track(order_from_partition(order_id, self.table.partition(keys.ORDERS.pk(order_id))))

    def with_records(self, order_id: str) -> tuple[Order, dict[str, list[dict[str, Any]]]]:
        """The order (tracked) and the records of its own kept beside it (`RECORDS`), as the API
        shows them: the same one Query."""
        items = self.table.partition(keys.ORDERS.pk(order_id))
        return self._track(order_from_partition(order_id, items)), records_view(items)

    def id_for(self, channel: str, external_id: str) -> str | None:
        found = self.table.get(keys.external_key(channel, external_id))
        return found["orderId"] if found else None

    def with_timers_due(self, now: str) -> Iterator[Item]:
        """Fulfilment orders and returns with a workflow timer due by `now`, from the sparse index
        (which may lag: the order, read again, has the last word)."""
        return self.table.due(keys.TIMERS.partitions(), now)


# An order's own records kept in its partition beside it, shown on the order's answer: the prefix of
# their sort key -> the answer's field.
RECORDS: dict[str, str] = {
    keys.RETURN_PREFIX: "returns",
    keys.EXCHANGE_PREFIX: "exchanges",
    keys.CLAIM_PREFIX: "claims",
}


def records_view(items: list[Item]) -> dict[str, list[dict[str, Any]]]:
    """The order's records among its partition's `items`, by the answer's field (kinds with none left out)."""
    shown: dict[str, list[dict[str, Any]]] = {}
    for item in sorted(items, key=lambda i: str(i["SK"])):
        field = next((f for prefix, f in RECORDS.items() if item["SK"].startswith(prefix)), None)
        if field is not None:
            shown.setdefault(field, []).append(public_view(item))
    return shown


def order_from_partition(order_id: str, items: list[Item]) -> Order:
    """The order from the items of its partition: header, fulfilment orders, history."""
    header = next((i for i in items if i["SK"] == keys.ORDERS.header), None)
    if header is None:
        raise NotFound(f"no order {order_id!r}")
    order = order_from_item(header)
    order.fulfilment_orders = [
        fulfilment_order_from_item(i)
        for i in sorted(items, key=lambda i: str(i["SK"]))
        if i["SK"].startswith(keys.FULFILMENT_PREFIX)
    ]
    order.history = [
        Event(i["eventType"], i["actor"], i["at"], i["detail"]) for i in items if i["SK"].startswith(keys.EVENT_PREFIX)
    ]
    timers = next((i for i in items if i["SK"] == keys.ORDER_TIMERS_SK), None)
    order.workflow_timers = timers_from_item(timers) if timers else []
    return order


def timers_to_item(timers: list[Timer]) -> list[Item]:
    return [{"name": t.name, "due": iso(t.due), "event": t.event, "state": t.state, "entry": t.entry} for t in timers]


def timers_from_item(item: Item) -> list[Timer]:
    return [
        Timer(t["name"], datetime.fromisoformat(t["due"]), t["event"], t["state"], int(t["entry"]))
        for t in item.get("timers", [])
    ]


def order_timers_item(order: Order) -> Item:
    """The order's own workflow timers, in the sparse due-index by the first one due (none: out of it)."""
    first = min((iso(t.due) for t in order.workflow_timers), default=None)
    return {
        "PK": keys.ORDERS.pk(order.order_id),
        "SK": keys.ORDER_TIMERS_SK,
        **(keys.TIMERS.index(order.order_id, first) if first else {}),
        "type": "order-timers",
        "orderId": order.order_id,
        "timers": timers_to_item(order.workflow_timers),
    }


def writes(table: Table, order: Order) -> list[Write]:
    """A new order (unique per channel and external id) or a changed one (on its version), its
    changed fulfilment orders and its events. Its stock, capacity and tasks are the unit of work's."""
    # The order's version condition serialises writers: its fulfilment orders need none of their own.
    fulfilment = [
        put(table.name, fulfilment_order_to_item(order.order_id, fo)) for fo in order.fulfilment_orders if fo.changed
    ]
    if order.timers_changed:
        fulfilment.append(put(table.name, order_timers_item(order)))

    def stale(old: Item | None) -> DomainError:
        return VersionMismatch(
            f"order {order.order_id} changed meanwhile (now version {old['version'] if old else '?'})",
            currentVersion=old["version"] if old else None,
        )

    own = aggregate_writes(table, order, order_to_item(order), event_items(order), stale=stale)
    if not order.is_new:
        return [*own, *fulfilment]

    def exists(old: Item | None) -> DomainError:
        existing = old["orderId"] if old else None
        if existing == order.order_id:
            return AlreadyWritten(f"order {order.order_id} was written by an earlier try of this request")
        return Conflict(f"channel {order.channel} already has an order {order.external_id}", orderId=existing)

    unique = put(
        table.name,
        {**keys.external_key(order.channel, order.external_id), "type": "external", "orderId": order.order_id},
        condition="attribute_not_exists(PK)",
        on_condition_failed=exists,
    )
    return [unique, *own, *fulfilment]


def event_items(order: Order) -> list[Item]:
    """The events a change recorded, as items: its history, and its outbox until published."""
    return recorded_events(order, pk=keys.ORDERS.pk(order.order_id), kind="order", orderId=order.order_id)


def order_to_item(order: Order) -> Item:
    return {
        **keys.ORDERS.key(order.order_id),
        **keys.customer_index(order.customer.customer_id, order.placed_at, order.order_id),
        **keys.orders_by_channel_index(order.channel, order.created_at, order.order_id),
        **keys.status_index(order.status.value, order.created_at, order.order_id),
        "type": "order",
        **attributes(order, "order_id channel external_id"),
        "customer": {"id": order.customer.customer_id, **attributes(order.customer, "email name phone")},
        **attributes(order, "placed_at store_id"),
        "payment": {"status": order.payment.status, "amount": order.payment.amount.as_dict()},
        "delivery": order.delivery.as_dict() if order.delivery else None,
        **order_money_item(order),
        "status": order.status.value,
        **_workflow_fields(order),
        "version": order.version,
        "total": order.total.as_dict(),
        **attributes(order, "created_at updated_at"),
        "lines": [
            {
                **attributes(ln, "line_id sku quantity cancelled_quantity"),
                "unitPrice": ln.unit_price.as_dict(),
                "delivery": ln.delivery.as_dict(),
                "shipFrom": ln.ship_from,
                "status": ln.status.value,
                **attributes(ln, "backordered_quantity held_quantity hold_task_id"),
                "allocations": [attributes(a, "fulfilment_order_id location_id quantity") for a in ln.allocations],
                **line_money_item(order, ln),
            }
            for ln in order.lines
        ],
        "refunds": [refund_item(r) for r in order.refunds],
        "records": order.records,
    }


def _workflow_fields(order: Order) -> Item:
    """The order's own workflow, when it follows one (most orders do not)."""
    if order.workflow is None:
        return {}
    return {
        "workflow": order.workflow,
        "workflowVersion": order.workflow_version,
        "workflowState": order.workflow_state,
        "workflowCategory": order.workflow_category.value if order.workflow_category else None,
        "workflowEntry": order.workflow_entry,
    }


def order_from_item(item: Item) -> Order:
    c = item["customer"]
    paid = item["payment"]["status"] == "paid"
    return Order(
        **required(item, "order_id channel external_id placed_at version created_at updated_at"),
        **optional(item, "store_id workflow workflow_state"),
        customer=Customer(c["id"], c.get("email"), c.get("name"), c.get("phone")),
        payment=Payment(item["payment"]["status"], Money.from_dict(item["payment"]["amount"])),
        delivery=Delivery.from_dict(item["delivery"]) if item.get("delivery") else None,
        **order_money(item),
        status=OrderStatus(item["status"]),
        workflow_version=int(item.get("workflowVersion", 0)),
        workflow_category=Category(item["workflowCategory"]) if item.get("workflowCategory") else None,
        workflow_entry=int(item.get("workflowEntry", 0)),
        stored_version=item["version"],
        lines=[
            OrderLine(
                **required(ln, "line_id sku quantity"),
                **optional(ln, "ship_from hold_task_id"),
                cancelled_quantity=ln.get("cancelledQuantity", 0),
                unit_price=Money.from_dict(ln["unitPrice"]),
                delivery=Delivery.from_dict(ln["delivery"]),
                status=LineStatus(ln["status"]),
                backordered_quantity=ln.get("backorderedQuantity", 0),
                held_quantity=ln.get("heldQuantity", 0),
                allocations=[
                    LineAllocation(a["fulfilmentOrderId"], a["locationId"], a["quantity"])
                    for a in ln.get("allocations", [])
                ],
                **line_money(ln, paid=paid),
            )
            for ln in item["lines"]
        ],
        refunds=[refund_from_item(r) for r in item.get("refunds", [])],
        records={kind: dict(statuses) for kind, statuses in item.get("records", {}).items()},
    )


def fulfilment_order_to_item(order_id: str, fo: FulfilmentOrder) -> Item:
    return {
        "PK": keys.ORDERS.pk(order_id),
        "SK": keys.fulfilment_sk(fo.fulfilment_order_id),
        **keys.WORK_QUEUE.index(fo.location_id, fo.status, fo.created_at, fo.fulfilment_order_id),
        **(keys.TIMERS.index(fo.fulfilment_order_id, min(iso(t.due) for t in fo.timers)) if fo.timers else {}),
        "type": "fulfilment-order",
        "fulfilmentOrderId": fo.fulfilment_order_id,
        "orderId": order_id,
        "locationId": fo.location_id,
        "method": fo.method.value,
        **attributes(fo, "destination status"),
        "category": fo.category.value,
        **attributes(fo, "workflow workflow_version entry"),
        "timers": timers_to_item(fo.timers),
        "lines": [attributes(ln, "line_id sku quantity") for ln in fo.lines],
        **attributes(fo, "rule version created_at updated_at"),
        **({"tracking": fo.tracking} if fo.tracking is not None else {}),
        **({"stockTaken": True} if fo.stock_taken else {}),
    }


def fulfilment_order_from_item(item: Item) -> FulfilmentOrder:
    fo = FulfilmentOrder(
        **required(item, "fulfilment_order_id location_id destination status created_at updated_at version"),
        method=DeliveryMethod(item["method"]),
        lines=[FulfilmentLine(ln["lineId"], ln["sku"], ln["quantity"]) for ln in item["lines"]],
        workflow=item.get("workflow", ""),
        workflow_version=int(item.get("workflowVersion", 0)),
        entry=int(item.get("entry", 0)),
        timers=timers_from_item(item),
        rule=item.get("rule", ""),
        tracking=item.get("tracking"),
        stock_taken=bool(item.get("stockTaken", False)),
    )
    if "category" in item:
        fo.category = Category(item["category"])
    else:  # stored before workflows were data: the built-in one of its flow, as it was then
        pinned = built_in(fo).definition
        state = pinned.state(fo.status)
        carried_out = fo.status == FulfilmentStatus.COLLECTED  # a carry-out's, under the home flow
        fo.workflow = pinned.id
        fo.category = state.category if state else Category.DONE if carried_out else Category.CANCELLED
    return fo


_HIDDEN = {
    "PK",
    "SK",
    "type",
    "entry",
    "workflowEntry",
    "stockTaken",
    "GSI1PK",
    "GSI1SK",
    "GSI2PK",
    "GSI2SK",
    "GSI3PK",
    "GSI3SK",
}


def order_view(order: Order) -> dict[str, Any]:
    """The whole order as the API shows it: header, fulfilment orders, history (with this change's)."""
    view = public_view(order_to_item(order))
    paid = sum((r.amount.amount for r in order.refunds if r.paid), Decimal("0.00"))
    view["refundsPaid"] = Money(paid, order.payment.amount.currency).as_dict()
    view["fulfilmentOrders"] = [fulfilment_order_view(order.order_id, fo) for fo in order.fulfilment_orders]
    view["history"] = [
        {"at": e.at, "type": e.type, "actor": e.actor, "detail": e.detail} for e in [*order.history, *order.new_events]
    ]
    return view


def fulfilment_order_view(order_id: str, fo: FulfilmentOrder) -> dict[str, Any]:
    return public_view(fulfilment_order_to_item(order_id, fo))


def order_summary(header: Item) -> dict[str, Any]:
    return {
        "orderId": header["orderId"],
        "channel": header["channel"],
        "externalId": header["externalId"],
        "customerId": header["customer"]["id"],
        "placedAt": header["placedAt"],
        "status": header["status"],
        "version": header["version"],
        "total": header["total"],
        "storeId": header.get("storeId"),
        "refunds": header.get("refunds", []),
        "records": header.get("records", {}),
    }


def public_view(item: Item) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _HIDDEN and v is not None}
