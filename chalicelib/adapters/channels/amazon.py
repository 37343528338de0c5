"""Amazon (SP-API Orders v2026-01-01): polled, and told of changes by `ORDER_CHANGE` notifications on
an SQS queue (chalicelib/service/channel_notifications.py), which only name the order: the inbox's
consumer fetches it (getOrder) and applies it when its `lastUpdatedTime` is newer.

Money is `{amount, currencyCode}` with the amount a decimal string. An item's proceeds break down into
ITEM (its units before tax), TAX and DISCOUNT (each, where detailed, by what it falls on: ITEM or
SHIPPING) and SHIPPING; the examples' grand totals add tax on top of the item amounts, so the line's
tax goes into its VAT-inclusive unit price (chalicelib/adapters/channels/money.py) and the order
totals the grand total. A delivery tip (on no item) is what the reconciliation logs as "more".
A shipment goes back through v0's confirmShipment, a cancellation as an order acknowledgement feed
(neither Orders API has one), followed until Amazon has processed it; Amazon refunds its own customers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from chalicelib import clock
from chalicelib.adapters.channels import amazon_api, amazon_feeds, base, mapping, sent
from chalicelib.adapters.channels.api import already, credentials_of
from chalicelib.adapters.channels.money import Line
from chalicelib.adapters.outbound import Rejected
from chalicelib.domain.errors import Refused

if TYPE_CHECKING:
    from chalicelib.contracts.channel_status import StatusUpdate
    from chalicelib.domain.network import Channel

ORDER_CHANGE = "ORDER_CHANGE"
CANCELLED = frozenset({"CANCELLED", "CANCELED"})  # the model spells it CANCELLED; v0 and the docs Canceled
UNPAID = frozenset({"PENDING", "PENDING_AVAILABILITY"})  # payment not yet authorised
# recipient.deliveryAddress: lines 2 and 3 go together as the second line.
ADDRESS = mapping.AddressKeys(
    "addressLine1", None, "postalCode", "city", "stateOrRegion", "countryCode", company="companyName"
)
# Our carriers' names -> Amazon's carrier codes; others go as "Other" with their name.
CARRIERS = {"postnl": "PostNL", "dhl": "DHL", "dpd": "DPD", "ups": "UPS", "gls": "GLS", "fedex": "FedEx"}


@dataclass(frozen=True)
class Notification:
    """An SP-API notification, unwrapped from its SQS message: whose it is, and the JSON to keep."""

    notification_id: str
    type: str
    seller_id: str | None
    marketplace_id: str | None
    raw: str  # the notification's JSON, unwrapped
    fulfilled_by_amazon: bool = False  # FBA (AFN): Amazon ships it, the OMS has nothing to do (as the poller)


def notification(message_body: str) -> Notification:
    """The notification an SQS message carries: its body is the notification's JSON, or that JSON as a
    JSON string again (Amazon's own sample unwraps both)."""
    raw, found = message_body, _json(message_body)
    if isinstance(found, str):
        raw, found = found, _json(found)
    if not isinstance(found, dict) or not found.get("NotificationType"):
        raise base.Unmappable("the message is not an SP-API notification: it has no NotificationType")
    metadata = found.get("NotificationMetadata") or {}
    change = (found.get("Payload") or {}).get("OrderChangeNotification") or {}
    return Notification(
        notification_id=mapping.required(metadata.get("NotificationId"), "NotificationMetadata.NotificationId"),
        type=str(found["NotificationType"]),
        seller_id=mapping.text(change.get("SellerId")),
        marketplace_id=mapping.text((change.get("Summary") or {}).get("MarketplaceId")),
        raw=raw,
        fulfilled_by_amazon=(change.get("Summary") or {}).get("FulfillmentType") == "AFN",
    )


def _json(body: str) -> Any:
    try:
        return base.parse(body)
    except ValueError:
        raise base.Unmappable("the message body is not JSON") from None


def addressed_to(
    channel: Channel, credentials: str | None, note: Notification
) -> Literal["seller", "marketplace"] | None:
    """How the notification names this channel: by its seller (and marketplace), by its marketplace
    alone when its credentials have no sellerId, or not at all."""
    try:
        found = credentials_of(channel, credentials, "sellerId", "marketplaceId")
    except Refused:
        try:
            market = credentials_of(channel, credentials, "marketplaceId")["marketplaceId"]
        except Refused:
            return None
        return "marketplace" if note.marketplace_id == market else None
    if found["sellerId"] == note.seller_id and note.marketplace_id in (None, found["marketplaceId"]):
        return "seller"
    return None


class Amazon(base.NoWebhooks, base.PolledWhole):
    type = "amazon"
    no_webhooks = "Amazon notifies through its SQS queue (amazon-notifications), not by webhook"
    api: ClassVar[base.OrdersApi] = amazon_api

    def order_named(self, payload: Any) -> str | None:
        if not isinstance(payload, dict) or payload.get("NotificationType") != ORDER_CHANGE:
            return None
        change = (payload.get("Payload") or {}).get("OrderChangeNotification") or {}
        return mapping.required(change.get("AmazonOrderId"), "Payload.OrderChangeNotification.AmazonOrderId")

    def order_id(self, order: dict[str, Any]) -> str:
        return mapping.required(order.get("orderId"), "orderId")

    def to_order(self, payload: Any, channel: Channel) -> base.ChannelOrder:
        # getOrder wraps it in {"order": ...}; searchOrders lists it bare.
        order: dict[str, Any] = payload.get("order", payload) if isinstance(payload, dict) else {}
        external_id = mapping.required(order.get("orderId"), "orderId")
        fulfillment = order.get("fulfillment") or {}
        status = (mapping.text(fulfillment.get("fulfillmentStatus")) or "").upper()
        items = order.get("orderItems") or []
        currency = mapping.currency_of(_currency(order), channel)
        parts = [_Proceeds.of(item, currency) for item in items]
        lines = [_line(channel, item, part, currency) for item, part in zip(items, parts, strict=True)]
        buyer = order.get("buyer") or {}
        to = (order.get("recipient") or {}).get("deliveryAddress") or {}
        shipping = sum((p.shipping for p in parts), Decimal(0))
        return mapping.canonical(
            channel,
            external_id=external_id,
            buyer=mapping.Buyer(
                platform_id=None,  # Amazon names no buyer: its emails are per order
                email=buyer.get("buyerEmail"),
                name=mapping.first_text(buyer.get("buyerName"), to.get("name")),
                phone=to.get("phone"),
            ),
            placed_at=mapping.utc(order.get("createdTime"), "createdTime"),
            updated_at=mapping.utc(order.get("lastUpdatedTime") or order.get("createdTime"), "lastUpdatedTime"),
            paid=status not in UNPAID,
            lines=lines,
            delivery=_delivery(to),
            figures=base.PlatformFigures(
                currency=currency,
                total=_grand_total(order, currency) or sum((_charged(ln) for ln in lines), shipping),
                shipping=shipping,
                shipping_method=mapping.text(fulfillment.get("fulfillmentServiceLevel")),
            ),
            cancelled=status in CANCELLED,
            cancel_lines=tuple(ln.line_id for ln, item in zip(lines, items, strict=True) if _cancelled(item)),
        )

    def push_status(self, channel: Channel, credentials: str | None, update: StatusUpdate) -> base.Outcome:
        """A shipment: one confirmShipment for its items with the tracking. A cancellation: an order
        acknowledgement feed (`_cancel`). A refund is Amazon's own business (it refunds its customer)."""
        if update.status == "cancelled":
            return _cancel(channel, credentials, update)
        if update.status != "shipped":
            return "recorded"
        order = amazon_api.order(channel, credentials, update.externalId)
        tracking = update.tracking
        packages = order.get("packages") or []
        status = (mapping.text((order.get("fulfillment") or {}).get("fulfillmentStatus")) or "").upper()
        if status in CANCELLED:
            raise Refused(f"amazon channel {channel.channel_id}: order {update.externalId} is cancelled at Amazon")
        if status == "SHIPPED" or (tracking and any(p.get("trackingNumber") == tracking.code for p in packages)):
            return "already"
        if tracking is None:
            raise Refused(f"amazon channel {channel.channel_id}: confirmShipment needs a tracking number")
        open_items = {str(i.get("orderItemId")): _unfulfilled(i) for i in order.get("orderItems") or []}
        wanted = {ln.lineId: ln.quantity for ln in update.lines if open_items.get(ln.lineId)} or {
            item_id: left for item_id, left in open_items.items() if left
        }
        if not wanted:
            return "already"
        body = {
            "marketplaceId": mapping.text((order.get("salesChannel") or {}).get("marketplaceId"))
            or amazon_api.marketplace(channel, credentials),
            "packageDetail": {
                "packageReferenceId": _package_reference(update.fulfilmentOrderId or update.eventId),
                "carrierCode": CARRIERS.get(tracking.carrier.lower().replace(" ", ""), "Other"),
                "carrierName": tracking.carrier,
                "trackingNumber": tracking.code,
                "shipDate": clock.now(),
                "orderItems": [{"orderItemId": i, "quantity": q} for i, q in wanted.items()],
            },
        }
        try:
            amazon_api.confirm_shipment(channel, credentials, update.externalId, body)
        except Rejected as exc:
            if already(exc):
                return "already"
            raise
        return "pushed"

    def push_stock(self, channel: Channel, credentials: str | None, sku: str, quantity: int) -> base.Outcome:
        """The listing's quantity for merchant fulfilment (`DEFAULT`), replaced. Amazon takes the patch
        and applies it asynchronously; an INVALID submission is refused with Amazon's reasons."""
        patch = {
            "op": "replace",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": max(quantity, 0)}],
        }
        answer = amazon_api.patch_listing(channel, credentials, sku, {"productType": "PRODUCT", "patches": [patch]})
        if answer.get("status") == "INVALID":
            said = "; ".join(str(i.get("message")) for i in answer.get("issues") or [])
            raise Refused(f"amazon channel {channel.channel_id}: listing {sku} refused the quantity: {said[:300]}")
        return "pushed"


def _cancel(channel: Channel, credentials: str | None, update: StatusUpdate) -> base.Outcome:
    """Failure for the whole order (no `lines`) or for the items named, each whole: the order
    acknowledgement cancels an item, not some of its units. Nothing is sent for what Amazon has
    cancelled already, and nothing once an item has shipped (Amazon would refund the order whole).
    The feed sent is followed until Amazon has done with it (amazon_feeds.follow): its id is remembered
    by the update's event id, and the update, held back, comes back to check it again (a redelivery
    too), never to send a second feed; a report with errors, a CANCELLED or FATAL feed, or one Amazon
    never finishes is refused, dead-lettered with the feed's id."""
    where = f"amazon channel {channel.channel_id}: order {update.externalId}"
    remembered = sent.sent(channel.channel_id, update.eventId)
    if remembered is not None:
        return amazon_feeds.follow(channel, credentials, where, remembered)
    order = amazon_api.order(channel, credentials, update.externalId)
    items = {str(i.get("orderItemId")): i for i in order.get("orderItems") or []}
    status = (mapping.text((order.get("fulfillment") or {}).get("fulfillmentStatus")) or "").upper()
    if status in CANCELLED:
        return "already"
    wanted = {ln.lineId: ln.quantity for ln in update.lines} or {i: _open(item) for i, item in items.items()}
    unknown = sorted(set(wanted) - set(items))
    if unknown:
        raise Refused(f"{where} has no items {unknown}")
    left = {i: q for i, q in wanted.items() if _open(items[i])}
    shipped = sorted(i for i in wanted if int((items[i].get("fulfillment") or {}).get("quantityFulfilled") or 0))
    if shipped:
        raise Refused(f"{where}: items {shipped} have shipped, and Amazon refunds a cancelled order whole after that")
    if not left:
        return "already"
    partial = sorted(i for i, q in left.items() if q < _open(items[i]))
    if partial:
        raise Refused(f"{where}: Amazon cancels items whole, not some of their units (items {partial})")
    seller = amazon_api.seller(channel, credentials, "cancel orders")
    whole = not update.lines or set(left) == {i for i, item in items.items() if _open(item)}
    reason = amazon_feeds.cancel_reason(update.reason)
    document = amazon_feeds.acknowledgement(seller, update.externalId, () if whole else tuple(left), reason)
    feed_id = amazon_api.create_feed(channel, credentials, amazon_feeds.ACKNOWLEDGEMENT, document)
    return amazon_feeds.follow(channel, credentials, where, sent.remember(channel.channel_id, update.eventId, feed_id))


def _open(item: dict[str, Any]) -> int:
    """How many of the item's units are neither shipped nor cancelled."""
    return _unfulfilled(item) if not _cancelled(item) else 0


@dataclass(frozen=True)
class _Proceeds:
    """An item's proceeds by what they fall on (amounts as Amazon gives them, discounts positive)."""

    item: Decimal | None
    item_tax: Decimal
    item_discount: Decimal
    shipping: Decimal  # after its discount, with its tax

    @classmethod
    def of(cls, item: dict[str, Any], currency: str) -> _Proceeds:
        where = f"order item {mapping.text(item.get('orderItemId'))}'s proceeds"
        totals: dict[str, Decimal] = {}
        detail: dict[tuple[str, str], Decimal] = {}
        for part in (item.get("proceeds") or {}).get("breakdowns") or []:
            kind = (mapping.text(part.get("type")) or "OTHER").upper()
            totals[kind] = totals.get(kind, Decimal(0)) + _money(part.get("subtotal"), f"{where} {kind}", currency)
            for sub in part.get("detailedBreakdowns") or []:
                key = (kind, (mapping.text(sub.get("subtype")) or "OTHER").upper())
                detail[key] = detail.get(key, Decimal(0)) + _money(sub.get("value"), f"{where} {kind}", currency)

        def on(kind: str, subtype: str, whole_if_undetailed: bool) -> Decimal:
            if any(k == kind for k, _ in detail):
                return detail.get((kind, subtype), Decimal(0))
            return totals.get(kind, Decimal(0)) if whole_if_undetailed else Decimal(0)

        # Tax on a discount (subtype DISCOUNT) lowers the item's tax; undetailed tax is the item's.
        item_tax = on("TAX", "ITEM", True) + on("TAX", "DISCOUNT", False)
        return cls(
            item=totals.get("ITEM"),
            item_tax=item_tax,
            item_discount=abs(on("DISCOUNT", "ITEM", True)),
            shipping=totals.get("SHIPPING", Decimal(0))
            + on("TAX", "SHIPPING", False)
            - abs(on("DISCOUNT", "SHIPPING", False)),
        )


def _line(channel: Channel, item: dict[str, Any], proceeds: _Proceeds, currency: str) -> Line:
    line_id = mapping.required(item.get("orderItemId"), "orderItems.orderItemId")
    where = f"order item {line_id}"
    product = item.get("product") or {}
    quantity = mapping.whole(item.get("quantityOrdered"), f"{where}'s quantityOrdered")
    unit = _money((product.get("price") or {}).get("unitPrice"), f"{where}'s unitPrice", currency)
    promoted = (item.get("promotion") or {}).get("breakdowns") or []
    promotions = [p for p in (mapping.text(b.get("promotionId")) for b in promoted) if p]
    return Line(
        line_id,
        mapping.sku_of(channel, product.get("sellerSku"), (product.get("asin"),), line_id),
        quantity,
        unit,
        tax=proceeds.item_tax,
        discounts=(base.Off(proceeds.item_discount, ",".join(promotions) or None),) if proceeds.item_discount else (),
        value=proceeds.item,
    )


def _charged(line: Line) -> Decimal:
    return line.before_tax + line.tax - sum((d.amount for d in line.discounts), Decimal(0))


def _money(value: Any, field: str, currency: str) -> Decimal:
    """A Money `{amount, currencyCode}` in the order's currency."""
    found = value if isinstance(value, dict) else {}
    code = mapping.text(found.get("currencyCode"))
    if code is not None and code.upper() != currency:
        raise base.Unmappable(f"{field} is in {code}, the order in {currency}")
    return mapping.decimal(found.get("amount"), field)


def _currency(order: dict[str, Any]) -> Any:
    """The grand total's currency, else the first item price's."""
    grand = (order.get("proceeds") or {}).get("grandTotal") or {}
    if grand.get("currencyCode"):
        return grand["currencyCode"]
    items = order.get("orderItems") or []
    prices = [((i.get("product") or {}).get("price") or {}).get("unitPrice") or {} for i in items]
    return next((p["currencyCode"] for p in prices if p.get("currencyCode")), None)


def _grand_total(order: dict[str, Any], currency: str) -> Decimal | None:
    grand = (order.get("proceeds") or {}).get("grandTotal")
    return _money(grand, "proceeds.grandTotal", currency) if grand else None


def _unfulfilled(item: dict[str, Any]) -> int:
    fulfillment = item.get("fulfillment") or {}
    if fulfillment.get("quantityUnfulfilled") is not None:
        return int(fulfillment["quantityUnfulfilled"])
    return int(item.get("quantityOrdered") or 0) - int(fulfillment.get("quantityFulfilled") or 0)


def _cancelled(item: dict[str, Any]) -> bool:
    """An item Amazon cancelled (not merely one its buyer asked to cancel: that is the seller's call)
    of which nothing was shipped."""
    executed = (item.get("cancellation") or {}).get("cancellationExecution")
    return bool(executed) and not int((item.get("fulfillment") or {}).get("quantityFulfilled") or 0)


def _package_reference(fulfilment_order_id: str) -> str:
    """confirmShipment's packageReferenceId: a positive number (Amazon accepts no other), the same for
    every try of one shipment."""
    return str(int(hashlib.sha256(fulfilment_order_id.encode()).hexdigest()[:12], 16) + 1)


def _delivery(found: dict[str, Any]) -> dict[str, Any] | None:
    """Home delivery to the recipient; address lines 2 and 3 joined (in NL and BE the house number comes
    out of line 1, or is line 2 on its own)."""
    rest = mapping.joined(", ", found.get("addressLine2"), found.get("addressLine3"))
    return mapping.home_delivery(
        found, ADDRESS, name=mapping.text(found.get("name")), field="recipient.deliveryAddress", line2=rest
    )
