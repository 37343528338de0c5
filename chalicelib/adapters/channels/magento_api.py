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
    from collections.abc import Iterator, Sequence

    from chalicelib.domain.network import Channel

PAGE_SIZE = 50
_TIME = "%Y-%m-%d %H:%M:%S"


def request(channel: Channel, credentials: str | None, method: str, path: str, body: Any = None) -> Any:
    """`method` the shop's REST API at `path` (after `/rest/V1`, with its query), authorised."""
    token = credentials_of(channel, credentials, "accessToken")["accessToken"]
    url = f"{base_url(channel, None)}/rest/V1{path}"
    return call(channel, method, url, {"Authorization": f"Bearer {token}"}, body)


Filter = tuple[str, str, str]  # (field, condition, value)


def search(*groups: Sequence[Filter], sort: Sequence[str] = ()) -> str:
    """A `searchCriteria` query: every group must hold, by any one of its filters; the first page of
    PAGE_SIZE, ascending by each `sort` field in turn."""
    query: dict[str, Any] = {}
    for index, group in enumerate(groups):
        for number, (name, condition, value) in enumerate(group):
            at = f"searchCriteria[filter_groups][{index}][filters][{number}]"
            query |= {f"{at}[field]": name, f"{at}[value]": value, f"{at}[condition_type]": condition}
    for index, name in enumerate(sort):
        query |= {f"searchCriteria[sortOrders][{index}][field]": name}
        query |= {f"searchCriteria[sortOrders][{index}][direction]": "ASC"}
    query |= {"searchCriteria[pageSize]": PAGE_SIZE, "searchCriteria[currentPage]": 1}
    return urlencode(query)


def changed_orders(
    channel: Channel, credentials: str | None, since: datetime, until: datetime
) -> Iterator[dict[str, Any]]:
    """Each order updated after `since` up to `until`, whole (items, addresses, shipping assignments),
    oldest change first. Each page starts after the last order read, by (updated_at, entity_id): with
    page numbers, an order changing mid-read leaves the window (to be read next time) and shifts the
    next one onto a page already read, never to be read at all."""
    window = [("updated_at", "lteq", instant(until))]
    start: list[list[Filter]] = [[("updated_at", "gt", instant(since))]]
    while True:
        query = search(*start, window, sort=("updated_at", "entity_id"))
        found = request(channel, credentials, "GET", f"/orders?{query}") or {}
        orders = [o for o in found.get("items") or [] if isinstance(o, dict)]
        yield from orders
        if len(orders) < PAGE_SIZE:
            return
        last, entity = str(orders[-1].get("updated_at")), str(orders[-1].get("entity_id"))
        start = [[("updated_at", "gteq", last)], [("updated_at", "gt", last), ("entity_id", "gt", entity)]]


def order(channel: Channel, credentials: str | None, entity_id: str) -> dict[str, Any]:
    found: dict[str, Any] = request(channel, credentials, "GET", f"/orders/{entity_id}") or {}
    return found


def shipments(channel: Channel, credentials: str | None, entity_id: str) -> list[dict[str, Any]]:
    """The order's shipments, with their tracks and comments (its first page: an order has few)."""
    found = request(channel, credentials, "GET", f"/shipments?{search([('order_id', 'eq', entity_id)])}") or {}
    return [s for s in found.get("items") or [] if isinstance(s, dict)]


def instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME)
