"""Reservation routes: reserve online, buy (or not) in the store of choice."""

from __future__ import annotations

from typing import Any

from chalicelib.http.routing import Call, Routes, location_queue

bp = Routes(__name__, tag="reservations")

RESERVERS = ("admin", "cs", "channel", "store")
READERS = ("admin", "ops", "cs", "channel", "store")


@bp.post(
    "/reservations", roles=RESERVERS, request="CreateReservation", response="ReservationOut", status=201, errors=(409,)
)
def create_reservation(call: Call) -> Any:
    """Reserve a store's stock for a customer who buys it there (stores: their own only)."""
    from chalicelib.service import reservations

    return call.serve(reservations.create_reservation, location="/reservations/{reservationId}")


@bp.get(
    "/reservations",
    roles=("admin", "ops", "cs", "store"),
    response="ReservationPage",
    query=location_queue("the store; a store token lists its own", "active (default), completed, cancelled or expired"),
    errors=(422,),
)
def list_reservations(call: Call) -> Any:
    """A store's reservations in one status, oldest first."""
    from chalicelib.service import reservations

    return call.serve(reservations.list_reservations)


@bp.get("/reservations/{reservation_id}", roles=READERS, response="ReservationOut", errors=(404,))
def get_reservation(call: Call, reservation_id: str) -> Any:
    """One reservation."""
    from chalicelib.service import reservations

    return call.serve(reservations.get_reservation, reservation_id)


@bp.post(
    "/reservations/{reservation_id}/events",
    roles=RESERVERS,
    request="ReservationEventIn",
    response="ReservationOut",
    errors=(404, 409),
)
def reservation_event(call: Call, reservation_id: str) -> Any:
    """Complete a reservation at the till (it becomes a carry-out order) or cancel it; both end the hold."""
    from chalicelib.service import reservations

    return call.serve(reservations.handle_event, reservation_id)
