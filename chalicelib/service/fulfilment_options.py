"""`POST /fulfilment-options`: what the checkout may offer for a cart, near the customer.

Reads the cached network and live `clickAndCollect` rules (0 calls on a warm Lambda) and the
cart's availability summaries (one BatchGetItem), so a rule change governs the next answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.adapters import postcodes
from chalicelib.adapters.dynamo import Table
from chalicelib.adapters.stock_repo import SUMMARY_CAP, StockRepository
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Forbidden, Invalid
from chalicelib.domain.fulfilment_options import Nearby, fulfilment_options
from chalicelib.domain.network import Geo
from chalicelib.service import config
from chalicelib.service.network import network

if TYPE_CHECKING:
    from chalicelib.contracts import api

HOW_TO_LOCATE = (
    'send customer.geo {"lat", "lon"}, or customer.postalCode and customer.country, or call through '
    "CloudFront so that the CloudFront-Viewer-Latitude and -Longitude headers are set"
)


def options_for(
    table: Table, cmd: api.FulfilmentOptionsRequest, principal: Principal, *, viewer: tuple[str | None, str | None]
) -> dict[str, Any]:
    if principal.kind == "channel" and cmd.channel != principal.scope:
        raise Forbidden(f"a {principal.role} token asks for channel {principal.scope} only")
    net = network(table)
    if not net.channel_active(cmd.channel):
        raise Invalid(
            f"unknown or inactive channel {cmd.channel!r}", errors=[{"loc": ["body", "channel"], "msg": "unknown"}]
        )
    customer, located_by = _locate(cmd, viewer)
    lines = [(line.sku, line.quantity) for line in cmd.lines]
    found = fulfilment_options(
        customer,
        lines,
        net.locations.values(),
        StockRepository(table).summaries(sku for sku, _ in lines),
        config.active(table, "clickAndCollect"),
        cap=SUMMARY_CAP,
    )
    return {
        "options": [
            {"method": "home_delivery", "available": found.home_delivery},
            {"method": "click_and_collect", "stores": [_nearby(n) for n in found.stores]},
            {"method": "pickup_point", "points": [_nearby(n) for n in found.points]},
        ],
        "locatedBy": located_by,
    }


def _locate(cmd: api.FulfilmentOptionsRequest, viewer: tuple[str | None, str | None]) -> tuple[Geo, str]:
    from chalicelib.contracts.api import GeoCustomer

    customer = cmd.customer
    if isinstance(customer, GeoCustomer):
        return Geo(customer.geo.lat, customer.geo.lon), "geo"
    if customer is not None:
        geo = postcodes.locate(customer.postal_code, customer.country)
        if geo is None:
            raise Invalid(
                f"postal code {customer.postal_code!r} ({customer.country}) is not one the OMS can place; "
                + HOW_TO_LOCATE.replace("customer.postalCode and customer.country, or ", ""),
                errors=[{"loc": ["body", "customer", "postalCode"], "msg": "unknown postal code area"}],
            )
        return geo, "postalCode"
    lat, lon = _coordinate(viewer[0], 90), _coordinate(viewer[1], 180)
    if lat is None or lon is None:
        raise Invalid(
            f"the customer cannot be located: {HOW_TO_LOCATE}", errors=[{"loc": ["body", "customer"], "msg": "missing"}]
        )
    return Geo(lat, lon), "viewer"


def _coordinate(raw: str | None, bound: float) -> float | None:
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and -bound <= value <= bound else None


def _nearby(n: Nearby) -> dict[str, Any]:
    return {"locationId": n.location_id, "name": n.name, "distanceKm": n.distance_km}
