"""Returns in the single table: one item each in its order's partition (`keys.return_key`), in its
location's queue (GSI1 RETURNS#<location>#<status>) and, while a timer is pending, in the sparse
due-index fulfilment orders' timers use (GSI3 TIMERS#<shard>). Its events are its order's (the
order records them, in the same transaction)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Item, Table, Write
from chalicelib.adapters.items import attributes, optional, required
from chalicelib.adapters.orders_repo import order_from_partition, public_view, timers_from_item, timers_to_item
from chalicelib.adapters.outbox import aggregate_writes
from chalicelib.adapters.tracked import TrackedRepository
from chalicelib.domain.errors import DomainError, NotFound, VersionMismatch
from chalicelib.domain.orders.order import Order
from chalicelib.domain.returns.claim import Claim, ClaimKind, ClaimLine, Resolution
from chalicelib.domain.returns.exchange import Exchange, ExchangeMode, ExchangeStatus
from chalicelib.domain.returns.return_ import Return, ReturnItem
from chalicelib.domain.timestamps import iso
from chalicelib.domain.workflows import Category
from chalicelib.service.ids import order_of_claim, order_of_exchange, order_of_return


class ReturnsRepository(TrackedRepository[Return]):
    def get(self, return_id: str) -> Return:
        """One return (a GetItem: its id names its order's partition)."""
        order_id = order_of_return(return_id)
        if order_id is None:
            raise NotFound(f"no return {return_id!r}")
        return self._one(keys.return_key(order_id, return_id), return_from_item, missing=f"no return {return_id!r}")

    def of_order(self, order_id: str) -> tuple[Order, list[Return]]:
        """An order and its returns, both tracked: one Query of its partition."""
        order, returns, _ = self.partition(order_id)
        return order, returns

    def partition(self, order_id: str) -> tuple[Order, list[Return], list[Exchange]]:
        """An order, its returns and its exchanges, all tracked: one Query of its partition."""
        items = self.table.partition(keys.ORDERS.pk(order_id))
        order = order_from_partition(order_id, items)
        returns = [return_from_item(i) for i in items if i["SK"].startswith(keys.RETURN_PREFIX)]
        exchanges = [exchange_from_item(i) for i in items if i["SK"].startswith(keys.EXCHANGE_PREFIX)]
        self._track(order)  # type: ignore[arg-type]  # the unit of work tracks every kind
        for exchange in exchanges:
            self._track(exchange)  # type: ignore[arg-type]
        return order, [self._track(r) for r in returns], exchanges

    def claims_of(self, order_id: str) -> tuple[Order, list[Claim]]:
        """An order and its claims, both tracked: one Query of its partition."""
        items = self.table.partition(keys.ORDERS.pk(order_id))
        order = order_from_partition(order_id, items)
        self._track(order)  # type: ignore[arg-type]  # the unit of work tracks every kind
        return order, [claim_from_item(i) for i in items if i["SK"].startswith(keys.CLAIM_PREFIX)]

    def claim(self, claim_id: str) -> Claim:
        """One claim (a GetItem: its id names its order's partition)."""
        order_id = order_of_claim(claim_id)
        if order_id is None:
            raise NotFound(f"no claim {claim_id!r}")
        item = self.table.get(keys.claim_key(order_id, claim_id))
        if item is None:
            raise NotFound(f"no claim {claim_id!r}")
        return claim_from_item(item)

    def with_order(self, return_id: str) -> tuple[Order, Return]:
        """A return and its order, both tracked: one Query."""
        order, ret, _ = self.with_exchange(return_id)
        return order, ret

    def with_exchange(self, return_id: str) -> tuple[Order, Return, Exchange | None]:
        """A return, its order and the exchange it is part of (if any), all tracked: one Query."""
        missing = NotFound(f"no return {return_id!r}")
        order, returns, exchanges = self._partition_of(order_of_return(return_id), missing)
        ret = next((r for r in returns if r.return_id == return_id), None)
        if ret is None:
            raise missing
        return order, ret, next((e for e in exchanges if e.return_id == return_id), None)

    def exchange(self, exchange_id: str) -> tuple[Order, Return, Exchange]:
        """An exchange, its order and its return, all tracked: one Query."""
        missing = NotFound(f"no exchange {exchange_id!r}")
        order, returns, exchanges = self._partition_of(order_of_exchange(exchange_id), missing)
        found = next((e for e in exchanges if e.exchange_id == exchange_id), None)
        if found is None:
            raise missing
        return order, next(r for r in returns if r.return_id == found.return_id), found

    def _partition_of(self, order_id: str | None, missing: NotFound) -> tuple[Order, list[Return], list[Exchange]]:
        """The partition of the order an id names (ids carry their order's), or `missing`."""
        if order_id is None:
            raise missing
        try:
            return self.partition(order_id)
        except NotFound:
            raise missing from None


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
        **keys.RETURNS_AT.index(r.location_id, r.status, r.created_at, r.return_id),
        **(keys.TIMERS.index(r.return_id, min(iso(t.due) for t in r.timers)) if r.timers else {}),
        "type": "return",
        **attributes(r, "return_id order_id channel status"),
        "category": r.category.value,
        **attributes(r, "workflow workflow_version entry"),
        "timers": timers_to_item(r.timers),
        "returnTo": {"locationId": r.return_to},
        "receivedAt": {"locationId": r.received_at} if r.received_at else None,
        "lines": [
            {
                **attributes(ln, "line_id sku quantity reason merchant_fault"),
                "receivedQuantity": ln.received,
                "refundedQuantity": ln.refunded,
                "dispositions": ln.dispositions,
            }
            for ln in r.lines
        ],
        "authorized": r.authorized,
        "reasons": r.reasons or None,
        **attributes(r, "refund_method refund_timing refund_ids tracking"),
        "exchange": {"exchangeId": r.exchange_id, "credit": str(r.exchange_credit)} if r.exchange_id else None,
        **attributes(r, "created_by version created_at updated_at"),
    }


