"""Shopify: order webhooks (orders/create, orders/updated, orders/cancelled), signed with
`X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(raw body, the app's secret)); one `X-Shopify-Webhook-Id`
per delivery, the same on Shopify's retries. The body is the REST order: ids are numbers beyond 2^53,
money decimal strings in the shop's currency (`price`, `total_price`). A return the merchant approved
(`returns/approve`, which only names it) becomes an OMS return: see shopify_returns.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.channels import base, mapping, shopify_returns
from chalicelib.adapters.channels.api import already, base_url, call, credentials_of
from chalicelib.adapters.channels.money import Line, rate_text
from chalicelib.adapters.outbound import Rejected
from chalicelib.domain.errors import Unauthorized

if TYPE_CHECKING:
    from chalicelib.contracts.channel_status import StatusUpdate
    from chalicelib.domain.network import Channel

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})
# A return the merchant approved (or created approved): expected back. One only requested waits for
# the merchant (ignored, as are declines); the rest of its life is the OMS's own.
RETURN_APPROVED = "returns/approve"
PAID = frozenset({"paid", "partially_refunded", "refunded"})
# Shipping lines Shopify marks as a pick-up in store (the category of the delivery method chosen).
PICK_UP = frozenset({"pick-up", "pickup", "pick_up"})
ADDRESS = mapping.AddressKeys("address1", "address2", "zip", "city", "province_code", "country_code")


API_VERSION = "2026-07"
# Fulfillment orders that can still be fulfilled (REST FulfillmentOrder.status).
FULFILLABLE = frozenset({"open", "in_progress"})
# Fulfillments that never took units out (REST Fulfillment.status).
UNFULFILLED = frozenset({"cancelled", "error", "failure"})


class Shopify(base.WebhookOnly):
    type = "shopify"

    def push_status(self, channel: Channel, credentials: str | None, update: StatusUpdate) -> base.Outcome:
        """A shipment: a fulfillment of the fulfillment orders' lines with tracking; a cancellation: the
        order cancelled. A refund is recorded only: Shopify refunds through the shop's payment gateway,
        so pushing the OMS's refund *request* (refunds are not confirmed yet) would move money that the
        merchant may also refund by hand in Shopify: twice.

        Some units cancelled are recorded only: the REST Admin API cancels whole orders; its one way to
        take units off an order is a refund (`refund_line_items` with `restock_type: cancel`), which
        Shopify books as a refund of the order, and refunds stay the OMS's (above). A return received is
        recorded only: Shopify's returns (returnCreate, returnProcess) are GraphQL-only, and one made in
        Shopify is there already (never a second). A workflow's notice is recorded only: the REST
        order's `note` is one field the merchant edits, not a log to append to."""
        if update.status in ("refunded", "returned", "notice") or (update.status == "cancelled" and update.lines):
            return "recorded"
        admin, headers = _admin(channel, credentials)
        try:
            if update.status == "shipped":
                return _fulfil(channel, admin, headers, update)
            call(channel, "POST", f"{admin}/orders/{update.externalId}/cancel.json", headers, {"reason": "other"})
        except Rejected as exc:
            if already(exc):
                return "already"
            raise
        return "pushed"

    def to_return(self, payload: Any, channel: Channel, credentials: str | None = None) -> base.ChannelReturn:
        """The return a `returns/approve` webhook names, read through the GraphQL Admin API."""
        return shopify_returns.fetch(channel, *_admin(channel, credentials), payload)

    def verify(self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str]) -> base.Delivery | base.Ignored:
        # Shopify's newer "Events" deliveries use the same names without "X-".
        signature = headers.get("x-shopify-hmac-sha256") or headers.get("shopify-hmac-sha256")
        if not base.signed_by(body, signature, secrets):
            raise Unauthorized("X-Shopify-Hmac-Sha256 does not match the body under the channel's secret")
        topic = headers.get("x-shopify-topic") or headers.get("shopify-topic") or ""
        if topic not in ORDER_TOPICS and topic != RETURN_APPROVED:
            return base.Ignored(topic)
        webhook_id = headers.get("x-shopify-webhook-id") or headers.get("shopify-webhook-id")
        if not webhook_id:
            raise Unauthorized("a signed Shopify delivery carries X-Shopify-Webhook-Id; this one does not")
        return base.Delivery(webhook_id, base.ANNOUNCED_RETURN if topic == RETURN_APPROVED else topic)

    def to_order(self, payload: Any, channel: Channel) -> base.ChannelOrder:
        # A webhook's body is the order; the REST API wraps it in {"order": ...}.
        order: dict[str, Any] = payload.get("order", payload) if isinstance(payload, dict) else {}
        external_id = mapping.required(order.get("id"), "id")
        currency = mapping.currency_of(order.get("currency"), channel)
        customer = order.get("customer") or {}
        shipping = order.get("shipping_address") or {}
        return mapping.canonical(
            channel,
            external_id=external_id,
            buyer=mapping.Buyer(
                platform_id=customer.get("id"),
                email=mapping.first_text(order.get("email"), order.get("contact_email"), customer.get("email")),
                name=mapping.first_text(
                    mapping.full_name(customer.get("first_name"), customer.get("last_name")), shipping.get("name")
                ),
                phone=mapping.first_text(order.get("phone"), customer.get("phone")),
            ),
            placed_at=mapping.utc(order.get("created_at"), "created_at"),
            updated_at=mapping.utc(order.get("updated_at") or order.get("created_at"), "updated_at"),
            paid=order.get("financial_status") in PAID,
            lines=[_line(channel, li, order) for li in order.get("line_items") or []],
            delivery=_pick_up(order, channel)
            or mapping.home_delivery(
                shipping,
                ADDRESS,
                name=mapping.text(shipping.get("name"))
                or mapping.full_name(shipping.get("first_name"), shipping.get("last_name")),
                field="shipping_address",
            ),
            figures=_figures(order, currency),
            cancelled=order.get("cancelled_at") is not None,
            cancelled_units=_cancelled_units(order),
            # An edit's refund is the merchant's in Shopify, a refund's was paid there: never the OMS's.
            units_refunded_by_platform=True,
        )


