"""Zalando (zDirect Orders API): polled, not pushed. The poller (chalicelib/service/channel_poll.py)
asks for the orders modified in its window, each a JSON:API document with its order items and order
lines (`include`), and keeps each state of an order once in the inbox.

Zalando sells one unit per order line: the lines of one order item (one article) fold back into one
canonical line, its id the item's, its quantity the item's lines; the units keep their own ids at
Zalando, and status back re-reads them there (which of them are still open is Zalando's to say).
Prices include VAT, per line; a unit sold for less than its siblings keeps the difference as a line
discount. The order's update time is the latest `modified_at` of the order, its items and its lines.

Status back moves the lines: `shipped` (after the order's tracking number: Zalando keeps the first
one per order and wants 5 s between the two), `canceled` (open lines) and `returned` (shipped ones);
a 409 whose line is already so is success; a refund is Zalando's own business (it refunds its
customer): recorded only. Stock goes to
the Stocks API per EAN, in every live sales channel of the merchant.

The returns customers announce (a label registered in Zalando's app) are read by the same poll, one
per order they name: each of its order lines a unit of its order item's canonical line, the reason
Zalando's (free text, e.g. TOO_LARGE) as a code, then the built-in code nearest to it."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from chalicelib.adapters import outbound
from chalicelib.adapters.channels import base, mapping, zalando_api
from chalicelib.adapters.channels.money import Line
from chalicelib.domain.errors import Refused, TryLater, Unavailable
from chalicelib.observability import logger

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chalicelib.contracts.channel_status import StatusLine, StatusUpdate
    from chalicelib.domain.network import Channel

OPEN = frozenset({"initial", "reserved"})  # a line Zalando still lets ship or cancel
SHIPPED = frozenset({"shipped"})  # a line Zalando lets be returned
CANCELED, RETURNED = "canceled", "returned"  # Zalando's spelling
TRACKING_SETTLE_S = 5  # Zalando: tracking first, the lines at least 5 s later, or they may cross
_POINTS = frozenset({"PICKUP_POINT", "PACK_STATION"})
_EAN = re.compile(r"\d{8}|\d{12,14}")
# shipping_address: lines 2 and 3 go together as the second line; Zalando gives no company or region.
ADDRESS = mapping.AddressKeys("address_line_1", None, "zip_code", "city", None, "country_code", company=None)
_PENDING_ONBOARDING = "104"  # Stocks API: held until the article is onboarded, then applied
# The return reasons Zalando's spec names, as the built-in reason codes (an admin's own code wins).
NEAREST_REASON = {"too_large": "does_not_fit", "too_small": "does_not_fit", "dont_like": "changed_mind"}


@dataclass(frozen=True)
class Unit:
    """One order line: one unit of an order item (an article), at its own price and status."""

    line_id: str
    item_id: str
    status: str
    price: Decimal
    currency: str | None


class Zalando(base.NoWebhooks, base.PolledWhole):
    type = "zalando"
    no_webhooks = "Zalando orders are polled: this channel takes no webhooks"
    api: ClassVar[base.OrdersApi] = zalando_api

    def order_id(self, order: dict[str, Any]) -> str:
        return str(order["data"].get("id"))  # a JSON:API document

    def to_order(self, payload: Any, channel: Channel) -> base.ChannelOrder:
        document: dict[str, Any] = payload if isinstance(payload, dict) else {}
        # A document `{"data": order, "included": [...]}`, or the bare order resource of a list.
        order = document["data"] if isinstance(document.get("data"), dict) else document
        attributes = order.get("attributes") or {}
        external_id = mapping.required(order.get("id") or attributes.get("order_id"), "data.id")
        included = [r for r in document.get("included") or [] if isinstance(r, dict)]
        items = [r for r in included if r.get("type") == "OrderItem"]
        units = [_unit(r) for r in included if r.get("type") == "OrderLine"]
        currency = mapping.currency_of(
            next((u.currency for u in units if u.currency), attributes.get("order_lines_price_currency")), channel
        )
        lines = [_line(channel, item, units) for item in items]
        stray = next((u for u in units if u.item_id not in {ln.line_id for ln in lines}), None)
        if stray is not None:
            raise base.Unmappable(
                f"order line {stray.line_id} names order item {stray.item_id}, which the order does not include"
            )
        shipping = attributes.get("shipping_costs") or {}
        shipping_cost = (
            mapping.decimal(shipping["amount"], "shipping_costs.amount")
            if shipping.get("amount") is not None
            else Decimal(0)
        )
        ship_to = attributes.get("shipping_address") or {}
        phone = attributes.get("customer_phone") or {}
        cancelled = {
            ln.line_id: sum(1 for u in units if u.item_id == ln.line_id and u.status == CANCELED) for ln in lines
        }
        return mapping.canonical(
            channel,
            external_id=external_id,
            buyer=mapping.Buyer(
                platform_id=attributes.get("customer_number"),
                email=attributes.get("customer_email"),
                name=mapping.full_name(ship_to.get("first_name"), ship_to.get("last_name")),
                phone=phone.get("number") if isinstance(phone, dict) else None,
            ),
            placed_at=mapping.utc(attributes.get("order_date"), "order_date"),
            updated_at=_updated_at(attributes, included),
            paid=attributes.get("status") != "initial",  # initial: placed, not paid yet
            lines=lines,
            delivery=_delivery(ship_to, channel),
            figures=base.PlatformFigures(
                currency=currency,
                # The units' own prices: whether order_lines_price_amount counts cancelled ones is not said.
                total=sum((u.price for u in units), Decimal(0)) + shipping_cost,
                shipping=shipping_cost,
            ),
            cancelled=bool(units) and all(u.status == CANCELED for u in units),
            cancelled_units={k: v for k, v in cancelled.items() if v},
        )

    def push_status(self, channel: Channel, credentials: str | None, update: StatusUpdate) -> base.Outcome:
        """Each line still open moved to `shipped` or `canceled` (all of them, or the units a partial
        cancellation names), each shipped one of a return to `returned`, one call per unit; a refund
        recorded, as a workflow's notice is (zDirect takes no messages about an order)."""
        if update.status in ("refunded", "notice"):
            return "recorded"
        document = zalando_api.order(channel, credentials, update.externalId)
        units = sorted(
            (_unit(r) for r in document.get("included") or [] if r.get("type") == "OrderLine"),
            key=lambda u: u.line_id,
        )
        if update.status == "cancelled" and not update.lines:
            return _move(channel, credentials, update.externalId, [u for u in units if u.status in OPEN], CANCELED)
        if update.status in ("cancelled", "returned"):
            target, movable = (CANCELED, OPEN) if update.status == "cancelled" else (RETURNED, SHIPPED)
            moving = [u for line in update.lines for u in _units_to_move(units, line, target, movable)]
            return _move(channel, credentials, update.externalId, moving, target)
        # As many open units of each shipped item as the shipment holds. Which units is Zalando's to
        # say: a retry after some went through counts those as done only when the item has no more.
        items = {u.item_id for u in units}
        wanted = {ln.lineId: ln.quantity for ln in update.lines if ln.lineId in items} or {i: len(units) for i in items}
        shipping = [u for i, n in wanted.items() for u in [u for u in units if u.item_id == i and u.status in OPEN][:n]]
        if not shipping:
            return "already"
        given = mapping.text(((document.get("data") or {}).get("attributes") or {}).get("tracking_number"))
        if update.tracking is not None and given is None:
            zalando_api.patch_order(channel, credentials, update.externalId, {"tracking_number": update.tracking.code})
            raise TryLater(
                f"zalando channel {channel.channel_id}: tracking given, the lines follow after {TRACKING_SETTLE_S} s",
                seconds=TRACKING_SETTLE_S,
            )
        if update.tracking is not None and given != update.tracking.code:
            logger.info(
                "Zalando keeps the order's first tracking number: this parcel's is not sent",
                extra={"channelId": channel.channel_id, "orderId": update.orderId},
            )
        return _move(channel, credentials, update.externalId, shipping, "shipped")

    def announced_returns(
        self, channel: Channel, credentials: str | None, since: datetime, until: datetime
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each order of each return announced in the window as an announced return of its own (an
        OMS return is of one order), named by both ids."""
        for announced in zalando_api.announced_returns(channel, credentials, since, until):
            for order in announced.get("orders") or []:
                name = f"{announced.get('announced_return_id')}-{order.get('order_id')}"
                yield name, {**announced, "orders": [order]}

    def to_return(self, payload: Any, channel: Channel, credentials: str | None = None) -> base.ChannelReturn:
        announced: dict[str, Any] = payload if isinstance(payload, dict) else {}
        return_id = mapping.required(announced.get("announced_return_id"), "announced_return_id")
        orders = [o for o in announced.get("orders") or [] if isinstance(o, dict)]
        if len(orders) != 1:
            raise base.Unmappable(f"announced return {return_id} names {len(orders)} orders, not one")
        units = Counter(
            (
                mapping.required(line.get("order_item_id"), "order_lines[].order_item_id"),
                mapping.text(line.get("return_reason")) or "",
            )
            for line in orders[0].get("order_lines") or []
        )
        if not units:
            raise base.Unmappable(f"announced return {return_id} names no order lines")
        return base.ChannelReturn(
            return_id,
            mapping.required(orders[0].get("order_id"), "orders[].order_id"),
            tuple(
                base.ReturnedUnits(item, n, mapping.reason_codes([reason], NEAREST_REASON))
                for (item, reason), n in units.items()
            ),
            mapping.text(announced.get("return_tracking_number")),
        )

    def push_stock(self, channel: Channel, credentials: str | None, sku: str, quantity: int) -> base.Outcome:
        """The EAN's stock in each of the merchant's live sales channels, in one call."""
        where = f"zalando channel {channel.channel_id}"
        if not _EAN.fullmatch(sku):
            raise Refused(f"{where}: Zalando takes stock per EAN, and SKU {sku!r} is not one")
        sales_channels = zalando_api.live_sales_channels(channel, credentials)
        if not sales_channels:
            raise Refused(f"{where}: the merchant has no live sales channel to sell it in")
        sent = [{"sales_channel_id": s, "ean": sku, "quantity": max(quantity, 0)} for s in sales_channels]
        results = [r.get("result") or {} for r in zalando_api.put_stock(channel, credentials, sent)]
        rejected = [str(r.get("description") or r.get("code")) for r in results if r.get("status") == "REJECTED"]
        if rejected:
            raise Refused(f"{where}: stock of {sku} rejected: {rejected[0][:200]}")
        pending = [r for r in results if str(r.get("code")) == _PENDING_ONBOARDING]
        if len(results) < len(sent) or any(r.get("status") != "ACCEPTED" and r not in pending for r in results):
            raise Unavailable(f"{where}: Zalando did not take the stock of {sku}; it is sent again")
        if pending:
            logger.info(
                "Zalando holds the stock until the article is onboarded", extra={"channelId": channel.channel_id}
            )
        return "pushed"


def _unit(resource: dict[str, Any]) -> Unit:
    attributes = resource.get("attributes") or {}
    line_id = mapping.required(resource.get("id") or attributes.get("order_line_id"), "order line id")
    price = attributes.get("price") or {}
    return Unit(
        line_id,
        mapping.required(attributes.get("order_item_id"), f"order line {line_id}'s order_item_id"),
        mapping.required(attributes.get("status"), f"order line {line_id}'s status"),
        mapping.decimal(price.get("amount"), f"order line {line_id}'s price"),
        mapping.text(price.get("currency")),
    )


def _line(channel: Channel, item: dict[str, Any], units: list[Unit]) -> Line:
    """The item's units as one line: priced at the dearest unit, the others' shortfall a discount."""
    attributes = item.get("attributes") or {}
    item_id = mapping.required(item.get("id") or attributes.get("order_item_id"), "order item id")
    own = [u for u in units if u.item_id == item_id]
    if not own:
        raise base.Unmappable(f"order item {item_id} has no order lines (include=order_lines)")
    unit_price = max(u.price for u in own)
    short = sum((unit_price - u.price for u in own), Decimal(0))
    return Line(
        item_id,
        mapping.sku_of(channel, attributes.get("external_id"), (attributes.get("article_id"),), item_id),
        len(own),
        unit_price,
        discounts=(base.Off(short),) if short else (),
    )


def _updated_at(attributes: dict[str, Any], included: list[dict[str, Any]]) -> datetime:
    """The latest change Zalando records on the order, its items or its lines (a line shipped or
    cancelled need not touch the order's own `modified_at`)."""
    own = attributes.get("modified_at") or attributes.get("created_at") or attributes.get("order_date")
    times = [mapping.utc(own, "modified_at")]
    times += [
        mapping.utc(r["attributes"]["modified_at"], "modified_at")
        for r in included
        if (r.get("attributes") or {}).get("modified_at")
    ]
    return max(times)


def _delivery(ship_to: dict[str, Any], channel: Channel) -> dict[str, Any] | None:
    """A pick-up point or parcel station the channel's locationMap maps (by its service point id) to
    one of ours, else delivery to the address (which for those is the point's own)."""
    point = mapping.text((ship_to.get("service_point_details") or {}).get("service_point_id"))
    if ship_to.get("address_type") in _POINTS and point and point in channel.location_map:
        return {"method": "pickup_point", "locationId": channel.location_map[point]}
    return mapping.home_delivery(
        ship_to,
        ADDRESS,
        name=mapping.full_name(ship_to.get("first_name"), ship_to.get("last_name")),
        field="shipping_address",
        line2=mapping.joined(" ", ship_to.get("address_line_2"), ship_to.get("address_line_3")),
    )


def _units_to_move(units: list[Unit], line: StatusLine, target: str, movable: frozenset[str]) -> list[Unit]:
    """The item's units to move to `target`: as many of its movable ones as the update asks, less those
    already so beyond what the OMS's earlier updates asked (a retry, or Zalando's own doing)."""
    own = [u for u in units if u.item_id == line.lineId]
    done = sum(1 for u in own if u.status == target)
    wanted = min(line.quantity, line.unitsBefore + line.quantity - done)
    return [u for u in own if u.status in movable][: max(wanted, 0)]


def _move(channel: Channel, credentials: str | None, order_id: str, units: list[Unit], status: str) -> base.Outcome:
    """Each unit's line to `status`; "already" when none was open or every one already was so."""
    outcomes = [_transition(channel, credentials, order_id, unit, status) for unit in units]
    return "pushed" if "pushed" in outcomes else "already"


def _transition(channel: Channel, credentials: str | None, order_id: str, unit: Unit, status: str) -> base.Outcome:
    path = zalando_api.line_path(channel, credentials, order_id, unit.item_id, unit.line_id)
    try:
        zalando_api.patch_line(channel, credentials, path, unit.line_id, status)
    except outbound.Rejected as exc:
        # 409: the line's status conflicts; success if it already is what was asked (a retry, Zalando's admin).
        if exc.extra.get("status") != 409 or zalando_api.line_status(channel, credentials, path) != status:
            raise
        return "already"
    return "pushed"
