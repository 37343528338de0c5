"""bol.com's Retailer API v10 as the connector and the poller call it: an OAuth2 client-credentials
token (chalicelib/adapters/channels/tokens.py), the versioned media type, the reduced
orders list (paged, 50 a page), one order, and the process status of an asynchronous write."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from chalicelib.adapters.channels import tokens
from chalicelib.adapters.channels.api import base_url, call

if TYPE_CHECKING:
    from chalicelib.domain.network import Channel

API = "https://api.bol.com"
AUTH = "https://login.bol.com/token"
MEDIA = "application/vnd.retailer.v10+json"
MAX_INTERVAL_MINUTES = 60  # change-interval-minute's maximum
PAGE_SIZE = 50  # bol's fixed page size: a shorter page is the last


def token(channel: Channel, credentials: str | None) -> str:
    return tokens.token(channel, credentials, f"{channel.auth_url or AUTH}?grant_type=client_credentials")


def request(
    channel: Channel, credentials: str | None, method: str, path: str, body: Any = None, *, content: str = MEDIA
) -> Any:
    """`method` bol's API at `path` (with its query), authorised, answered in bol's media type; a body
    sent as `content` (bol's media type, but for the few operations its spec declares plain JSON)."""
    headers = {"Authorization": f"Bearer {token(channel, credentials)}", "Accept": MEDIA}
    if body is not None:
        headers["Content-Type"] = content
    return call(channel, method, f"{base_url(channel, API)}{path}", headers, body)


def changed_orders(channel: Channel, credentials: str | None, **window: str | int) -> list[str]:
    """The ids of the FBR orders with an item changed in `window` (latest-change-date or
    change-interval-minute), every page."""
    ids: list[str] = []
    page = 1
    while True:
        query = urlencode({"fulfilment-method": "FBR", "status": "ALL", **window, "page": page})
        orders = (request(channel, credentials, "GET", f"/retailer/orders?{query}") or {}).get("orders") or []
        ids.extend(str(o["orderId"]) for o in orders if o.get("orderId") is not None)
        if len(orders) < PAGE_SIZE:
            return ids
        page += 1


def changed_since(channel: Channel, credentials: str | None, since: datetime, until: datetime) -> list[str]:
    """The ids of the orders changed from `since` to `until`, each once: within the last hour by
    minutes (change-interval-minute), further back day by day (latest-change-date). Days run to the
    day after `until` in UTC: bol's dates are Dutch (ahead of UTC)."""
    minutes = math.ceil((until - since).total_seconds() / 60)
    if minutes <= MAX_INTERVAL_MINUTES:
        return list(dict.fromkeys(changed_orders(channel, credentials, **{"change-interval-minute": max(minutes, 1)})))
    ids: list[str] = []
    day, last = since.astimezone(UTC).date(), (until.astimezone(UTC) + timedelta(days=1)).date()
    while day <= last:
        ids.extend(changed_orders(channel, credentials, **{"latest-change-date": day.isoformat()}))
        day += timedelta(days=1)
    return list(dict.fromkeys(ids))


def order(channel: Channel, credentials: str | None, order_id: str) -> dict[str, Any]:
    found: dict[str, Any] = request(channel, credentials, "GET", f"/retailer/orders/{order_id}") or {}
    return found


def process_status(channel: Channel, credentials: str | None, process_id: str) -> dict[str, Any]:
    found: dict[str, Any] = request(channel, credentials, "GET", f"/shared/process-status/{process_id}") or {}
    return found


def processes_for(channel: Channel, credentials: str | None, entity_id: str, event_type: str) -> list[dict[str, Any]]:
    """The process statuses bol keeps for an order item and a kind of write (its first page)."""
    query = urlencode({"entity-id": entity_id, "event-type": event_type})
    found = request(channel, credentials, "GET", f"/shared/process-status?{query}") or {}
    return list(found.get("processStatuses") or [])
