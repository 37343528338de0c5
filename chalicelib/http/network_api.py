"""The network: locations, channels and stock."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import bootstrap
from chalicelib.http.requests import if_match, json_response, parse, principal
from chalicelib.http.routing import route

bp = Blueprint(__name__)

EVERYONE = ("admin", "ops", "cs", "channel", "store", "dc")


@route(
    bp,
    "/locations/{location_id}",
    methods=["PUT"],
    roles=("admin",),
    summary="Create or replace a location (201 when created, 200 when replaced)",
    request="PutLocation",
    response="LocationOut",
    also=(201,),
)
def put_location(location_id: str) -> Response:
    from chalicelib.contracts.api import PutLocation
    from chalicelib.service import network

    request = bp.current_request
    cmd, _ = parse(request, PutLocation)
    status, body = network.put_location(bootstrap().table, location_id, cmd, if_match=if_match(request))
    return json_response(body, status)


@route(bp, "/locations/{location_id}", roles=EVERYONE, summary="One location", response="LocationOut", errors=(404,))
def get_location(location_id: str) -> Response:
    from chalicelib.service import network

    return json_response(network.get_location(bootstrap().table, location_id))


@route(bp, "/locations", roles=EVERYONE, summary="Every location of the network", response="LocationPage")
def list_locations() -> Response:
    from chalicelib.service import network

    return json_response(network.list_locations(bootstrap().table))


@route(
    bp,
    "/channels/{channel_id}",
    methods=["PUT"],
    roles=("admin",),
    summary="Register or change a sales channel (webshop, app, store, cs are built in); its secret goes to "
    "Secrets Manager and is never returned",
    request="PutChannel",
    response="ChannelOut",
    also=(201,),
    errors=(409, 503),
)
def put_channel(channel_id: str) -> Response:
    from chalicelib.contracts.api import PutChannel
    from chalicelib.service import network

    request = bp.current_request
    cmd, _ = parse(request, PutChannel)
    status, body = network.put_channel(bootstrap().table, channel_id, cmd, if_match=if_match(request))
    return json_response(body, status)


@route(bp, "/channels", roles=("admin", "ops", "cs"), summary="Every sales channel", response="ChannelPage")
def list_channels() -> Response:
    from chalicelib.service import network

    return json_response(network.list_channels(bootstrap().table))


@route(
    bp,
    "/inventory/{location_id}/{sku}",
    methods=["PUT"],
    roles=("admin", "ops", "store", "dc"),
    summary="Count the stock of one SKU at one location (stores and DCs: their own only)",
    request="PutStock",
    response="StockOut",
    also=(201,),
    errors=(422,),
)
def put_stock(location_id: str, sku: str) -> Response:
    from chalicelib.contracts.api import PutStock
    from chalicelib.service import network

    request = bp.current_request
    cmd, _ = parse(request, PutStock)
    status, body = network.put_stock(bootstrap().table, location_id, sku, cmd, principal(), if_match=if_match(request))
    return json_response(body, status)


@route(bp, "/inventory/{sku}", roles=EVERYONE, summary="Stock of one SKU at every location", response="StockPage")
def stock_of(sku: str) -> Response:
    from chalicelib.service import network

    return json_response(network.stock_of(bootstrap().table, sku))
