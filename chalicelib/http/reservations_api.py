"""Reservation routes: reserve online, buy (or not) in the store of choice."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import bootstrap
from chalicelib.http.requests import if_match, json_response, parse, principal, query, query_int
from chalicelib.http.routing import Query, route

bp = Blueprint(__name__)

RESERVERS = ("admin", "cs", "channel", "store")
READERS = ("admin", "ops", "cs", "channel", "store")


@route(
    bp,
    "/reservations",
    methods=["POST"],
    roles=RESERVERS,
    summary="Reserve a store's stock for a customer who buys it there (stores: their own only)",
    request="CreateReservation",
    response="ReservationOut",
    status=201,
    errors=(409,),
)
def create_reservation() -> Response:
    from chalicelib.contracts.api import CreateReservation
    from chalicelib.service import reservations

    request = bp.current_request
    cmd, raw = parse(request, CreateReservation)
    status, body = reservations.create_reservation(
        bootstrap(), cmd, principal(), idempotency_key=request.headers.get("idempotency-key"), raw_body=raw
    )
    headers = {"Location": f"/reservations/{body['reservationId']}"} if status == 201 else None
    return json_response(body, status, headers)


@route(
    bp,
    "/reservations",
    methods=["GET"],
    roles=("admin", "ops", "cs", "store"),
    summary="A store's reservations in one status, oldest first",
    response="ReservationPage",
    query=(
        Query("locationId", description="the store; a store token lists its own"),
        Query("status", description="active (default), completed, cancelled or expired"),
        Query("limit", "integer", "how many items per page (default 25)", minimum=1, maximum=100),
        Query("cursor", description="`nextCursor` of the previous page"),
    ),
    errors=(422,),
)
def list_reservations() -> Response:
    from chalicelib.service import reservations

    request = bp.current_request
    q = query(request)
    return json_response(
        reservations.list_reservations(
            bootstrap(),
            principal(),
            location_id=q.get("locationId"),
            status=q.get("status"),
            limit=query_int(request, "limit", 25, low=1, high=reservations.MAX_PAGE),
            cursor=q.get("cursor"),
        )
    )


@route(
    bp,
    "/reservations/{reservation_id}",
    roles=READERS,
    summary="One reservation",
    response="ReservationOut",
    errors=(404,),
)
def get_reservation(reservation_id: str) -> Response:
    from chalicelib.service import reservations

    return json_response(reservations.get_reservation(bootstrap(), reservation_id, principal()))


@route(
    bp,
    "/reservations/{reservation_id}/events",
    methods=["POST"],
    roles=RESERVERS,
    summary="Complete a reservation at the till (it becomes a carry-out order) or cancel it; both end the hold",
    request="ReservationEventIn",
    response="ReservationOut",
    errors=(404, 409),
)
def reservation_event(reservation_id: str) -> Response:
    from chalicelib.contracts.api import ReservationEventIn
    from chalicelib.service import reservations

    request = bp.current_request
    cmd, _ = parse(request, ReservationEventIn)
    return json_response(
        reservations.handle_event(bootstrap(), reservation_id, cmd, principal(), if_match=if_match(request))
    )
