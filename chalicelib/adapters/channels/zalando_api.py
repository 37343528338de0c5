"""Zalando's zDirect API as the connector and the poller call it (developers.merchants.zalando.com):
an OAuth2 client-credentials token (POST /auth/token, a form with Basic auth; renewed once when a
call is refused with 401), the Orders API in JSON:API (`application/vnd.api+json`), its sales
channels and its Stocks API. Every path is under the channel's merchant id (its credentials)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from chalicelib.adapters import outbound
from chalicelib.adapters.channels import tokens
from chalicelib.adapters.channels.api import base_url, call, credentials_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chalicelib.domain.network import Channel

API = "https://api.merchants.zalando.com"
JSON_API = "application/vnd.api+json"
INCLUDE = "order_items,order_lines"
PAGE_SIZE = 100
RETURNS_PAGE_SIZE = 50  # the announced returns' default `limit`
SALES_CHANNELS_KEPT_S = 3600  # a merchant's sales channels change with its contracts, not by the minute
_LOGIN = {"grant_type": "client_credentials", "scope": "access_token_only"}
_SALES_CHANNELS: tokens.Expiring[tuple[str, ...]] = tokens.Expiring()


def merchant(channel: Channel, credentials: str | None) -> str:
    return credentials_of(channel, credentials, "merchantId")["merchantId"]


def request(
    channel: Channel, credentials: str | None, method: str, path: str, body: Any = None, *, media: str = JSON_API
) -> Any:
    """`method` Zalando's API at `path` (with its query), authorised; a token refused before its time
    (401) is forgotten and the call made once more with a new one."""
    url = f"{base_url(channel, API)}{path}"
    try:
        return _authorised(channel, credentials, method, url, body, media=media)
    except outbound.Rejected as exc:
        if exc.extra.get("status") != 401:
            raise
    tokens.forget(channel, credentials)
    return _authorised(channel, credentials, method, url, body, media=media)


def _authorised(channel: Channel, credentials: str | None, method: str, url: str, body: Any, *, media: str) -> Any:
    login = channel.auth_url or f"{base_url(channel, API)}/auth/token"
    headers = {"Authorization": f"Bearer {tokens.token(channel, credentials, login, form=_LOGIN)}", "Accept": media}
    if body is not None:
        headers["Content-Type"] = media
    return call(channel, method, url, headers, body)


def _orders_path(channel: Channel, credentials: str | None) -> str:
    return f"/merchants/{merchant(channel, credentials)}/orders"


def changed_orders(
    channel: Channel, credentials: str | None, since: datetime, until: datetime
) -> Iterator[dict[str, Any]]:
    """Each order modified after `since` and before `until` (both exclusive, Zalando's filters), oldest
    change first, as one JSON:API document with its own items and lines. Each page starts at the last
    order of the one before (a millisecond earlier, the orders already read skipped): by page number,
    an order changing mid-read leaves the window (to be read next time) and shifts the next one onto a
    page already read, never to be read at all. Only more than a page changed in one millisecond is
    paged by number."""
    after, page, read = since, 0, set[str]()
    while True:
        query = {
            "last_updated_after": _instant(after),
            "last_updated_before": _instant(until),
            "include": INCLUDE,
            "sort": "modified_at",
            "page[number]": page,
            "page[size]": PAGE_SIZE,
        }
        found = request(channel, credentials, "GET", f"{_orders_path(channel, credentials)}?{urlencode(query)}") or {}
        orders, included = found.get("data") or [], found.get("included") or []
        for order in orders:
            if order.get("id") not in read:
                read.add(order.get("id"))
                yield {"data": order, "included": own_resources(order, included)}
        if len(orders) < PAGE_SIZE or not (found.get("links") or {}).get("next"):
            return
        last = _modified(orders[-1])
        if last is not None and last - timedelta(milliseconds=1) > after:
            after, page = last - timedelta(milliseconds=1), 0
        else:
            page += 1


def _modified(order: dict[str, Any]) -> datetime | None:
    """The order's `modified_at` (None: not a time, so its page is followed by number)."""
    try:
        moment = datetime.fromisoformat(str((order.get("attributes") or {}).get("modified_at")).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def announced_returns(
    channel: Channel, credentials: str | None, since: datetime, until: datetime
) -> Iterator[dict[str, Any]]:
    """Each return a customer announced (registered its label) from `since` (inclusive) to `until`
    (exclusive), oldest first, page after page by the cursor of `links.next`: its path and query
    only, asked of the channel's own API (a link may name another host, and the token goes nowhere
    else). An empty page ends it (Zalando: a `next` may, rarely, lead to an empty collection)."""
    query = {
        "after": _instant(since),
        "before": _instant(until),
        "sort": "return_registered_at",
        "limit": RETURNS_PAGE_SIZE,
    }
    path: str | None = f"/merchants/{merchant(channel, credentials)}/announced-returns?{urlencode(query)}"
    while path:
        found = request(channel, credentials, "GET", path) or {}
        returns = found.get("data") or []
        yield from returns
        following = (found.get("links") or {}).get("next")
        path = _path_of(str(following)) if returns and following else None


def _path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def order(channel: Channel, credentials: str | None, order_id: str) -> dict[str, Any]:
    """One order as a JSON:API document with its items and lines."""
    path = f"{_orders_path(channel, credentials)}/{order_id}?{urlencode({'include': INCLUDE})}"
    found: dict[str, Any] = request(channel, credentials, "GET", path) or {}
    return found


def own_resources(order: dict[str, Any], included: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order's items and their lines among a page's `included` (a list page includes them for
    every order on it): items name their order, lines their item."""
    order_id = str(order.get("id"))
    items = [r for r in included if r.get("type") == "OrderItem" and _attr(r, "order_id") == order_id]
    item_ids = {str(r.get("id")) for r in items}
    lines = [r for r in included if r.get("type") == "OrderLine" and _attr(r, "order_item_id") in item_ids]
    return items + lines


def patch_order(channel: Channel, credentials: str | None, order_id: str, attributes: dict[str, Any]) -> None:
    body = {"data": {"type": "Order", "id": order_id, "attributes": attributes}}
    request(channel, credentials, "PATCH", f"{_orders_path(channel, credentials)}/{order_id}", body)


def line_path(channel: Channel, credentials: str | None, order_id: str, item_id: str, line_id: str) -> str:
    return f"{_orders_path(channel, credentials)}/{order_id}/items/{item_id}/lines/{line_id}"


def patch_line(channel: Channel, credentials: str | None, path: str, line_id: str, status: str) -> None:
    body = {"data": {"type": "OrderLine", "id": line_id, "attributes": {"status": status}}}
    request(channel, credentials, "PATCH", path, body)


def line_status(channel: Channel, credentials: str | None, path: str) -> str | None:
    found = request(channel, credentials, "GET", path) or {}
    return _attr(found.get("data") or {}, "status")


def live_sales_channels(channel: Channel, credentials: str | None) -> tuple[str, ...]:
    """The merchant's live sales channels (one per Zalando country shop), kept for an hour."""
    key = (channel.channel_id, merchant(channel, credentials))
    kept = _SALES_CHANNELS.get(key)
    if kept is not None:
        return kept
    query = urlencode({"merchant_ids": key[1]})
    found = request(channel, credentials, "GET", f"/sales-channels?{query}", media="application/json") or {}
    live = tuple(
        str(s["sales_channel_id"]) for s in found.get("items") or [] if s.get("live") and s.get("sales_channel_id")
    )
    return _SALES_CHANNELS.put(key, live, SALES_CHANNELS_KEPT_S)


def put_stock(channel: Channel, credentials: str | None, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """POST the stock updates (one per sales channel and EAN); each one's result (answered 207)."""
    path = f"/merchants/{merchant(channel, credentials)}/stocks"
    found = request(channel, credentials, "POST", path, {"items": items}, media="application/json") or {}
    # The Stocks API's model names the list `results`; its guide's example answer calls it `items`.
    return list(found.get("results") or found.get("items") or [])


def _attr(resource: dict[str, Any], name: str) -> str | None:
    value = (resource.get("attributes") or {}).get(name)
    return None if value is None else str(value)


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
