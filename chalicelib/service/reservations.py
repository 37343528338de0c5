"""Reservation use cases: reserve at a store, read and list, complete at the till, cancel, expire.

Each change is one transaction: the reservation, the stock it holds or gives back, its events.
Completing one also writes the carry-out order it becomes, in that same transaction, with each
stock item written once (the hold ends as the units leave the shelf).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.adapters import keys
from chalicelib.adapters.reservations_repo import (
    ReservationsRepository,
    reservation_from_item,
    reservation_to_item,
    reservation_view,
)
from chalicelib.adapters.stock_repo import StockShort
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Conflict, Forbidden, Invalid, VersionMismatch, expect_version
from chalicelib.domain.money import Money
from chalicelib.domain.network import Capability, LocationType
from chalicelib.domain.orders.lines import NewLine
from chalicelib.domain.orders.order import Order
from chalicelib.domain.orders.state import Customer, Payment
from chalicelib.domain.reservations import Reservation, ReservationLine, ReservationStatus
from chalicelib.domain.timestamps import iso
from chalicelib.observability import count, logger
from chalicelib.service import idempotency, listing, sourcing
from chalicelib.service.ids import new_id

if TYPE_CHECKING:
    from chalicelib.contracts import api
    from chalicelib.service.unit_of_work import Dependencies, UnitOfWork

EXPIRY_ACTOR = "reservation-expiry"
STORE_CHANNEL = "store"


def create_reservation(
    deps: Dependencies, cmd: api.CreateReservation, principal: Principal, *, idempotency_key: str | None, raw_body: Any
) -> tuple[int, dict[str, Any]]:
    principal.require("admin", "cs", "channel", "store")
    if principal.kind == "store" and principal.scope != cmd.location_id:
        raise Forbidden(f"a {principal.role} token reserves at {principal.scope} only")
    location = deps.network().location(cmd.location_id)
    if location.type is not LocationType.STORE or not location.can(Capability.RESERVE):
        raise Invalid(
            f"{cmd.location_id} is not an active store that takes reservations",
            errors=[{"loc": ["body", "locationId"], "msg": "not an active store with the reserve capability"}],
        )

    def work() -> tuple[int, dict[str, Any]]:
        reservation = Reservation.make(
            reservation_id=new_id("res"),
            location_id=cmd.location_id,
            lines=[ReservationLine(ln.sku, ln.quantity) for ln in cmd.lines],
            customer=Customer(cmd.customer.id, cmd.customer.email, cmd.customer.name, cmd.customer.phone),
            expires_at=iso(cmd.expires_at) if cmd.expires_at else None,
            actor=principal.actor,
            now=deps.now(),
        )
        uow = deps.uow()
        uow.add(reservation)
        try:
            uow.commit()
        except StockShort as short:
            raise Conflict(
                f"not enough stock at {short.location_id} for {short.sku}", sku=short.sku, locationId=short.location_id
            ) from None
        count("ReservationsCreated")
        logger.info(
            "reservation created",
            extra={"reservationId": reservation.reservation_id, "locationId": reservation.location_id},
        )
        return 201, reservation_view(reservation_to_item(reservation))

    return idempotency.once(f"{principal.role}:POST /reservations", idempotency_key, raw_body, work)


def get_reservation(deps: Dependencies, reservation_id: str, principal: Principal) -> dict[str, Any]:
    reservation = deps.uow().reservations.get(reservation_id)
    _may_see(principal, reservation)
    return reservation_view(reservation_to_item(reservation))


# A store's reservations in one status (default active), oldest first.
list_reservations = listing.LocationQueue(
    keys.RESERVATIONS_AT.pk,
    ReservationStatus.ACTIVE,
    ReservationStatus,
    sees="lists the reservations of",
    view=reservation_view,
    scoped=("store",),
)


def handle_event(
    deps: Dependencies, reservation_id: str, cmd: api.ReservationEventIn, principal: Principal, *, if_match: int | None
) -> dict[str, Any]:
    uow = deps.uow()
    reservation = uow.reservations.get(reservation_id)
    _may_see(principal, reservation)
    expect_version(f"reservation {reservation_id}", reservation.version, if_match)
    if cmd.type == "cancel":
        reservation.cancel(actor=principal.actor, now=deps.now(), reason=cmd.reason)
        uow.commit()
        count("ReservationsCancelled")
    else:
        _complete(deps, uow, reservation, cmd, principal)
        count("ReservationsCompleted")
    return reservation_view(reservation_to_item(reservation))


def _complete(
    deps: Dependencies, uow: UnitOfWork, reservation: Reservation, cmd: api.ReservationEventIn, p: Principal
) -> None:
    """At the till: the reservation becomes a carry-out order at its store, in one transaction (the
    hold ends as the units leave the shelf: one write per stock item)."""
    p.require("admin", "cs", "store")
    stamp = deps.now()
    order_id = new_id("ord")
    reservation.complete(order_id, actor=p.actor, now=stamp)  # first: a sale of an ended one is a 409
    if cmd.payment is None or cmd.lines is None:
        missing = [name for name, value in (("payment", cmd.payment), ("lines", cmd.lines)) if value is None]
        raise Invalid(
            "completing a reservation sells it: send the payment and a unit price per reserved SKU",
            errors=[{"loc": ["body", name], "msg": "required to complete"} for name in missing],
        )
    taken = reservation.taken([(ln.sku, ln.quantity) for ln in cmd.lines])
    prices = {ln.sku: Money(ln.unit_price.decimal, ln.unit_price.currency) for ln in cmd.lines}
    order = Order.place(
        order_id=order_id,
        channel=STORE_CHANNEL,
        external_id=reservation.reservation_id,
        customer=reservation.customer,
        placed_at=stamp,
        payment=Payment(cmd.payment.status, Money(cmd.payment.amount.decimal, cmd.payment.amount.currency)),
        store_id=reservation.location_id,
        lines=[
            NewLine(line_id=str(i), sku=ln.sku, quantity=taken[ln.sku], unit_price=prices[ln.sku])
            for i, ln in enumerate(reservation.lines, start=1)
        ],
        actor=p.actor,
        now=stamp,
    )
    sourcing.carry_out(deps, uow, order, actor=p.actor)
    uow.commit()
    count("OrdersCreated", channel=STORE_CHANNEL)
    logger.info("reservation completed", extra={"reservationId": reservation.reservation_id, "orderId": order_id})


def expire_due(deps: Dependencies) -> int:
    """Expire every active reservation whose time is up, each in its own conditional transaction."""
    stamp = deps.now()
    expired = 0
    for item in list(ReservationsRepository(deps.table).due(stamp)):
        reservation = reservation_from_item(item)  # from the index: the write's condition has the last word
        if not reservation.active or not reservation.is_due(stamp):
            continue
        reservation.expire(actor=EXPIRY_ACTOR, now=stamp)
        uow = deps.uow()
        uow.track(reservation)
        try:
            uow.commit()
        except (Conflict, VersionMismatch) as exc:
            # Completed, cancelled or changed since the index was read: the next run sees the truth.
            logger.info(
                "reservation not expired", extra={"reservationId": reservation.reservation_id, "reason": str(exc)}
            )
            continue
        expired += 1
    if expired:
        count("ReservationsExpired", value=expired)
    return expired


def _may_see(principal: Principal, reservation: Reservation) -> None:
    """Back office all; a store its own; a channel the reservations it made."""
    if principal.kind in ("admin", "ops", "cs"):
        return
    if principal.kind == "store" and principal.scope == reservation.location_id:
        return
    if principal.kind == "channel" and principal.role == reservation.created_by:
        return
    raise Forbidden(f"reservation {reservation.reservation_id} is not visible to {principal.role}")
