"""Reservations in the single table: the header item and its events (history + outbox).

Keys are in `keys` (RESERVATION#<id>; GSI1 RESERVATIONS#<store>#<status>; sparse GSI3 EXPIRES#<shard>
while active). Stock is held with `stock_repo.reserve` and given back with `stock_repo.release` in the
same transaction as the reservation changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Item, Table, Write
from chalicelib.adapters.outbox import aggregate_writes, ended_or_changed, recorded_events
from chalicelib.adapters.tracked import TrackedRepository
from chalicelib.domain.orders.state import Customer
from chalicelib.domain.reservations import Reservation, ReservationLine, ReservationStatus


class ReservationsRepository(TrackedRepository[Reservation]):
    # ---- reads -------------------------------------------------------------------------------

    def get(self, reservation_id: str) -> Reservation:
        key = keys.RESERVATIONS.key(reservation_id)
        return self._one(key, reservation_from_item, missing=f"no reservation {reservation_id!r}")

    def due(self, now: str) -> Iterator[Item]:
        """Active reservations whose time is up (expiresAt <= now), from every shard of GSI3."""
        return self.table.due(keys.EXPIRIES.partitions(), now)


def writes(table: Table, reservation: Reservation) -> list[Write]:
    """A new reservation, or a changed one refused if it changed meanwhile (ended: a conflict); its
    events. The stock it holds or gives back is the unit of work's."""
    stale = ended_or_changed("reservation", reservation, live=ReservationStatus.ACTIVE.value)
    return aggregate_writes(table, reservation, reservation_to_item(reservation), event_items(reservation), stale=stale)


def event_items(reservation: Reservation) -> list[Item]:
    reservation_id = reservation.reservation_id
    pk = keys.RESERVATIONS.pk(reservation_id)
    return recorded_events(
        reservation, pk=pk, kind="reservation", reservationId=reservation_id, locationId=reservation.location_id
    )


def reservation_to_item(r: Reservation) -> Item:
    return {
        **keys.RESERVATIONS.key(r.reservation_id),
        **keys.RESERVATIONS_AT.index(r.location_id, r.status.value, r.created_at, r.reservation_id),
        # Only while active: the expiry schedule's sparse index.
        **(keys.EXPIRIES.index(r.reservation_id, r.expires_at) if r.active else {}),
        "type": "reservation",
        "reservationId": r.reservation_id,
        "locationId": r.location_id,
        "status": r.status.value,
        "lines": [ln.as_dict() for ln in r.lines],
        "customer": {
            "id": r.customer.customer_id,
            "email": r.customer.email,
            "name": r.customer.name,
            "phone": r.customer.phone,
        },
        # Not `expiresAt`: that is the table's TTL attribute (numbers only, but let nobody wonder).
        "holdUntil": r.expires_at,
        "orderId": r.order_id,
        "createdBy": r.created_by,
        "version": r.version,
        "createdAt": r.created_at,
        "updatedAt": r.updated_at,
    }


def reservation_from_item(item: Item) -> Reservation:
    c = item["customer"]
    return Reservation(
        reservation_id=item["reservationId"],
        location_id=item["locationId"],
        lines=[ReservationLine(ln["sku"], ln["quantity"]) for ln in item["lines"]],
        customer=Customer(c["id"], c.get("email"), c.get("name"), c.get("phone")),
        expires_at=item["holdUntil"],
        created_at=item["createdAt"],
        updated_at=item["updatedAt"],
        created_by=item["createdBy"],
        status=ReservationStatus(item["status"]),
        order_id=item.get("orderId"),
        version=item["version"],
        stored_version=item["version"],
    )


def reservation_view(item: Item) -> dict[str, Any]:
    """A reservation as the API shows it."""
    customer = {k: v for k, v in item["customer"].items() if v is not None}
    view = {
        "reservationId": item["reservationId"],
        "status": item["status"],
        "locationId": item["locationId"],
        "lines": item["lines"],
        "customer": customer,
        "expiresAt": item["holdUntil"],
        "version": item["version"],
        "createdAt": item["createdAt"],
        "updatedAt": item["updatedAt"],
    }
    if item.get("orderId"):
        view["orderId"] = item["orderId"]
    return view