def _line(channel: Channel, item: dict[str, Any], order: dict[str, Any]) -> Line:
    line_id = mapping.required(item.get("id"), "line_items.id")
    where = f"line item {line_id}"
    taxes = item.get("tax_lines") or []
    return Line(
        line_id,
        mapping.sku_of(channel, item.get("sku"), (item.get("variant_id"), item.get("product_id")), line_id),
        mapping.whole(item.get("quantity"), f"{where}'s quantity"),
        mapping.decimal(item.get("price"), f"{where}'s price"),
        tax=_sum(taxes, "price", f"{where}'s tax_lines.price") if _tax_excluded(order) else Decimal(0),
        discounts=tuple(_allocations(item, order, where)),
        tax_rate=rate_text(
            sum((mapping.decimal(t.get("rate"), f"{where}'s tax rate") for t in taxes), Decimal(0)) * 100
        )
        if taxes
        else None,
    )


def _cancelled_units(order: dict[str, Any]) -> dict[str, int]:
    """Per line, the units Shopify took off before they shipped. `quantity - current_quantity` counts
    every unit removed: by an order edit (which takes off unfulfilled units only), and by any refund of
    units (Shopify's changelog of 2023-12-05, "Addition of LineItem current_quantity on Admin REST
    API": it replaces summing `refund_line_items`). So the units refunded after they shipped are taken
    out: those refunded as returned (`restock_type: return`, "use this when restocking line items that
    were fulfilled"), and those refunded without restock (`no_restock`, `legacy_restock`: either) as
    far as the line has units fulfilled. A line without `current_quantity` (before API 2024-01) has
    none cancelled."""
    returned: dict[str, int] = {}
    unrestocked: dict[str, int] = {}
    for refund in order.get("refunds") or []:
        for item in refund.get("refund_line_items") or []:
            line_id = mapping.required(item.get("line_item_id"), "refund_line_items.line_item_id")
            if item.get("restock_type") != "cancel":
                into = returned if item.get("restock_type") == "return" else unrestocked
                into[line_id] = into.get(line_id, 0) + mapping.whole(item.get("quantity"), "refund_line_items.quantity")
    fulfilled: dict[str, int] = {}
    for fulfillment in order.get("fulfillments") or []:
        if fulfillment.get("status") not in UNFULFILLED:
            for item in fulfillment.get("line_items") or []:
                line_id = mapping.required(item.get("id"), "fulfillments.line_items.id")
                fulfilled[line_id] = fulfilled.get(line_id, 0) + mapping.whole(
                    item.get("quantity"), "fulfillments.line_items.quantity"
                )
    found = {}
    for item in order.get("line_items") or []:
        if item.get("current_quantity") is None:
            continue
        line_id = mapping.required(item.get("id"), "line_items.id")
        where = f"line item {line_id}'s"
        removed = mapping.whole(item.get("quantity"), f"{where} quantity") - mapping.whole(
            item.get("current_quantity"), f"{where} current_quantity"
        )
        if removed < 0:
            raise base.Unmappable(f"{where} current_quantity is more than its quantity")
        back = returned.get(line_id, 0)
        after_shipping = back + min(unrestocked.get(line_id, 0), max(fulfilled.get(line_id, 0) - back, 0))
        if removed > after_shipping:
            found[line_id] = removed - after_shipping
    return found