def return_from_item(item: Item) -> Return:
    return Return(
        **required(item, "return_id order_id channel workflow created_at updated_at created_by"),
        **required(item, "refund_method refund_timing status"),
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
        workflow_version=int(item["workflowVersion"]),
        category=Category(item["category"]),
        entry=int(item["entry"]),
        timers=timers_from_item(item),
        authorized=bool(item.get("authorized")),
        received_at=item["receivedAt"]["locationId"] if item.get("receivedAt") else None,
        reasons=list(item.get("reasons") or []),
        refund_ids=list(item.get("refundIds", [])),
        tracking=item.get("tracking"),
        exchange_id=item["exchange"]["exchangeId"] if item.get("exchange") else None,
        exchange_credit=Decimal(item["exchange"]["credit"]) if item.get("exchange") else Decimal("0.00"),
        version=int(item["version"]),
        stored_version=int(item["version"]),
    )


def return_view(item: Item) -> dict[str, Any]:
    """A return as the API shows it."""
    return public_view(item)


def exchange_writes(table: Table, exchange: Exchange) -> list[Write]:
    """A new exchange, or a changed one on the version it was read at."""

    def stale(old: Item | None) -> DomainError:
        current = old["version"] if old else None
        return VersionMismatch(f"exchange {exchange.exchange_id} changed meanwhile", currentVersion=current)

    return aggregate_writes(table, exchange, exchange_to_item(exchange), [], stale=stale)


def exchange_to_item(e: Exchange) -> Item:
    money = {"currency": e.currency}
    return {
        **keys.exchange_key(e.order_id, e.exchange_id),
        **(keys.TIMERS.index(e.exchange_id, iso(e.charge_due)) if e.charge_due else {}),
        "type": "exchange",
        **attributes(e, "exchange_id order_id channel return_id replacement_order_id"),
        "mode": e.mode.value,
        "status": e.status.value,
        "newItemsPrice": {"amount": str(e.new_price), **money},
        "returnedValue": {"amount": str(e.returned_value), **money},
        "priceDifference": {"amount": str(e.price_difference), **money},
        "charged": {"amount": str(e.charged), **money} if e.charged is not None else None,
        **attributes(e, "paid released received charge_returned"),
        "chargeDue": iso(e.charge_due) if e.charge_due else None,
        **attributes(e, "created_by version created_at updated_at"),
    }


def exchange_from_item(item: Item) -> Exchange:
    charged = item.get("charged")
    return Exchange(
        **required(item, "exchange_id order_id channel return_id replacement_order_id"),
        **required(item, "created_at updated_at created_by"),
        mode=ExchangeMode(item["mode"]),
        new_price=Decimal(item["newItemsPrice"]["amount"]),
        returned_value=Decimal(item["returnedValue"]["amount"]),
        currency=item["newItemsPrice"]["currency"],
        paid=bool(item["paid"]),
        released=bool(item["released"]),
        received=bool(item["received"]),
        charged=Decimal(charged["amount"]) if charged else None,
        charge_due=datetime.fromisoformat(item["chargeDue"]) if item.get("chargeDue") else None,
        charge_returned=bool(item.get("chargeReturned", False)),  # absent on exchanges stored before
        cancelled=item["status"] == ExchangeStatus.CANCELLED,  # its status says it, once and for all
        version=int(item["version"]),
        stored_version=int(item["version"]),
    )


def claim_writes(table: Table, claim: Claim) -> list[Write]:
    """A new claim (claims do not change once made)."""
    return aggregate_writes(table, claim, claim_to_item(claim), [], stale=lambda _old: NotFound(claim.claim_id))


def claim_to_item(c: Claim) -> Item:
    return {
        **keys.claim_key(c.order_id, c.claim_id),
        "type": "claim",
        **attributes(c, "claim_id order_id channel"),
        "lines": [{**attributes(ln, "line_id sku quantity"), "kind": ln.kind.value} for ln in c.lines],
        "resolution": c.resolution.value,
        **attributes(c, "refund_id replacement_order_id created_by version created_at"),
    }


def claim_from_item(item: Item) -> Claim:
    return Claim(
        **required(item, "claim_id order_id channel created_at created_by"),
        **optional(item, "refund_id replacement_order_id"),
        lines=tuple(
            ClaimLine(ln["lineId"], ln["sku"], int(ln["quantity"]), ClaimKind(ln["kind"])) for ln in item["lines"]
        ),
        resolution=Resolution(item["resolution"]),
        version=int(item["version"]),
        stored_version=int(item["version"]),
    )
