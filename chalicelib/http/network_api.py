"""The network: locations, channels and stock."""

from __future__ import annotations

from typing import Any

from chalicelib.http.routing import Call, Routes

bp = Routes(__name__, tag="network")

EVERYONE = ("admin", "ops", "cs", "channel", "store", "dc")


@bp.put("/locations/{location_id}", roles=("admin",), request="PutLocation", response="LocationOut", also=(201,))
def put_location(call: Call, location_id: str) -> Any:
    """Create or replace a location (201 when created, 200 when replaced)."""
    from chalicelib.service import network

    return network.put_location(call.deps, location_id, call.body, call.caller, if_match=call.if_match)


@bp.get("/locations/{location_id}", roles=EVERYONE, response="LocationOut", errors=(404,))
def get_location(call: Call, location_id: str) -> Any:
    """One location."""
    from chalicelib.service import network

    return network.get_location(call.deps.table, location_id)


@bp.get("/locations", roles=EVERYONE, response="LocationPage")
def list_locations(call: Call) -> Any:
    """Every location of the network."""
    from chalicelib.service import network

    return network.list_locations(call.deps.table)


@bp.put(
    "/channels/{channel_id}",
    roles=("admin",),
    request="PutChannel",
    response="ChannelOut",
    also=(201,),
    errors=(409, 503),
)
def put_channel(call: Call, channel_id: str) -> Any:
    """Register or change a sales channel (webshop, app, store, cs are built in); its secret goes to Secrets
    Manager and is never returned.
    """
    from chalicelib.service import network

    return network.put_channel(call.deps, channel_id, call.body, call.caller, if_match=call.if_match)


@bp.get("/channels", roles=("admin", "ops", "cs"), response="ChannelPage")
def list_channels(call: Call) -> Any:
    """Every sales channel."""
    from chalicelib.service import network

    return network.list_channels(call.deps.table)


@bp.put(
    "/inventory/{location_id}/{sku}",
    roles=("admin", "ops", "store", "dc"),
    request="PutStock",
    response="StockOut",
    also=(201,),
    errors=(422,),
)
def put_stock(call: Call, location_id: str, sku: str) -> Any:
    """Count the stock of one SKU at one location (stores and DCs: their own only)."""
    from chalicelib.service import network

    return network.put_stock(call.deps, location_id, sku, call.body, call.caller, if_match=call.if_match)


@bp.get("/inventory/{sku}", roles=EVERYONE, response="StockPage")
def stock_of(call: Call, sku: str) -> Any:
    """Stock of one SKU at every location."""
    from chalicelib.service import network

    return network.stock_of(call.deps.table, sku)
