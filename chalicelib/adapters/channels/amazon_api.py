"""Amazon's Selling Partner API as the connector and the poller call it: a Login with Amazon token
(refresh-token grant, cached per channel until shortly before it expires) in `x-amz-access-token`,
Orders v2026-01-01 (`searchOrders` paged by `nextToken`, `getOrder`), v0's `confirmShipment` (v2026
has no write operations), Listings Items 2021-08-01's `patchListingsItem`, and Feeds 2021-06-30 (a
document created, uploaded to the URL Amazon answers, the feed created on it, then its processing
status and report)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from chalicelib.adapters import outbound
from chalicelib.adapters.channels import tokens
from chalicelib.adapters.channels.api import base_url, call, credentials_of
from chalicelib.domain.errors import Refused

if TYPE_CHECKING:
    from chalicelib.domain.network import Channel

API = "https://sellingpartnerapi-eu.amazon.com"  # the Europe endpoint (NL, BE, DE, UK, ...)
AUTH = "https://api.amazon.com/auth/o2/token"
ORDERS = "/orders/2026-01-01/orders"
# The sections of an order the mapping reads (v2026 answers only what is asked for).
INCLUDED = ("BUYER", "RECIPIENT", "PROCEEDS", "PROMOTION", "CANCELLATION", "FULFILLMENT", "PACKAGES")
PAGE_SIZE = 100  # searchOrders' maximum
# Amazon refuses a lastUpdatedBefore less than 2 minutes before its own clock.
CLOCK_MARGIN = timedelta(minutes=2)
LOGIN = ("clientId", "clientSecret", "refreshToken")
FEEDS = "/feeds/2021-06-30"
XML = "text/xml; charset=UTF-8"  # the content type of an XML feed's document, upload and createFeedDocument alike


def token(channel: Channel, credentials: str | None) -> str:
    found = credentials_of(channel, credentials, *LOGIN)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": found["refreshToken"],
        "client_id": found["clientId"],
        "client_secret": found["clientSecret"],
    }
    secret = ":".join(found[k] for k in LOGIN)
    return tokens.cached(channel, secret, lambda: call(channel, "POST", channel.auth_url or AUTH, {}, form=form))


def request(channel: Channel, credentials: str | None, method: str, path: str, body: Any = None) -> Any:
    """`method` the SP-API at `path` (with its query), authorised."""
    headers = {"x-amz-access-token": token(channel, credentials)}
    return call(channel, method, f"{base_url(channel, API)}{path}", headers, body)


def marketplace(channel: Channel, credentials: str | None) -> str:
    return credentials_of(channel, credentials, "marketplaceId")["marketplaceId"]


def changed_orders(
    channel: Channel, credentials: str | None, since: datetime, until: datetime
) -> Iterator[dict[str, Any]]:
    """The merchant-fulfilled orders of the channel's marketplace updated from `since` to `until` less
    the clock margin, whole (every section the mapping reads), every page. What the margin leaves out
    the next run's overlap takes in."""
    before = until - CLOCK_MARGIN
    if before <= since:
        return
    query: dict[str, str | int] = {
        "lastUpdatedAfter": _z(since),
        "lastUpdatedBefore": _z(before),
        "marketplaceIds": marketplace(channel, credentials),
        "fulfilledBy": "MERCHANT",  # Amazon ships its own (FBA): the OMS has nothing to do for those
        "includedData": ",".join(INCLUDED),
        "maxResultsPerPage": PAGE_SIZE,
    }
    while True:
        page = request(channel, credentials, "GET", f"{ORDERS}?{urlencode(query)}") or {}
        yield from page.get("orders") or []
        next_token = (page.get("pagination") or {}).get("nextToken")
        if not next_token:
            return
        query["paginationToken"] = str(next_token)


def order(channel: Channel, credentials: str | None, order_id: str) -> dict[str, Any]:
    """getOrder with every section the mapping reads: the order itself (unwrapped)."""
    path = f"{ORDERS}/{quote(order_id, safe='')}?{urlencode({'includedData': ','.join(INCLUDED)})}"
    found: dict[str, Any] = (request(channel, credentials, "GET", path) or {}).get("order") or {}
    return found


def confirm_shipment(channel: Channel, credentials: str | None, order_id: str, body: dict[str, Any]) -> None:
    """v0 confirmShipment: one package; answered 204."""
    request(channel, credentials, "POST", f"/orders/v0/orders/{quote(order_id, safe='')}/shipmentConfirmation", body)


def patch_listing(channel: Channel, credentials: str | None, sku: str, body: dict[str, Any]) -> dict[str, Any]:
    """patchListingsItem for the seller's `sku` in the channel's marketplace: Amazon's submission answer."""
    # sellerId is optional (the contract's four keys take orders in), but a listing is the seller's.
    seller_id = seller(channel, credentials, "push listing quantities")
    query = urlencode({"marketplaceIds": marketplace(channel, credentials)})
    path = f"/listings/2021-08-01/items/{quote(seller_id, safe='')}/{quote(sku, safe='')}?{query}"
    answer: dict[str, Any] = request(channel, credentials, "PATCH", path, body) or {}
    return answer


def seller(channel: Channel, credentials: str | None, needed_for: str) -> str:
    """The seller id the channel's credentials hold (optional in the contract, needed to write)."""
    try:
        return credentials_of(channel, credentials, "sellerId")["sellerId"]
    except Refused:
        raise Refused(
            f"amazon channel {channel.channel_id}: set sellerId in the channel's credentials to {needed_for} "
            f"(PUT /channels/{channel.channel_id}), then redrive this message"
        ) from None


def create_feed(channel: Channel, credentials: str | None, feed_type: str, document: bytes) -> str:
    """createFeedDocument, `document` uploaded to the URL it answers (pre-signed: no token goes with it),
    and createFeed on it for the channel's marketplace: the feed's id."""
    created = request(channel, credentials, "POST", f"{FEEDS}/documents", {"contentType": XML}) or {}
    who = f"{channel.type} channel {channel.channel_id}"
    outbound.send("PUT", str(created.get("url")), who=who, headers={"Content-Type": XML}, body=document)
    body = {
        "feedType": feed_type,
        "marketplaceIds": [marketplace(channel, credentials)],
        "inputFeedDocumentId": created.get("feedDocumentId"),
    }
    return str((request(channel, credentials, "POST", f"{FEEDS}/feeds", body) or {}).get("feedId"))


def feed(channel: Channel, credentials: str | None, feed_id: str) -> dict[str, Any]:
    """getFeed: its `processingStatus` (IN_QUEUE, IN_PROGRESS, DONE, CANCELLED, FATAL) and, once done,
    its `resultFeedDocumentId`."""
    found: dict[str, Any] = request(channel, credentials, "GET", f"{FEEDS}/feeds/{quote(feed_id, safe='')}") or {}
    return found


def feed_result(channel: Channel, credentials: str | None, document_id: str) -> bytes:
    """The processing report a done feed names: getFeedDocument's URL read (gunzipped when it says GZIP)."""
    path = f"{FEEDS}/documents/{quote(document_id, safe='')}"
    found = request(channel, credentials, "GET", path) or {}
    who = f"{channel.type} channel {channel.channel_id}"
    report = outbound.send("GET", str(found.get("url")), who=who, headers={}).body
    return gzip.decompress(report) if found.get("compressionAlgorithm") == "GZIP" else report


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
