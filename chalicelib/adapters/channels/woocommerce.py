"""WooCommerce: order webhooks (order.created, order.updated), signed with `X-WC-Webhook-Signature` =
base64(HMAC-SHA256(raw body, the webhook's secret)). Its Delivery-ID is a hash of the webhook and
the second, so two deliveries in one second share it: a repeat is the same order at the same
`date_modified_gmt` instead. Saving a webhook sends an unsigned form post `webhook_id=<id>` (the
ping), which must get exactly 200. The body is the wc/v3 order: totals strings, line prices numbers,
times without a zone (the `*_gmt` ones are UTC)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.channels import base, mapping
from chalicelib.adapters.channels.api import base_url, call, credentials_of
from chalicelib.adapters.channels.money import Line, rate_text
from chalicelib.domain.errors import Unauthorized

if TYPE_CHECKING:
    from chalicelib.contracts.channel_status import StatusUpdate
    from chalicelib.contracts.event_parts import MoneyDetail
    from chalicelib.domain.network import Channel

ORDER_TOPICS = frozenset({"order.created", "order.updated"})
_PING = re.compile(rb"^webhook_id=\d{1,20}$")
PAID = frozenset({"processing", "completed"})
CANCELLED = frozenset({"cancelled", "failed", "trash"})
ADDRESS = mapping.AddressKeys("address_1", "address_2", "postcode", "city", "state", "country")


# The order status each update sets (a whole order's cancellation); the others only add their note.
TARGET = {"shipped": "completed", "cancelled": "cancelled"}


class WooCommerce(base.WebhookOnly):
    type = "woocommerce"

    def push_status(self, channel: Channel, credentials: str | None, update: StatusUpdate) -> base.Outcome:
        """The order's status (completed, cancelled) and a note saying why (the tracking for a shipment,
        shown to the customer). Some units cancelled, or a return received: a note naming them
        (WooCommerce cancels and returns no lines); a workflow's notice: a private note. A refund the
        OMS paid: recorded as a WooCommerce refund that its gateway does not pay again
        (`api_refund: false`); another refund: a note. Each step only when not done yet, so a retry
        adds no second note nor refund."""
        found = credentials_of(channel, credentials, "consumerKey", "consumerSecret")
        basic = base64.b64encode(f"{found['consumerKey']}:{found['consumerSecret']}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}"}
        order_url = f"{base_url(channel, None)}/wp-json/wc/v3/orders/{update.externalId}"
        if update.status == "refunded" and update.executor == "payment" and update.amount is not None:
            return _refund(channel, order_url, headers, update, update.amount)
        note = _note(update)
        target = None if update.lines and update.status == "cancelled" else TARGET.get(update.status)
        notes = call(channel, "GET", f"{order_url}/notes", headers) or []
        done = True
        if not any(isinstance(n, dict) and n.get("note") == note for n in notes):
            body = {"note": note, "customer_note": update.status == "shipped"}
            call(channel, "POST", f"{order_url}/notes", headers, body)
            done = False
        if target is not None and (call(channel, "GET", order_url, headers) or {}).get("status") != target:
            call(channel, "PUT", order_url, headers, {"status": target})
            done = False
        return "already" if done else "pushed"

    def verify(self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str]) -> base.Received:
        signature = headers.get("x-wc-webhook-signature")
        if signature is None and _PING.match(body.strip()):
            return base.Ping()
        if not base.signed_by(body, signature, secrets):
            raise Unauthorized("X-WC-Webhook-Signature does not match the body under the channel's secret")
        topic = headers.get("x-wc-webhook-topic", "")
        if topic not in ORDER_TOPICS:
            return base.Ignored(topic)
        return base.Delivery(dedup_key=_dedup_key(body), topic=topic)

    def to_order(self, payload: Any, channel: Channel) -> base.ChannelOrder:
        order: dict[str, Any] = payload if isinstance(payload, dict) else {}
        external_id = mapping.required(order.get("id"), "id")
        currency = mapping.currency_of(order.get("currency"), channel)
        billing, shipping = order.get("billing") or {}, order.get("shipping") or {}
        return mapping.canonical(
            channel,
            external_id=external_id,
            buyer=mapping.Buyer(
                platform_id=order.get("customer_id"),
                email=billing.get("email"),
                name=mapping.full_name(billing.get("first_name"), billing.get("last_name")),
                phone=billing.get("phone"),
            ),
            placed_at=mapping.utc(order.get("date_created_gmt"), "date_created_gmt", naive_is_utc=True),
            updated_at=mapping.utc(
                order.get("date_modified_gmt") or order.get("date_created_gmt"), "date_modified_gmt", naive_is_utc=True
            ),
            paid=order.get("status") in PAID or mapping.text(order.get("date_paid_gmt")) is not None,
            lines=[_line(channel, li, order) for li in order.get("line_items") or []],
            delivery=mapping.home_delivery(
                shipping,
                ADDRESS,
                name=mapping.full_name(shipping.get("first_name"), shipping.get("last_name")),
                field="shipping",
            ),
            figures=base.PlatformFigures(
                currency=currency,
                total=mapping.decimal(order.get("total"), "total"),
                # Coupons are on the lines already (their `total` is after them); a negative fee is a
                # discount on the order.
                discounts=tuple(base.Off(-fee, mapping.text(name)) for fee, name in _fees(order) if fee < 0),
                shipping=mapping.decimal(order.get("shipping_total") or 0, "shipping_total")
                + mapping.decimal(order.get("shipping_tax") or 0, "shipping_tax"),
                shipping_method=next(
                    (mapping.text(s.get("method_title")) for s in order.get("shipping_lines") or []), None
                ),
            ),
            cancelled=order.get("status") in CANCELLED,
        )


def _refund(
    channel: Channel, order_url: str, headers: dict[str, str], update: StatusUpdate, amount: MoneyDetail
) -> base.Outcome:
    """The OMS's refund as a WooCommerce refund of the order, named by its id in the reason (a retry
    finds it); `api_refund: false`, so WooCommerce's gateway pays nothing: the OMS has."""
    reason = f"{update.reason or 'Refund'} (OMS refund {update.refundId})"
    refunds = call(channel, "GET", f"{order_url}/refunds", headers) or []
    if any(isinstance(r, dict) and r.get("reason") == reason for r in refunds):
        return "already"
    call(
        channel,
        "POST",
        f"{order_url}/refunds",
        headers,
        {"amount": amount.amount, "reason": reason, "api_refund": False},
    )
    return "pushed"


