"""Magento (Adobe Commerce): polled, not pushed. Core Magento sends no signed order webhooks, so the
poller (chalicelib/service/channel_poll.py) lists the orders whose `updated_at` falls in its window
(chalicelib/adapters/channels/magento_api.py), each whole, and keeps each state of an order once in
the inbox; `updated_at` (UTC without a zone) is the update time.

The order's id is its `entity_id` (what the API takes); the `increment_id` customers see has no place
on the canonical order. Amounts are JSON numbers in the order's currency (`order_currency_code`; the
`base_*` twins are the store's base currency and are not used). A line is a top-level item, VAT
included (`row_total_incl_tax`, less its `discount_amount`): a configurable product's parent carries
the chosen simple product's SKU and the price, so its child item (`parent_item_id`) is not mapped; a
bundle, whose prices Magento may keep on its children, is refused until it is mapped. Shipping is
`shipping_incl_tax` less `shipping_discount_amount`; the total is `grand_total`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from chalicelib.adapters import outbound
from chalicelib.adapters.channels import base, magento_api, mapping
from chalicelib.adapters.channels.money import Line, rate_text
from chalicelib.domain.errors import Refused

if TYPE_CHECKING:
    from chalicelib.contracts.channel_status import StatusUpdate
    from chalicelib.domain.network import Channel

PAID = frozenset({"processing", "complete", "closed"})  # invoiced (or shipped); new, holded, pending_payment: not
CANCELED = "canceled"
CARRIERS = frozenset({"ups", "usps", "fedex", "dhl"})  # Magento's own carrier codes; any other is "custom"
# Magento's answer to a shipment of an order with nothing left to ship (ShipOrder's validators).
_NOTHING_TO_SHIP = re.compile(r"does not allow a shipment|cannot do shipment|already\s+shipped", re.IGNORECASE)


class Magento(base.NoWebhooks, base.PolledWhole):
    type = "magento"
    no_webhooks = "Magento orders are polled (Magento signs no order webhooks): this channel takes none"
    api: ClassVar[base.OrdersApi] = magento_api

    def order_id(self, order: dict[str, Any]) -> str:
        return str(order.get("entity_id"))

    def to_order(self, payload: Any, channel: Channel) -> base.ChannelOrder:
        order: dict[str, Any] = payload if isinstance(payload, dict) else {}
        external_id = mapping.required(order.get("entity_id"), "entity_id")
        items = _top_level(order)
        coupon = mapping.text(order.get("coupon_code")) or mapping.text(order.get("discount_description"))
        ship_to = _ship_to(order)
        billing = order.get("billing_address") or {}
        guest = str(order.get("customer_is_guest") or 0) not in ("0", "False")
        shipping = mapping.decimal(order.get("shipping_incl_tax") or 0, "shipping_incl_tax") - mapping.decimal(
            order.get("shipping_discount_amount") or 0, "shipping_discount_amount"
        )
        cancelled_units = {mapping.required(i.get("item_id"), "items.item_id"): _cancelled(i) for i in items}
        return mapping.canonical(
            channel,
            external_id=external_id,
            buyer=mapping.Buyer(
                platform_id=None if guest else order.get("customer_id"),
                email=mapping.first_text(order.get("customer_email"), billing.get("email")),
                name=mapping.full_name(order.get("customer_firstname"), order.get("customer_lastname"))
                or mapping.full_name(billing.get("firstname"), billing.get("lastname")),
                phone=mapping.first_text(ship_to.get("telephone"), billing.get("telephone")),
            ),
            placed_at=mapping.utc(order.get("created_at"), "created_at", naive_is_utc=True),
            updated_at=mapping.utc(order.get("updated_at") or order.get("created_at"), "updated_at", naive_is_utc=True),
            paid=order.get("state") in PAID,
            lines=[_line(channel, item, coupon) for item in items],
            delivery=_delivery(ship_to),
            figures=base.PlatformFigures(
                currency=mapping.currency_of(order.get("order_currency_code"), channel),
                total=mapping.decimal(order.get("grand_total"), "grand_total"),
                shipping=shipping,
                shipping_method=mapping.text(order.get("shipping_description")),
            ),
            cancelled=order.get("state") == CANCELED,
            cancelled_units={k: v for k, v in cancelled_units.items() if v},
            # Magento cancels only what it never invoiced: no money was taken for those units, so the
            # OMS pays none back (its payment side would pay out money it never received).
            units_refunded_by_platform=True,
        )

    def push_status(self, channel: Channel, credentials: str | None, update: StatusUpdate) -> base.Outcome:
        """A shipment becomes a Magento shipment of its units with its tracking (`POST /order/{id}/ship`),
        its comment naming the OMS's fulfilment order so that a retry finds it; a whole cancellation
        cancels the order (`POST /orders/{id}/cancel`). Recorded only: a partial cancellation (Magento
        cancels whole orders; units come off only by a credit memo, a refund), a return received and a
        refund (a credit memo refunds through the shop's payment gateway, which would pay the customer
        a second time what the OMS refunds), and a workflow's notice."""
        if update.status == "shipped":
            return _ship(channel, credentials, update)
        if update.status == "cancelled" and not update.lines:
            return _cancel(channel, credentials, update.externalId)
        return "recorded"


