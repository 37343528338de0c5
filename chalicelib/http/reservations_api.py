"""Reservation routes: reserve online, buy (or not) in the store of choice."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.http.requests import created
from chalicelib.http.routing import Call, Routes, location_queue

bp = Routes(__name__)

RESERVERS = ("admin", "cs", "channel", "store")
READERS = ("admin", "ops", "cs", "channel", "store")


@bp.post(
    "/reservations", roles=RESERVERS, request="CreateReservation", response="ReservationOut", status=201, errors=(409,)
)
def create_reservation(call: Call) -> Response:
    """Reserve a store's stock for a customer who buys it there (stores: their own only)."""
    from chalicelib.service import reservations

    answer = reservations.create_reservation(
        call.deps, call.body, call.caller, idempotency_key=call.idempotency_key, raw_body=call.raw
    )
    return created(answer, "/reservations/{reservationId}")


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

    return reservations.list_reservations(call.deps, call.caller, **call.query)


@bp.get("/reservations/{reservation_id}", roles=READERS, response="ReservationOut", errors=(404,))
def get_reservation(call: Call, reservation_id: str) -> Any:
    """One reservation."""
    from chalicelib.service import reservations

    return reservations.get_reservation(call.deps, reservation_id, call.caller)


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

    return reservations.handle_event(call.deps, reservation_id, call.body, call.caller, if_match=call.if_match)