def _note(update: StatusUpdate) -> str:
    """The note's text: the same for the same update, so a retry finds it."""
    if update.status == "shipped":
        tracking = update.tracking
        sent = f"{tracking.carrier} {tracking.code}" + (f" {tracking.url}" if tracking.url else "") if tracking else ""
        return f"Shipped{' with ' + sent if sent else ''} (OMS {update.fulfilmentOrderId or update.orderId})."
    if update.status == "notice":
        return f"OMS: {update.reason} (OMS event {update.eventId})."
    units = ", ".join(f"{ln.quantity} of line item {ln.lineId}" for ln in update.lines)
    if update.status == "cancelled" and units:
        return f"Cancelled in the OMS: {units} (OMS event {update.eventId})."
    if update.status == "cancelled":
        return f"Cancelled in the OMS (OMS {update.orderId})."
    if update.status == "returned":
        return f"Return received in the OMS: {units} (OMS event {update.eventId})."
    amount = f"{update.amount.amount} {update.amount.currency} " if update.amount else ""
    return f"Refund of {amount}requested in the OMS: {update.reason or 'no reason given'} (OMS event {update.eventId})."


def _dedup_key(body: bytes) -> str:
    """The order and the moment it was modified; a body that is not such an order, by its hash
    (it is stored all the same and fails, readably, in the consumer)."""
    try:
        order = base.parse(body)
        modified = mapping.required(order["date_modified_gmt"], "date_modified_gmt")
        return f"order-{mapping.required(order['id'], 'id')}-{modified}"
    except (ValueError, KeyError, TypeError):
        return "sha256-" + hashlib.sha256(body).hexdigest()


def _line(channel: Channel, item: dict[str, Any], order: dict[str, Any]) -> Line:
    """WooCommerce's line amounts exclude tax whatever the shop shows: `subtotal` before coupons,
    `total` after, each with its `*_tax`; so the line's coupons are what lies between the two."""
    line_id = mapping.required(item.get("id"), "line_items.id")
    where = f"line item {line_id}"
    subtotal = mapping.decimal(item.get("subtotal"), f"{where}'s subtotal")
    subtotal_tax = mapping.decimal(item.get("subtotal_tax") or 0, f"{where}'s subtotal_tax")
    after = mapping.decimal(item.get("total") or subtotal, f"{where}'s total") + mapping.decimal(
        item.get("total_tax") or subtotal_tax, f"{where}'s total_tax"
    )
    coupons = [mapping.text(c.get("code")) for c in order.get("coupon_lines") or []]
    off = subtotal + subtotal_tax - after
    return Line(
        line_id,
        mapping.sku_of(channel, item.get("sku"), (item.get("variation_id"), item.get("product_id")), line_id),
        mapping.whole(item.get("quantity"), f"{where}'s quantity"),
        mapping.decimal(item.get("price"), f"{where}'s price"),
        tax=subtotal_tax,
        discounts=(base.Off(off, coupons[0] if len(coupons) == 1 else None),) if off > 0 else (),
        tax_rate=_rate(item, order),
        value=subtotal,
    )


def _rate(item: dict[str, Any], order: dict[str, Any]) -> str | None:
    """The line's VAT rate where the order's tax line for it gives `rate_percent` (WooCommerce 5.3+)."""
    ids = {t.get("id") for t in item.get("taxes") or []}
    rates = [t.get("rate_percent") for t in order.get("tax_lines") or [] if t.get("rate_id") in ids]
    if len(rates) != 1 or rates[0] is None:
        return None
    return rate_text(mapping.decimal(rates[0], "tax_lines.rate_percent"))


def _fees(order: dict[str, Any]) -> list[tuple[Decimal, str | None]]:
    return [
        (
            mapping.decimal(f.get("total") or 0, "fee_lines.total")
            + mapping.decimal(f.get("total_tax") or 0, "fee_lines.total_tax"),
            f.get("name"),
        )
        for f in order.get("fee_lines") or []
    ]
