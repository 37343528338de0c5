"""Orders in the single table: the header item, its events (history + outbox), and the read model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.adapters import keys, stock_repo
from chalicelib.adapters.dynamo import Item, Table, Write, put
from chalicelib.adapters.outbox import event_item_writes, recorded_events
from chalicelib.adapters.tasks_repo import TasksRepository
from chalicelib.domain.delivery import Delivery, DeliveryMethod
from chalicelib.domain.errors import Conflict, DomainError, NotFound, VersionMismatch
from chalicelib.domain.fulfilment.order import FulfilmentLine, FulfilmentOrder, FulfilmentStatus
from chalicelib.domain.money import Money
from chalicelib.domain.orders.lines import LineAllocation, LineStatus, OrderLine
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.refunds import Refund
from chalicelib.domain.orders.state import Customer, OrderStatus, Payment
from chalicelib.domain.tasks import Task


class AlreadyWritten(DomainError):
    """A retried write found its own earlier try already committed (the first answer was lost)."""


class OrdersRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ---- reads -------------------------------------------------------------------------------

    def load(self, order_id: str) -> tuple[Order, list[Item]]:
        """The order aggregate and every item of its partition, in one Query."""
        items = self.table.partition(keys.order_pk(order_id))
        header = next((i for i in items if i["SK"] == keys.ORDER_SK), None)
        if header is None:
            raise NotFound(f"no order {order_id!r}")
        order = order_from_item(header)
        order.fulfilment_orders = [
            fulfilment_order_from_item(i) for i in items if i["SK"].startswith(keys.FULFILMENT_PREFIX)
        ]
        return order, items

    def order_id_for(self, channel: str, external_id: str) -> str | None:
        found = self.table.get(keys.external_key(channel, external_id))
        return found["orderId"] if found else None

    # ---- writes ------------------------------------------------------------------------------

    def add(self, order: Order, *, daily_capacity: Mapping[str, int], day: str, with_stock: bool = True) -> list[Write]:
        """The writes that create an order: uniqueness per (channel, externalId), header, its
        fulfilment orders, stock reservations, daily capacity used, the tasks it opens, events.

        `with_stock=False` leaves the order's stock moves to the caller, who writes them merged
        with its own on the same items (a transaction touches an item once)."""
        name = self.table.name

        def exists(old: Item | None) -> DomainError:
            existing = old["orderId"] if old else None
            if existing == order.order_id:
                return AlreadyWritten(f"order {order.order_id} was written by an earlier try of this request")
            return Conflict(
                f"channel {order.channel} already has an order {order.external_id}",
                orderId=existing,
            )

        return [
            put(
                name,
                {
                    **keys.external_key(order.channel, order.external_id),
                    "type": "external",
                    "orderId": order.order_id,
                },
                condition="attribute_not_exists(PK)",
                on_condition_failed=exists,
            ),
            put(name, order_to_item(order), condition="attribute_not_exists(PK)"),
            *self._fulfilment_writes(order),
            *(self._stock_writes(order) if with_stock else []),
            *(
                stock_repo.use_capacity(self.table, loc, day, daily_capacity[loc])
                for loc in sorted(set(order.new_work_at))
                if loc in daily_capacity
            ),
            *self._task_writes(order),
            *self._event_writes(order),
        ]

    def save(
        self, order: Order, *, daily_capacity: Mapping[str, int] | None = None, day: str | None = None
    ) -> list[Write]:
        """The writes that store a changed order, refused if anyone changed it meanwhile; with
        `daily_capacity` and `day`, the new work it gives locations counts against their capacity."""

        def stale(old: Item | None) -> DomainError:
            return VersionMismatch(
                f"order {order.order_id} changed meanwhile (now version {old['version'] if old else '?'})",
                currentVersion=old["version"] if old else None,
            )

        return [
            put(
                self.table.name,
                order_to_item(order),
                condition="version = :v",
                values={":v": order.stored_version},
                on_condition_failed=stale,
            ),
            *self._fulfilment_writes(order),
            *self._stock_writes(order),
            *(
                stock_repo.use_capacity(self.table, loc, day, daily_capacity[loc])
                for loc in sorted(set(order.new_work_at))
                if daily_capacity is not None and day is not None and loc in daily_capacity
            ),
            *self._task_writes(order),
            *self._event_writes(order),
        ]

    def _task_writes(self, order: Order) -> list[Write]:
        tasks = TasksRepository(self.table)
        return [w for request in order.new_tasks for w in tasks.add(Task.opened(order.order_id, request))]

    def _fulfilment_writes(self, order: Order) -> list[Write]:
        # The order's version condition already serialises writers: the items need none of their own.
        return [
            put(self.table.name, fulfilment_order_to_item(order.order_id, fo))
            for fo in order.fulfilment_orders
            if fo.changed
        ]

    def _stock_writes(self, order: Order) -> list[Write]:
        totals: dict[tuple[str, str, str], int] = {}
        for change in order.stock_changes:
            key = (change.kind, change.sku, change.location_id)
            totals[key] = totals.get(key, 0) + change.quantity
        moves = {
            "reserve": stock_repo.reserve,
            "release": stock_repo.release,
            "take": stock_repo.take,
            "dispatch": stock_repo.dispatch,
        }
        return [moves[kind](self.table, sku, loc, qty) for (kind, sku, loc), qty in sorted(totals.items())]

    def _event_writes(self, order: Order) -> list[Write]:
        return event_item_writes(self.table, event_items(order))


def event_items(order: Order) -> list[Item]:
    """The events a change recorded, as items: its history, and its outbox until published."""
    return recorded_events(
        pk=keys.order_pk(order.order_id),
        aggregate_id=order.order_id,
        version=order.version,
        events=order.new_events,
        resource=f"order/{order.order_id}",
        orderId=order.order_id,
    )


def order_to_item(order: Order) -> Item:
    return {
        **keys.order_key(order.order_id),
        **keys.customer_index(order.customer.customer_id, order.placed_at, order.order_id),
        **keys.orders_by_channel_index(order.channel, order.created_at, order.order_id),
        **keys.status_index(order.status.value, order.created_at, order.order_id),
        "type": "order",
        "orderId": order.order_id,
        "channel": order.channel,
        "externalId": order.external_id,
        "customer": {
            "id": order.customer.customer_id,
            "email": order.customer.email,
            "name": order.customer.name,
            "phone": order.customer.phone,
        },
        "placedAt": order.placed_at,
        "storeId": order.store_id,
        "payment": {"status": order.payment.status, "amount": order.payment.amount.as_dict()},
        "delivery": order.delivery.as_dict() if order.delivery else None,
        "status": order.status.value,
        "version": order.version,
        "total": order.total.as_dict(),
        "createdAt": order.created_at,
        "updatedAt": order.updated_at,
        "lines": [
            {
                "lineId": ln.line_id,
                "sku": ln.sku,
                "quantity": ln.quantity,
                "cancelledQuantity": ln.cancelled_quantity,
                "unitPrice": ln.unit_price.as_dict(),
                "delivery": ln.delivery.as_dict(),
                "shipFrom": ln.ship_from,
                "status": ln.status.value,
                "backorderedQuantity": ln.backordered_quantity,
                "heldQuantity": ln.held_quantity,
                "holdTaskId": ln.hold_task_id,
                "allocations": [
                    {"fulfilmentOrderId": a.fulfilment_order_id, "locationId": a.location_id, "quantity": a.quantity}
                    for a in ln.allocations
                ],
            }
            for ln in order.lines
        ],
        "refunds": [
            {"refundId": r.refund_id, "amount": r.amount.as_dict(), "status": r.status, "reason": r.reason}
            for r in order.refunds
        ],
    }


def order_from_item(item: Item) -> Order:
    c = item["customer"]
    return Order(
        order_id=item["orderId"],
        channel=item["channel"],
        external_id=item["externalId"],
        customer=Customer(c["id"], c.get("email"), c.get("name"), c.get("phone")),
        placed_at=item["placedAt"],
        store_id=item.get("storeId"),
        payment=Payment(item["payment"]["status"], Money.from_dict(item["payment"]["amount"])),
        delivery=Delivery.from_dict(item["delivery"]) if item.get("delivery") else None,
        status=OrderStatus(item["status"]),
        version=item["version"],
        stored_version=item["version"],
        created_at=item["createdAt"],
        updated_at=item["updatedAt"],
        lines=[
            OrderLine(
                line_id=ln["lineId"],
                sku=ln["sku"],
                quantity=ln["quantity"],
                cancelled_quantity=ln.get("cancelledQuantity", 0),
                unit_price=Money.from_dict(ln["unitPrice"]),
                delivery=Delivery.from_dict(ln["delivery"]),
                ship_from=ln.get("shipFrom"),
                status=LineStatus(ln["status"]),
                backordered_quantity=ln.get("backorderedQuantity", 0),
                held_quantity=ln.get("heldQuantity", 0),
                hold_task_id=ln.get("holdTaskId"),
                allocations=[
                    LineAllocation(a["fulfilmentOrderId"], a["locationId"], a["quantity"])
                    for a in ln.get("allocations", [])
                ],
            )
            for ln in item["lines"]
        ],
        refunds=[
            Refund(r["refundId"], Money.from_dict(r["amount"]), r["status"], r["reason"])
            for r in item.get("refunds", [])
        ],
    )


def fulfilment_order_to_item(order_id: str, fo: FulfilmentOrder) -> Item:
    return {
        "PK": keys.order_pk(order_id),
        "SK": keys.fulfilment_sk(fo.fulfilment_order_id),
        **keys.work_queue_index(fo.location_id, fo.status.value, fo.created_at, fo.fulfilment_order_id),
        "type": "fulfilment-order",
        "fulfilmentOrderId": fo.fulfilment_order_id,
        "orderId": order_id,
        "locationId": fo.location_id,
        "method": fo.method.value,
        "destination": fo.destination,
        "status": fo.status.value,
        "lines": [{"lineId": ln.line_id, "sku": ln.sku, "quantity": ln.quantity} for ln in fo.lines],
        "rule": fo.rule,
        "version": fo.version,
        "createdAt": fo.created_at,
        "updatedAt": fo.updated_at,
        **({"tracking": fo.tracking} if fo.tracking is not None else {}),
    }


def fulfilment_order_from_item(item: Item) -> FulfilmentOrder:
    return FulfilmentOrder(
        fulfilment_order_id=item["fulfilmentOrderId"],
        location_id=item["locationId"],
        method=DeliveryMethod(item["method"]),
        destination=item["destination"],
        status=FulfilmentStatus(item["status"]),
        lines=[FulfilmentLine(ln["lineId"], ln["sku"], ln["quantity"]) for ln in item["lines"]],
        created_at=item["createdAt"],
        updated_at=item["updatedAt"],
        rule=item.get("rule", ""),
        version=item["version"],
        tracking=item.get("tracking"),
    )


_HIDDEN = {"PK", "SK", "type", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK"}


def order_view(items: list[Item]) -> dict[str, Any]:
    """The whole order as the API shows it, from the items of its partition."""
    header = next(i for i in items if i["SK"] == keys.ORDER_SK)
    view = {k: v for k, v in header.items() if k not in _HIDDEN and v is not None}
    fulfilment = sorted((i for i in items if i["SK"].startswith(keys.FULFILMENT_PREFIX)), key=lambda i: i["SK"])
    view["fulfilmentOrders"] = [public_view(i) for i in fulfilment]
    view["returns"] = [public_view(i) for i in items if i["SK"].startswith(keys.RETURN_PREFIX)]
    view["history"] = [
        {"at": i["at"], "type": i["eventType"], "actor": i["actor"], "detail": i["detail"]}
        for i in items
        if i["SK"].startswith(keys.EVENT_PREFIX)
    ]
    return view


def view_after_change(order: Order, earlier: Sequence[Item] = ()) -> dict[str, Any]:
    """The order as just written: what was read before, the new header, the new events. No read-back."""
    kept = [i for i in earlier if i["SK"] != keys.ORDER_SK and not i["SK"].startswith(keys.FULFILMENT_PREFIX)]
    fulfilment = [fulfilment_order_to_item(order.order_id, fo) for fo in order.fulfilment_orders]
    return order_view([order_to_item(order), *fulfilment, *kept, *event_items(order)])


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
    }


def public_view(item: Item) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _HIDDEN}