def _top_level(order: dict[str, Any]) -> list[dict[str, Any]]:
    """The order's items but the children of a configurable (their parent is the line)."""
    items = [i for i in order.get("items") or [] if isinstance(i, dict)]
    bundle = next((i for i in items if i.get("product_type") == "bundle"), None)
    if bundle is not None:
        raise base.Unmappable(f"item {bundle.get('item_id')} is a bundle, which is not mapped yet")
    return [i for i in items if not i.get("parent_item_id")]


def _units(value: Any, field: str) -> int:
    """A quantity: Magento writes them as numbers that may carry decimals ("1.0000")."""
    amount = mapping.decimal(value if value is not None else 0, field)
    if amount != amount.to_integral_value():
        raise base.Unmappable(f"{field} is not a whole number")
    return int(amount)


def _cancelled(item: dict[str, Any]) -> int:
    return _units(item.get("qty_canceled"), f"item {item.get('item_id')}'s qty_canceled")


def _left_to_ship(item: dict[str, Any]) -> int:
    where = f"item {item.get('item_id')}'s"
    done = sum(_units(item.get(f"qty_{k}"), f"{where} qty_{k}") for k in ("shipped", "refunded", "canceled"))
    return max(_units(item.get("qty_ordered"), f"{where} qty_ordered") - done, 0)


def _line(channel: Channel, item: dict[str, Any], coupon: str | None) -> Line:
    line_id = mapping.required(item.get("item_id"), "items.item_id")
    where = f"item {line_id}"
    quantity = _units(item.get("qty_ordered"), f"{where}'s qty_ordered")
    if quantity < 1:
        raise base.Unmappable(f"{where}'s qty_ordered is not a whole number")
    unit = mapping.decimal(item.get("price_incl_tax"), f"{where}'s price_incl_tax")
    row = item.get("row_total_incl_tax")
    off = mapping.decimal(item.get("discount_amount") or 0, f"{where}'s discount_amount")
    rate = item.get("tax_percent")
    return Line(
        line_id,
        mapping.sku_of(channel, item.get("sku"), (item.get("product_id"),), line_id),
        quantity,
        unit,
        discounts=(base.Off(off, coupon),) if off > 0 else (),
        tax_rate=rate_text(mapping.decimal(rate, f"{where}'s tax_percent")) if rate is not None else None,
        # What Magento charged for the units, VAT in (its own rounding): the line costs exactly that.
        value=mapping.decimal(row, f"{where}'s row_total_incl_tax") if row is not None else unit * quantity,
    )


