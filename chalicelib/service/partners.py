"""Handing fulfilment orders to drop-ship partners: each `FulfilmentOrderDispatched` on the
partner-dispatch queue becomes a signed POST to the partner's URL (chalicelib/adapters/partners.py).

The queue gets every dispatch (see its rule in chalicelib.resources); only external DCs' go on.
A failed POST raises, so SQS retries the message and at last dead-letters it (with the reason).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import clock
from chalicelib.adapters import partners, secrets
from chalicelib.bootstrap import bootstrap
from chalicelib.domain.errors import Invalid
from chalicelib.domain.network import LocationType
from chalicelib.domain.workflows import Category
from chalicelib.observability import count, logger

if TYPE_CHECKING:
    from chalicelib.domain.fulfilment.order import FulfilmentOrder


def dispatch(body: str) -> None:
    from chalicelib.contracts.events import FulfilmentOrderDispatched
    from chalicelib.contracts.messages import BusEvent
    from chalicelib.service import fulfilment

    event = FulfilmentOrderDispatched.model_validate(BusEvent.model_validate_json(body).detail)
    deps = bootstrap()
    location = deps.network().locations.get(event.locationId)  # cached: no call on a warm Lambda
    if location is None or location.type is not LocationType.EXTERNAL_DC:
        return  # the OMS's own DCs and stores work from their queues
    where = {"fulfilmentOrderId": event.fulfilmentOrderId, "locationId": location.location_id}
    if location.partner is None:
        logger.info("no partner URL: the partner reads its work queue", extra=where)
        count("PartnerDispatches", location=location.location_id, outcome="no_url")
        return
    # As it is now, not as the event saw it: a retry after the partner accepted, or after the
    # order's lines were cancelled, must not hand it over (again).
    order, fo = fulfilment.load(deps.uow(), event.fulfilmentOrderId)
    if fo.category is not Category.OPEN:
        logger.info("fulfilment order moved on before it was handed over", extra={**where, "status": fo.status})
        count("PartnerDispatches", location=location.location_id, outcome="moved_on")
        return
    secret = secrets.secret(secrets.PARTNER, location.location_id)
    if secret is None:  # PUT /locations refuses a partner without one; deleted by hand since?
        count("PartnerDispatchFailures", location=location.location_id, reason="no_secret")
        raise Invalid(f"the partner of {location.location_id} has no signing secret: PUT its location with one")
    try:
        status = partners.post(
            location.partner.url,
            payload(order.order_id, fo),
            secret=secret,
            timestamp=str(int(clock.moment().timestamp())),
            idempotency_key=fo.fulfilment_order_id,
        )
    except (partners.PartnerUnavailable, partners.PartnerRefused) as exc:
        reason = "unavailable" if isinstance(exc, partners.PartnerUnavailable) else "refused"
        count("PartnerDispatchFailures", location=location.location_id, reason=reason)
        raise
    logger.info("fulfilment order handed to the partner", extra={**where, "status": status})
    count("PartnerDispatches", location=location.location_id, outcome="sent")


def payload(order_id: str, fo: FulfilmentOrder) -> bytes:
    """The POST's body (chalicelib/contracts/partners.py): the same bytes on every retry."""
    from chalicelib.contracts.partners import PartnerFulfilmentOrder, PartnerLine

    return (
        PartnerFulfilmentOrder(
            fulfilmentOrderId=fo.fulfilment_order_id,
            orderId=order_id,
            locationId=fo.location_id,
            method=fo.method.value,
            destination=fo.destination,
            lines=[PartnerLine(lineId=ln.line_id, sku=ln.sku, quantity=ln.quantity) for ln in fo.lines],
            createdAt=fo.created_at,
        )
        .model_dump_json()
        .encode()
    )