def _figures(order: dict[str, Any], currency: str) -> base.PlatformFigures:
    """Shipping after its own discounts (with its tax where prices exclude it); the discounts no
    line or shipping line carries (`total_discounts` less the allocated ones) as one order discount;
    the tax no line carries, to be spread over the lines."""
    excluded = _tax_excluded(order)
    shipping = after = taxes = Decimal(0)
    for s in order.get("shipping_lines") or []:
        price = mapping.decimal(s.get("price"), "shipping_lines.price")
        discounted = s.get("discounted_price")
        paid = (
            mapping.decimal(discounted, "shipping_lines.discounted_price")
            if discounted is not None
            else price - _sum(s.get("discount_allocations") or [], "amount", "shipping_lines.discount_allocations")
        )
        tax = _sum(s.get("tax_lines") or [], "price", "shipping_lines.tax_lines.price") if excluded else Decimal(0)
        shipping, after, taxes = shipping + price, after + paid + tax, taxes + tax
    line_items = order.get("line_items") or []
    on_lines = sum((off.amount for li in line_items for off in _allocations(li, order, "a line item")), Decimal(0))
    unallocated = (
        mapping.decimal(order.get("total_discounts") or 0, "total_discounts") - on_lines - (shipping + taxes - after)
    )
    codes = [c.get("code") for c in order.get("discount_codes") or []]
    line_tax = sum((_sum(li.get("tax_lines") or [], "price", "tax_lines.price") for li in line_items), Decimal(0))
    return base.PlatformFigures(
        currency=currency,
        total=mapping.decimal(order.get("total_price"), "total_price"),
        discounts=(base.Off(unallocated, mapping.text(codes[0]) if len(codes) == 1 else None),)
        if unallocated > 0
        else (),
        shipping=after,
        shipping_method=next((mapping.text(s.get("title")) for s in order.get("shipping_lines") or []), None),
        tax_to_spread=mapping.decimal(order.get("total_tax") or 0, "total_tax") - line_tax - taxes
        if excluded
        else Decimal(0),
    )


def _allocations(item: dict[str, Any], order: dict[str, Any], where: str) -> list[base.Off]:
    """The line's discounts: its allocations, each with its application's code; else `total_discount`."""
    applications = order.get("discount_applications") or []
    allocations = item.get("discount_allocations")
    if not allocations:
        total = mapping.decimal(item.get("total_discount") or 0, f"{where}'s total_discount")
        return [base.Off(total)] if total > 0 else []
    found = []
    for allocation in allocations:
        index = allocation.get("discount_application_index")
        application = applications[index] if isinstance(index, int) and 0 <= index < len(applications) else {}
        found.append(
            base.Off(
                mapping.decimal(allocation.get("amount"), f"{where}'s discount_allocations"),
                mapping.text(application.get("code")),
            )
        )
    return found


def _tax_excluded(order: dict[str, Any]) -> bool:
    return order.get("taxes_included") is False


def _sum(items: list[dict[str, Any]], key: str, field: str) -> Decimal:
    return sum((mapping.decimal(i.get(key), field) for i in items), Decimal(0))


def _fulfil(channel: Channel, admin: str, headers: dict[str, str], update: StatusUpdate) -> base.Outcome:
    """One fulfillment for the shipped lines, taken from the fulfillment orders that still have them
    (a retry after Shopify took it finds nothing left: already)."""
    listed = call(channel, "GET", f"{admin}/orders/{update.externalId}/fulfillment_orders.json", headers)
    wanted = {line.lineId: line.quantity for line in update.lines}
    by_order = []
    for fo in (listed or {}).get("fulfillment_orders") or []:
        if fo.get("status") not in FULFILLABLE:
            continue
        items = []
        for item in fo.get("line_items") or []:
            line_id = str(item.get("line_item_id"))
            take = min(wanted.get(line_id, 0), int(item.get("fulfillable_quantity") or 0))
            if take > 0:
                items.append({"id": item["id"], "quantity": take})
                wanted[line_id] -= take
        if items:
            by_order.append({"fulfillment_order_id": fo["id"], "fulfillment_order_line_items": items})
    if not by_order:
        return "already"
    tracking = update.tracking
    fulfillment: dict[str, Any] = {"notify_customer": True, "line_items_by_fulfillment_order": by_order}
    if tracking is not None:
        info = {"number": tracking.code, "company": tracking.carrier, "url": tracking.url}
        fulfillment["tracking_info"] = {k: v for k, v in info.items() if v}
    call(channel, "POST", f"{admin}/fulfillments.json", headers, {"fulfillment": fulfillment})
    return "pushed"


def _admin(channel: Channel, credentials: str | None) -> tuple[str, dict[str, str]]:
    """The shop's Admin API base URL and the headers carrying its access token."""
    found = credentials_of(channel, credentials, "shopDomain", "accessToken")
    admin = f"{base_url(channel, 'https://' + found['shopDomain'])}/admin/api/{API_VERSION}"
    return admin, {"X-Shopify-Access-Token": found["accessToken"]}


def _pick_up(order: dict[str, Any], channel: Channel) -> dict[str, Any] | None:
    """Click & collect at our store for a Shopify pick-up: the shipping line's code names the pick-up
    location (or the order's `location_id` does), which the channel's locationMap maps to a store."""
    for line in order.get("shipping_lines") or []:
        code = mapping.text(line.get("code"))
        category = (mapping.text(line.get("delivery_category")) or "").lower()
        if code in channel.location_map or category in PICK_UP:
            where = code if code in channel.location_map else mapping.text(order.get("location_id"))
            return {"method": "click_and_collect", "locationId": mapping.store_for(channel, where or "", "a pick-up")}
    return None
