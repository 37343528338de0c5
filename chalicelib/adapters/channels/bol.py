"""bol.com (Retailer API v10): polled, and told of changes by thin push notifications (subscription
type AWS_SQS) on the bol-notifications queue (chalicelib/service/channel_notifications.py), which only
name the order: the inbox's consumer fetches it. The poller (chalicelib/service/channel_poll.py)
fetches each changed order and keeps it in the inbox with `omsSeenAt`, the time the OMS first saw
that state of it: bol gives no update time per order (only per item, and not in older shapes), so a
new state is a new inbox delivery (keyed by a hash of the order) seen later, which makes it newer. An
order fetched on a notification is seen when fetched, the same way.

Prices are VAT-inclusive numbers without a currency (the channel's). Status goes back as bol's
asynchronous writes (202 + a process status), followed until SUCCESS or FAILURE. Stock goes out per
offer (`PUT /retailer/offers/{offer-id}/stock`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from chalicelib import clock
from chalicelib.adapters.channels import base, bol_api, mapping
from chalicelib.adapters.channels.api import credentials_of
from chalicelib.adapters.channels.money import Line
from chalicelib.domain.errors import Refused, TryLater
from chalicelib.observability import logger

if TYPE_CHECKING:
    from chalicelib.contracts.channel_status import StatusLine, StatusUpdate
    from chalicelib.domain.network import Channel

MAX_STOCK = 999  # the most an offer's stock may say (UpdateOfferStockRequest.amount)
PENDING_RETRY_S = 10  # a write bol has not processed yet: the message comes back after this
_ALREADY = re.compile(r"already\s+(been\s+)?(shipped|cancell?ed|handled|returned)", re.IGNORECASE)
# Our carriers' names -> bol's transporter codes (PostNL is "TNT" at bol); others go as OTHER.
TRANSPORTERS = {"postnl": "TNT", "dhl": "DHL", "dpd": "DPD-NL", "ups": "UPS", "bpost": "BPOST_BE", "gls": "GLS"}
ORDER = "ORDER"  # the push notifications' resource the OMS acts on
# shipmentDetails' address; its street line is the street name with the house number (and extension).
ADDRESS = mapping.AddressKeys("streetName", "extraAddressInformation", "zipCode", "city", None, "countryCode")


@dataclass(frozen=True)
class Notification:
    """A bol.com push notification (`{retailerId, timestamp, event: {resource, type, resourceId}}`) as
    its SQS message carries it: whose it is, what it names, and the JSON to keep."""

    retailer_id: str
    timestamp: str
    resource: str
    event_type: str | None
    resource_id: str | None  # the order's id, for an ORDER push
    raw: str

    @property
    def dedup_key(self) -> str:
        """bol gives a push no id of its own: the same retailer, resource and time make a repeat."""
        return f"push-{self.retailer_id}-{self.resource}-{self.resource_id}-{self.timestamp}"


def notification(message_body: str) -> Notification:
    """The notification an SQS message carries (its body is the notification's JSON)."""
    try:
        found = base.parse(message_body)
    except ValueError:
        raise base.Unmappable("the message body is not JSON") from None
    event = found.get("event") if isinstance(found, dict) else None
    if not isinstance(event, dict) or not mapping.text(event.get("resource")):
        raise base.Unmappable("the message is not a bol.com push notification: it has no event.resource")
    return Notification(
        retailer_id=mapping.required(found.get("retailerId"), "retailerId"),
        timestamp=mapping.required(found.get("timestamp"), "timestamp"),
        resource=str(event["resource"]),
        event_type=mapping.text(event.get("type")),
        resource_id=mapping.text(event.get("resourceId")),
        raw=message_body,
    )


def retailer_of(channel: Channel, credentials: str | None) -> str | None:
    """The bol retailer id the channel's credentials name (optional: a lone bol channel needs none)."""
    try:
        return credentials_of(channel, credentials, "retailerId")["retailerId"]
    except Refused:
        return None


class Bol(base.NoWebhooks):
    type = "bol"
    no_webhooks = "bol.com pushes through its SQS queue (bol-notifications), not by webhook"

    def order_named(self, payload: Any) -> str | None:
        event = payload.get("event") if isinstance(payload, dict) else None
        if not isinstance(event, dict) or event.get("resource") != ORDER:
            return None  # the order itself, as the poller queues it
        return mapping.required(event.get("resourceId"), "event.resourceId")

    def fetch_order(self, channel: Channel, credentials: str | None, external_id: str) -> base.ChannelOrder:
        """The order as bol has it now, seen now (bol gives no update time per order: see above)."""
        order = bol_api.order(channel, credentials, external_id)
        return self.to_order({**order, base.SEEN_AT: clock.now()}, channel)

    def changed_orders(
        self, channel: Channel, credentials: str | None, since: datetime, until: datetime
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        for order_id in bol_api.changed_since(channel, credentials, since, until):
            yield order_id, bol_api.order(channel, credentials, order_id)

    def to_order(self, payload: Any, channel: Channel) -> base.ChannelOrder:
        order: dict[str, Any] = payload if isinstance(payload, dict) else {}
        external_id = mapping.required(order.get("orderId"), "orderId")
        details = order.get("shipmentDetails") or {}
        items = order.get("orderItems") or []
        placed_at = mapping.utc(order.get("orderPlacedDateTime"), "orderPlacedDateTime")
        changed = [
            mapping.utc(i["latestChangedDateTime"], "latestChangedDateTime")
            for i in items
            if i.get("latestChangedDateTime")
        ]
        seen = mapping.utc(order[base.SEEN_AT], base.SEEN_AT) if order.get(base.SEEN_AT) else None
        lines = [_line(channel, item) for item in items]
        asked = tuple(str(i["orderItemId"]) for i in items if i.get("cancellationRequest") is True)
        return mapping.canonical(
            channel,
            external_id=external_id,
            buyer=mapping.Buyer(
                platform_id=None,  # bol names no customer: its emails are per order
                email=details.get("email"),
                name=mapping.full_name(details.get("firstName"), details.get("surname")),
                phone=details.get("deliveryPhoneNumber"),
            ),
            placed_at=placed_at,
            updated_at=seen or max([placed_at, *changed]),
            paid=True,  # bol collects the payment before it passes the order on
            lines=lines,
            delivery=_delivery(order, details, channel),
            figures=base.PlatformFigures(
                currency=mapping.currency_of(None, channel),
                total=sum((_charged(item, line) for item, line in zip(items, lines, strict=True)), Decimal(0)),
            ),
            cancelled=bool(items) and len(asked) == len(items),
            cancel_lines=asked,
        )

    def push_status(self, channel: Channel, credentials: str | None, update: StatusUpdate) -> base.Outcome:
        """A shipment (one call for its items, with the transport), a cancellation (one call per item
        still open) or a return received (one return created and handled per item), each followed to
        bol's verdict. bol cancels whole order items only: a partial cancellation cancels each item
        it names once the OMS has cancelled all of it, and records the rest (logged). A refund is
        bol's own business (it refunds on cancellation and on a handled return): recorded only; so is a
        workflow's notice (bol takes no messages about an order)."""
        if update.status in ("refunded", "notice"):
            return "recorded"
        order = bol_api.order(channel, credentials, update.externalId)
        items = {str(i.get("orderItemId")): i for i in order.get("orderItems") or []}
        if update.status == "shipped":
            wanted = {ln.lineId: ln.quantity for ln in update.lines if ln.lineId in items} or {
                item_id: int(item.get("quantity") or 0) for item_id, item in items.items()
            }
            if not wanted or all(_done(items[i], "quantityShipped", q) for i, q in wanted.items()):
                return "already"
            body: dict[str, Any] = {"orderItems": [{"orderItemId": i, "quantity": q} for i, q in wanted.items()]}
            if update.tracking is not None:
                code = TRANSPORTERS.get(update.tracking.carrier.lower().replace(" ", ""), "OTHER")
                body["transport"] = {"transporterCode": code, "trackAndTrace": update.tracking.code}
            first = next(iter(wanted))
            return _write(channel, credentials, first, "CREATE_SHIPMENT", send=("POST", "/retailer/shipments", body))
        if update.status == "returned":
            return _overall([_return(channel, credentials, line) for line in update.lines if line.lineId in items])
        cancelling = {item_id: item for item_id, item in items.items() if _cancellable(item)}
        left: list[str] = []
        if update.lines:
            cancelling, left = _wholly_cancelled(update, cancelling)
        if left:
            logger.info(
                "bol cancels whole order items only: the rest of these stays to be shipped or cancelled",
                extra={"channelId": channel.channel_id, "orderId": update.orderId, "items": left},
            )
        cancel = "PUT", "/retailer/orders/cancellation"
        outcomes = [
            _write(channel, credentials, item_id, "CANCEL_ORDER", send=(*cancel, _cancel(item_id, item)))
            for item_id, item in cancelling.items()
        ]
        return "recorded" if left and not outcomes else _overall(outcomes)

    def push_stock(self, channel: Channel, credentials: str | None, sku: str, quantity: int) -> base.Outcome:
        """The offer's stock (its id from the channel's listings), managed by us: bol then counts only the
        orders placed after this update against it. Its process status is not followed: a later push
        supersedes it anyway. A SKU without an offer is not sold on bol: recorded only."""
        offer = channel.listings.get(sku)
        if offer is None:
            return "recorded"
        amount = max(0, min(quantity, MAX_STOCK))
        path = f"/retailer/offers/{quote(offer, safe='')}/stock"
        bol_api.request(channel, credentials, "PUT", path, {"amount": amount, "managedByRetailer": True})
        return "pushed"


_Send = tuple[str, str, dict[str, Any]]  # method, path, body


def _done(item: dict[str, Any], field: str, quantity: int) -> bool:
    return int(item.get(field) or 0) >= quantity


def _overall(outcomes: list[base.Outcome]) -> base.Outcome:
    """One update's outcome from its calls': pushed when any was; else already (nothing to do is too)."""
    return "pushed" if "pushed" in outcomes else "already"


def _cancellable(item: dict[str, Any]) -> bool:
    """Whether bol still lets the item be cancelled: none of it shipped nor cancelled yet."""
    return not _done(item, "quantityShipped", 1) and not _done(
        item, "quantityCancelled", int(item.get("quantity") or 1)
    )


def _wholly_cancelled(update: StatusUpdate, cancellable: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """Of a partial cancellation's items bol still lets cancel, those the OMS has now cancelled every
    unit of (this update's and its earlier ones'), and those it has not (bol cancels no part of an item)."""
    wholly, left = {}, []
    for line in update.lines:
        item = cancellable.get(line.lineId)
        if item is not None and line.unitsBefore + line.quantity >= int(item.get("quantity") or 1):
            wholly[line.lineId] = item
        elif item is not None:
            left.append(line.lineId)
    return wholly, left


def _return(channel: Channel, credentials: str | None, line: StatusLine) -> base.Outcome:
    """A return of the line's units, created as received (bol's spec declares this body plain JSON). One
    per receipt: the item's earlier receipts made earlier returns, so only more of them than that
    means this one was made already."""
    body = {"orderItemId": line.lineId, "quantityReturned": line.quantity, "handlingResult": "RETURN_RECEIVED"}
    send = "POST", "/retailer/returns", body
    return _write(
        channel,
        credentials,
        line.lineId,
        "CREATE_RETURN_ITEM",
        send=send,
        made=line.eventsBefore,
        content="application/json",
    )


def _cancel(item_id: str, item: dict[str, Any]) -> dict[str, Any]:
    reason = "REQUESTED_BY_CUSTOMER" if item.get("cancellationRequest") is True else "OUT_OF_STOCK"
    return {"orderItems": [{"orderItemId": item_id, "reasonCode": reason}]}


def _write(
    channel: Channel,
    credentials: str | None,
    item_id: str,
    event_type: str,
    *,
    send: _Send,
    made: int = 0,
    content: str = bol_api.MEDIA,
) -> base.Outcome:
    """One asynchronous write, once: a retry first asks bol what became of the earlier one (its process
    statuses for the item; more than the `made` writes of this kind known to precede it), so it
    neither sends twice nor loses a write bol is still processing."""
    earlier = [
        p
        for p in bol_api.processes_for(channel, credentials, item_id, event_type)
        if p.get("status") in ("PENDING", "SUCCESS")
    ]
    if len(earlier) > made:
        pending = next((p for p in earlier if p.get("status") == "PENDING"), earlier[-1])
        return _verdict(channel, credentials, pending, "already")
    method, path, body = send
    answer = bol_api.request(channel, credentials, method, path, body, content=content) or {}
    return _verdict(channel, credentials, answer, "pushed")


def _verdict(channel: Channel, credentials: str | None, process: dict[str, Any], done: base.Outcome) -> base.Outcome:
    """SUCCESS is `done`; FAILURE saying "already" is "already", else refused; PENDING asks once
    more, then brings the message back later (its retries bound how long)."""
    process_id = str(process.get("processStatusId") or process.get("id") or "")
    if process.get("status") == "PENDING" and process_id:
        process = bol_api.process_status(channel, credentials, process_id)
    status = process.get("status")
    if status == "SUCCESS":
        return done
    if status == "FAILURE":
        said = str(process.get("errorMessage") or "")
        if _ALREADY.search(said):
            return "already"
        raise Refused(f"bol channel {channel.channel_id}: {process.get('eventType')} failed: {said[:200]}")
    raise TryLater(f"bol channel {channel.channel_id}: process {process_id} still {status}", seconds=PENDING_RETRY_S)


def _line(channel: Channel, item: dict[str, Any]) -> Line:
    """EAN as the SKU: it names the product the same in every channel and every stock count; bol's
    offer reference is the retailer's optional free text (and the offer id bol's own)."""
    line_id = mapping.required(item.get("orderItemId"), "orderItems.orderItemId")
    where = f"order item {line_id}"
    product, offer = item.get("product") or {}, item.get("offer") or {}
    off = sum(
        (mapping.decimal(d.get("amount"), f"{where}'s discount") for d in item.get("discounts") or []), Decimal(0)
    )
    titles = [mapping.text(d.get("title")) for d in item.get("discounts") or []]
    return Line(
        line_id,
        mapping.sku_of(channel, product.get("ean") or item.get("ean"), (offer.get("reference"),), line_id),
        mapping.whole(item.get("quantity"), f"{where}'s quantity"),
        mapping.decimal(item.get("unitPrice"), f"{where}'s unitPrice"),
        discounts=(base.Off(off, titles[0] if len(titles) == 1 else None),) if off > 0 else (),
    )


def _charged(item: dict[str, Any], line: Line) -> Decimal:
    """What bol charged for the item: its totalPrice (v10), else the units less their discounts."""
    if item.get("totalPrice") is not None:
        return mapping.decimal(item["totalPrice"], f"order item {line.line_id}'s totalPrice")
    return line.unit_price * line.quantity - sum((d.amount for d in line.discounts), Decimal(0))


def _delivery(order: dict[str, Any], details: dict[str, Any], channel: Channel) -> dict[str, Any] | None:
    """bol's pick-up point where the channel's locationMap maps its name to one of ours, else home
    delivery to the customer's address (house number and extension as bol gives them apart)."""
    point = mapping.text(details.get("pickupPointName"))
    if (order.get("pickupPoint") or order.get("pickUpPoint")) and point and point in channel.location_map:
        return {"method": "pickup_point", "locationId": channel.location_map[point]}
    number = mapping.joined("-", details.get("houseNumber"), details.get("houseNumberExtension"))
    return mapping.home_delivery(
        details,
        ADDRESS,
        name=mapping.full_name(details.get("firstName"), details.get("surname")),
        field="shipmentDetails",
        line1=mapping.joined(" ", details.get("streetName"), number),
    )