def _ship_to(order: dict[str, Any]) -> dict[str, Any]:
    assignments = (order.get("extension_attributes") or {}).get("shipping_assignments") or [{}]
    found: dict[str, Any] = ((assignments[0] or {}).get("shipping") or {}).get("address") or {}
    return found


def _delivery(ship_to: dict[str, Any]) -> dict[str, Any] | None:
    """Home delivery to the first shipping assignment's address (none: a virtual order). Its street is
    an array of the shop's configured street lines: Dutch shops often ask street, number and addition
    apart, so the lines after the first go together (the house number helpers take it from there)."""
    street = ship_to.get("street")
    given = street.split("\n") if isinstance(street, str) else street or []
    lines = [t for t in (mapping.text(s) for s in given) if t]
    if not lines:
        return None
    found = mapping.address(
        name=mapping.full_name(ship_to.get("firstname"), ship_to.get("lastname")),
        company=ship_to.get("company"),
        line1=lines[0],
        line2=" ".join(lines[1:]),
        postal_code=ship_to.get("postcode"),
        city=ship_to.get("city"),
        region=ship_to.get("region_code") or ship_to.get("region"),
        country=ship_to.get("country_id"),
        field="shipping_assignments.shipping.address",
    )
    return {"method": "home_delivery", "address": found}


def _ship(channel: Channel, credentials: str | None, update: StatusUpdate) -> base.Outcome:
    """The shipment's units still to ship, once: a shipment whose comment names the fulfilment order
    was made already (a retry after an answer was lost), and units Magento no longer has to ship
    (shipped from its admin, or by an earlier update) are not asked again."""
    marker = f"OMS fulfilment order {update.fulfilmentOrderId or update.eventId}"
    made = magento_api.shipments(channel, credentials, update.externalId)
    if any(marker in str(c.get("comment") or "") for s in made for c in s.get("comments") or []):
        return "already"
    left = {
        mapping.required(i.get("item_id"), "items.item_id"): _left_to_ship(i)
        for i in _top_level(magento_api.order(channel, credentials, update.externalId))
    }
    asked = {ln.lineId: ln.quantity for ln in update.lines if ln.lineId in left} or left
    wanted = {item_id: min(quantity, left[item_id]) for item_id, quantity in asked.items() if left[item_id] > 0}
    if not wanted:
        return "already"
    body: dict[str, Any] = {
        "items": [{"order_item_id": int(i) if i.isdigit() else i, "qty": q} for i, q in wanted.items()],
        "notify": True,
        "appendComment": True,
        "comment": {"comment": marker, "is_visible_on_front": 0},
    }
    if update.tracking is not None:
        carrier = update.tracking.carrier.lower().replace(" ", "")
        track = {"track_number": update.tracking.code, "title": update.tracking.carrier}
        body["tracks"] = [track | {"carrier_code": carrier if carrier in CARRIERS else "custom"}]
    try:
        magento_api.request(channel, credentials, "POST", f"/order/{update.externalId}/ship", body)
    except outbound.Rejected as exc:
        if exc.extra.get("status") == 400 and _NOTHING_TO_SHIP.search(str(exc.extra.get("answer", ""))):
            return "already"  # shipped meanwhile from Magento's admin
        raise
    return "pushed"


def _cancel(channel: Channel, credentials: str | None, external_id: str) -> base.Outcome:
    """Magento answers `true` when it cancelled the order, `false` when it would not: already
    cancelled (a retry) is success; anything else (shipped, invoiced and paid) is refused."""
    if magento_api.request(channel, credentials, "POST", f"/orders/{external_id}/cancel") is True:
        return "pushed"
    state = magento_api.order(channel, credentials, external_id).get("state")
    if state == CANCELED:
        return "already"
    raise Refused(f"magento channel {channel.channel_id}: Magento would not cancel order {external_id} ({state})")
