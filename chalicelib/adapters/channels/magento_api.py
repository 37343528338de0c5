"""Magento's (Adobe Commerce) REST API as the connector and the poller call it: under the shop's own
address (the channel's `apiBaseUrl`) at `/rest/V1`, authorised by an Integration's access token
(`Authorization: Bearer`, which does not expire). Lists take `searchCriteria` in the query: filters
in one filter group are ORed, filter groups ANDed; times are the shop's UTC "YYYY-MM-DD HH:MM:SS"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from chalicelib.adapters.channels.api import base_url, call, credentials_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chalicelib.domain.network import Channel

PAGE_SIZE = 50
_TIME = "%Y-%m-%d %H:%M:%S"


def request(channel: Channel, credentials: str | None, method: str, path: str, body: Any = None) -> Any:
    """`method` the shop's REST API at `path` (after `/rest/V1`, with its query), authorised."""
    token = credentials_of(channel, credentials, "accessToken")["accessToken"]
    url = f"{base_url(channel, None)}/rest/V1{path}"
    return call(channel, method, url, {"Authorization": f"Bearer {token}"}, body)


def search(*groups: tuple[str, str, str], page: int = 1, sort: str | None = None) -> str:
    """A `searchCriteria` query: one filter group per `(field, condition, value)` (all must hold),
    a page of PAGE_SIZE, oldest `sort` first."""
    query: dict[str, Any] = {}
    for index, (name, condition, value) in enumerate(groups):
        at = f"searchCriteria[filter_groups][{index}][filters][0]"
        query |= {f"{at}[field]": name, f"{at}[value]": value, f"{at}[condition_type]": condition}
    if sort is not None:
        query |= {"searchCriteria[sortOrders][0][field]": sort, "searchCriteria[sortOrders][0][direction]": "ASC"}
    query |= {"searchCriteria[pageSize]": PAGE_SIZE, "searchCriteria[currentPage]": page}
    return urlencode(query)


def changed_orders(
    channel: Channel, credentials: str | None, since: datetime, until: datetime
) -> Iterator[dict[str, Any]]:
    """Each order updated after `since` up to `until`, whole (items, addresses, shipping assignments),
    oldest change first, page by page until `total_count`: Magento answers a page past the last with
    the last page again, so an empty page is not the only end."""
    window = ("updated_at", "gt", instant(since)), ("updated_at", "lteq", instant(until))
    page, seen = 1, 0
    while True:
        found = request(channel, credentials, "GET", f"/orders?{search(*window, page=page, sort='updated_at')}") or {}
        orders = [o for o in found.get("items") or [] if isinstance(o, dict)]
        yield from orders
        seen += len(orders)
        if not orders or seen >= int(found.get("total_count") or 0):
            return
        page += 1


def order(channel: Channel, credentials: str | None, entity_id: str) -> dict[str, Any]:
    found: dict[str, Any] = request(channel, credentials, "GET", f"/orders/{entity_id}") or {}
    return found


def shipments(channel: Channel, credentials: str | None, entity_id: str) -> list[dict[str, Any]]:
    """The order's shipments, with their tracks and comments (its first page: an order has few)."""
    found = request(channel, credentials, "GET", f"/shipments?{search(('order_id', 'eq', entity_id))}") or {}
    return [s for s in found.get("items") or [] if isinstance(s, dict)]


def instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME)
