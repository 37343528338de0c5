"""Fake Shopify and WooCommerce admin APIs for the tests: http.server on 127.0.0.1, answering the
documented shapes (../shared/channels: shopify_fulfillment_orders_rest_2026_07.json; the wc/v3
orders and notes), recording every request, and able to fail the next calls (a status, headers, a body).
Free of chalicelib: they stand for the platforms, not for our code."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

SHOPIFY_TOKEN = "shpat_" + "f4k3T0k3n9" * 3
WOO_KEY, WOO_SECRET = "ck_" + "a1" * 20, "cs_" + "b2" * 20


@dataclass
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    path: str = ""  # only requests whose path starts with it (any, when empty)


@dataclass
class Platform:
    """What the fake received, `(method, path, body)`, and the failures it answers next, in order."""

    url: str = ""
    received: list[tuple[str, str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    def fail_next(self, status: int, body: Any = None, *, path: str = "", **headers: str) -> None:
        self.failures.append(Failure(status, headers, body, path))

    def failure_for(self, path: str) -> Failure | None:
        found = next((f for f in self.failures if path.startswith(f.path)), None)
        if found is not None:
            self.failures.remove(found)
        return found

    def calls(self, method: str | None = None) -> list[tuple[str, str, Any]]:
        return [r for r in self.received if method is None or r[0] == method]

    def answer(self, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        raise NotImplementedError


@dataclass
class FakeShopify(Platform):
    """One shop: fulfillment orders per order (`add_order`), fulfillments and cancellations."""

    fulfillment_orders: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    fulfillments: list[dict[str, Any]] = field(default_factory=list)

    def add_order(self, order_id: str, lines: dict[str, int]) -> None:
        """One open fulfillment order holding `lines` (the order's line item id -> quantity)."""
        fo_id = 1046000000 + len(self.fulfillment_orders)
        items = [
            {"id": fo_id * 10 + n, "fulfillment_order_id": fo_id, "line_item_id": int(line), "quantity": q}
            | {"fulfillable_quantity": q}
            for n, (line, q) in enumerate(lines.items())
        ]
        self.fulfillment_orders[order_id] = [
            {"id": fo_id, "order_id": int(order_id), "status": "open", "line_items": items}
        ]

    def answer(self, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        if headers.get("x-shopify-access-token") != SHOPIFY_TOKEN:
            return 401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
        listed = re.fullmatch(r"/admin/api/2026-07/orders/(\d+)/fulfillment_orders\.json", path)
        if method == "GET" and listed:
            return 200, {"fulfillment_orders": self.fulfillment_orders.get(listed[1], [])}
        if method == "POST" and path == "/admin/api/2026-07/fulfillments.json":
            return self._fulfil(body["fulfillment"])
        cancel = re.fullmatch(r"/admin/api/2026-07/orders/(\d+)/cancel\.json", path)
        if method == "POST" and cancel:
            if cancel[1] in self.cancelled:
                return 422, {"error": "Cannot cancel an order that has already been cancelled"}
            self.cancelled.add(cancel[1])
            return 200, {"order": {"id": int(cancel[1]), "cancelled_at": "2026-07-01T10:00:00-04:00"}}
        return 404, {"errors": "Not Found"}

    def _fulfil(self, fulfillment: dict[str, Any]) -> tuple[int, Any]:
        every = {fo["id"]: fo for fos in self.fulfillment_orders.values() for fo in fos}
        for wanted in fulfillment["line_items_by_fulfillment_order"]:
            fo = every.get(wanted["fulfillment_order_id"])
            if fo is None or fo["status"] != "open":
                return 422, {"errors": ["Fulfillment order has already been fulfilled"]}
            for item in wanted["fulfillment_order_line_items"]:
                line = next(li for li in fo["line_items"] if li["id"] == item["id"])
                line["fulfillable_quantity"] -= item["quantity"]
            if not any(li["fulfillable_quantity"] for li in fo["line_items"]):
                fo["status"] = "closed"
        self.fulfillments.append(fulfillment)
        tracking = fulfillment.get("tracking_info", {})
        created = {"id": 1069019868 + len(self.fulfillments), "status": "success"}
        return 201, {"fulfillment": created | {"tracking_company": tracking.get("company")}}


@dataclass
class FakeWooCommerce(Platform):
    """One store's orders (`add_order`): their status and notes."""

    orders: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_order(self, order_id: str, status: str = "processing") -> None:
        self.orders[order_id] = {"id": int(order_id), "status": status, "notes": []}

    def answer(self, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if headers.get("authorization") != expected:
            return 401, {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources."}
        found = re.fullmatch(r"/wp-json/wc/v3/orders/(\d+)(/notes)?", path)
        order = self.orders.get(found[1]) if found else None
        if order is None:
            return 404, {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID."}
        if found and found[2]:
            if method == "POST":
                order["notes"].append({"id": len(order["notes"]) + 1, **body})
                return 201, order["notes"][-1]
            return 200, order["notes"]
        if method == "PUT":
            order["status"] = body.get("status", order["status"])
        return 200, {k: v for k, v in order.items() if k != "notes"}


def serve(platform: Platform) -> ThreadingHTTPServer:
    """Start `platform` on a free port of 127.0.0.1 (its `url`); stop it with shutdown()."""

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            headers = {k.lower(): v for k, v in self.headers.items()}
            data = self.rfile.read(length) if length else b""
            form = headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
            body = (dict(parse_qsl(data.decode())) if form else json.loads(data)) if data else None
            platform.received.append((self.command, self.path, body))
            failure = platform.failure_for(self.path)
            if failure is not None:
                status, answer, extra = failure.status, failure.body, failure.headers
            else:
                (status, answer), extra = platform.answer(self.command, self.path, body, headers), {}
            data = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **extra}.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = _any

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    platform.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


BOL_CLIENT_ID, BOL_CLIENT_SECRET = "bol-client-" + "c3" * 8, "bol-secret-" + "d4" * 16
BOL_TOKEN = "bol-access-" + "e5" * 16


@dataclass
class FakeBol(Platform):
    """bol's login (client credentials) and Retailer API v10: orders (`add_order`: the order as bol
    answers it), the reduced list (every order each page; 50 a page), shipments and cancellations
    answered 202 PENDING and SUCCESS when their process status is asked for."""

    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    processes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens_issued: int = 0

    def add_order(self, order: dict[str, Any]) -> None:
        self.orders[str(order["orderId"])] = order

    def answer(self, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        if path.startswith("/token"):
            basic = "Basic " + base64.b64encode(f"{BOL_CLIENT_ID}:{BOL_CLIENT_SECRET}".encode()).decode()
            if method != "POST" or headers.get("authorization") != basic or "grant_type=client_credentials" not in path:
                return 401, {"error": "invalid_client"}
            self.tokens_issued += 1
            return 200, {"access_token": BOL_TOKEN, "token_type": "Bearer", "expires_in": 299, "scope": "RETAILER"}
        if headers.get("authorization") != f"Bearer {BOL_TOKEN}":
            return 401, {"title": "Unauthorized", "status": 401}
        route, _, query = path.partition("?")
        if method == "GET" and route == "/retailer/orders":
            page = int(re.search(r"page=(\d+)", query)[1]) if "page=" in query else 1  # type: ignore[index]
            listed = list(self.orders.values())[(page - 1) * 50 : page * 50]
            return 200, {"orders": [{"orderId": o["orderId"]} for o in listed]}
        one = re.fullmatch(r"/retailer/orders/([A-Za-z0-9]+)", route)
        if method == "GET" and one:
            found = self.orders.get(one[1])
            return (200, found) if found else (404, {"title": "Not Found", "status": 404})
        if method == "POST" and route == "/retailer/shipments":
            return self._process("CREATE_SHIPMENT", body, "quantityShipped")
        if method == "PUT" and route == "/retailer/orders/cancellation":
            return self._process("CANCEL_ORDER", body, "quantityCancelled")
        if method == "GET" and route == "/shared/process-status":
            entity = re.search(r"entity-id=([^&]+)", query)
            kind = re.search(r"event-type=([^&]+)", query)
            statuses = [
                p
                for p in self.processes.values()
                if entity and kind and (p["entityId"], p["eventType"]) == (entity[1], kind[1])
            ]
            return 200, {"processStatuses": statuses}
        status = re.fullmatch(r"/shared/process-status/(\d+)", route)
        if method == "GET" and status and status[1] in self.processes:
            process = self.processes[status[1]]
            process["status"] = "SUCCESS"
            return 200, process
        return 404, {"title": "Not Found", "status": 404}

    def _process(self, event_type: str, body: dict[str, Any], field_name: str) -> tuple[int, Any]:
        for wanted in body["orderItems"]:
            for order in self.orders.values():
                for item in order["orderItems"]:
                    if str(item["orderItemId"]) == wanted["orderItemId"]:
                        item[field_name] = wanted.get("quantity", item["quantity"])
        process_id = str(1234567 + len(self.processes))
        self.processes[process_id] = {
            "processStatusId": process_id,
            "entityId": body["orderItems"][0]["orderItemId"],
            "eventType": event_type,
            "description": f"{event_type} for {body['orderItems'][0]['orderItemId']}",
            "status": "PENDING",
            "createTimestamp": "2026-07-01T10:00:00+02:00",
            "links": [],
        }
        return 202, self.processes[process_id]


AMAZON_CLIENT_ID = "amzn1.application-oa2-client." + "f6" * 16
AMAZON_CLIENT_SECRET = "amzn1.oa2-cs.v1." + "a7" * 32
AMAZON_REFRESH_TOKEN = "Atzr|" + "b8" * 40
AMAZON_SELLER_ID, AMAZON_MARKETPLACE = "A3TH9S8BH6GOGM", "A1805IZSGTT6HS"  # Amazon.nl
# includedData -> the order's and its items' sections it adds (Orders v2026-01-01: asked for, or absent).
SECTIONS = {
    "BUYER": ("buyer", ()),
    "RECIPIENT": ("recipient", ()),
    "PROCEEDS": ("proceeds", ("proceeds",)),
    "EXPENSE": (None, ("expense",)),
    "PROMOTION": (None, ("promotion",)),
    "CANCELLATION": (None, ("cancellation",)),
    "FULFILLMENT": ("fulfillment", ("fulfillment",)),
    "PACKAGES": ("packages", ()),
    "FULFILLMENT_ORDERS": ("fulfillmentOrders", ()),
}


def _amazon_error(code: str, message: str, details: str = "") -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message, **({"details": details} if details else {})}]}


@dataclass
class FakeAmazon(Platform):
    """Login with Amazon (refresh-token grant; tokens live `token_lifetime_s`, an expired one is
    refused with 403) and the SP-API: Orders v2026-01-01 searchOrders (by lastUpdated, refused when
    lastUpdatedBefore is not 2 minutes behind its clock; `page_size` a page, nextToken) and getOrder
    (only the sections asked for), v0 confirmShipment (204; the order then shipped, a second one of
    its items "already shipped") and Listings Items patchListingsItem (the quantities in `stock`)."""

    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    stock: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> when it expires
    token_lifetime_s: int = 3600
    page_size: int = 100

    @property
    def tokens_issued(self) -> int:
        return len(self.tokens)

    def add_order(self, order: dict[str, Any]) -> None:
        self.orders[str(order["orderId"])] = order

    def answer(self, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        split = urlsplit(path)
        route, query = split.path, parse_qs(split.query)
        if route == "/auth/o2/token":
            return self._token(body or {})
        token = headers.get("x-amz-access-token", "")
        if token not in self.tokens:
            return 403, _amazon_error("Unauthorized", "Access to requested resource is denied.")
        if self.tokens[token] < time.time():
            denied = "The access token you provided has expired."
            return 403, _amazon_error("Unauthorized", "Access to requested resource is denied.", denied)
        if method == "GET" and route == "/orders/2026-01-01/orders":
            return self._search(query)
        one = re.fullmatch(r"/orders/2026-01-01/orders/([^/]+)", route)
        if method == "GET" and one:
            found = self.orders.get(unquote(one[1]))
            if found is None:
                return 404, _amazon_error("NotFound", f"Order {unquote(one[1])} not found")
            return 200, {"order": _sections(found, query)}
        confirm = re.fullmatch(r"/orders/v0/orders/([^/]+)/shipmentConfirmation", route)
        if method == "POST" and confirm:
            return self._confirm(unquote(confirm[1]), body or {})
        listing = re.fullmatch(r"/listings/2021-08-01/items/([^/]+)/([^/]+)", route)
        if method == "PATCH" and listing:
            return self._patch(unquote(listing[1]), unquote(listing[2]), query, body or {})
        return 404, _amazon_error("NotFound", "Resource not found")

    def _token(self, form: dict[str, str]) -> tuple[int, Any]:
        expected = {
            "grant_type": "refresh_token",
            "refresh_token": AMAZON_REFRESH_TOKEN,
            "client_id": AMAZON_CLIENT_ID,
            "client_secret": AMAZON_CLIENT_SECRET,
        }
        if form != expected:
            return 401, {"error_description": "Client authentication failed", "error": "invalid_client"}
        token = f"Atza|{len(self.tokens)}" + "c9" * 30
        self.tokens[token] = time.time() + self.token_lifetime_s
        return 200, {
            "access_token": token,
            "refresh_token": AMAZON_REFRESH_TOKEN,
            "token_type": "bearer",
            "expires_in": self.token_lifetime_s,
        }

    def _search(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        after, before = query.get("lastUpdatedAfter", [""])[0], query.get("lastUpdatedBefore", [""])[0]
        if not after or not before or _moment(before) > datetime.now(UTC) - timedelta(minutes=2):
            return 400, _amazon_error("InvalidInput", "lastUpdatedBefore must be at least 2 minutes before now")
        marketplaces = set(",".join(query.get("marketplaceIds", [])).split(","))
        fulfilled_by = set(",".join(query.get("fulfilledBy", ["MERCHANT,AMAZON"])).split(","))
        matching = [
            o
            for o in self.orders.values()
            if _moment(after) <= _moment(o["lastUpdatedTime"]) <= _moment(before)
            and o["salesChannel"]["marketplaceId"] in marketplaces
            and o.get("fulfillment", {}).get("fulfilledBy", "MERCHANT") in fulfilled_by
        ]
        start = int(query.get("paginationToken", ["0"])[0])
        size = min(int(query.get("maxResultsPerPage", ["100"])[0]), self.page_size)
        page = [_sections(o, query) for o in matching[start : start + size]]
        answer: dict[str, Any] = {"orders": page, "lastUpdatedBefore": before}
        if start + size < len(matching):
            answer["pagination"] = {"nextToken": str(start + size)}
        return 200, answer

    def _confirm(self, order_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        order = self.orders.get(order_id)
        package = body.get("packageDetail") or {}
        required = ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems")
        if order is None or not body.get("marketplaceId") or any(not package.get(k) for k in required):
            return 400, _amazon_error("Invalid Input", "Invalid Input")
        if not str(package["packageReferenceId"]).isdigit() or not re.match(r"\d{4}-\d\d-\d\dT", package["shipDate"]):
            return 400, _amazon_error("Invalid Input", "Invalid Input")
        items = {i["orderItemId"]: i for i in order["orderItems"]}
        for wanted in package["orderItems"]:
            item = items.get(wanted["orderItemId"])
            if item is None:
                return 400, _amazon_error("Invalid Input", "Invalid Input")
            done = item.setdefault("fulfillment", {})
            if done.get("quantityFulfilled", 0) + wanted["quantity"] > item["quantityOrdered"]:
                return 400, _amazon_error("InvalidInput", f"Order item {wanted['orderItemId']} is already shipped")
        for wanted in package["orderItems"]:
            done = items[wanted["orderItemId"]]["fulfillment"]
            done["quantityFulfilled"] = done.get("quantityFulfilled", 0) + wanted["quantity"]
            done["quantityUnfulfilled"] = items[wanted["orderItemId"]]["quantityOrdered"] - done["quantityFulfilled"]
        shipped = all(i.get("fulfillment", {}).get("quantityUnfulfilled") == 0 for i in order["orderItems"])
        order.setdefault("fulfillment", {})["fulfillmentStatus"] = "SHIPPED" if shipped else "PARTIALLY_SHIPPED"
        order.setdefault("packages", []).append(
            {
                "packageReferenceId": package["packageReferenceId"],
                "carrier": package.get("carrierName") or package["carrierCode"],
                "trackingNumber": package["trackingNumber"],
                "shipTime": package["shipDate"],
                "packageItems": [
                    {"orderItemId": i["orderItemId"], "quantity": i["quantity"]} for i in package["orderItems"]
                ],
            }
        )
        order["lastUpdatedTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.shipments.append(body)
        return 204, None

    def _patch(self, seller: str, sku: str, query: dict[str, list[str]], body: dict[str, Any]) -> tuple[int, Any]:
        if seller != AMAZON_SELLER_ID or AMAZON_MARKETPLACE not in query.get("marketplaceIds", [""])[0].split(","):
            return 403, _amazon_error("Unauthorized", "Access to requested resource is denied.")
        if not body.get("productType") or not body.get("patches"):
            return 400, _amazon_error("InvalidInput", "productType and patches are required")
        for patch in body["patches"]:
            if patch.get("path") == "/attributes/fulfillment_availability" and patch.get("op") in ("replace", "merge"):
                [availability] = patch["value"]
                self.stock[sku] = int(availability["quantity"])
        return 200, {
            "sku": sku,
            "status": "ACCEPTED",
            "submissionId": f"f1dc2914-{len(self.received):04d}",
            "issues": [],
        }


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _sections(order: dict[str, Any], query: dict[str, list[str]]) -> dict[str, Any]:
    """The order with only the sections `includedData` asks for (the rest always comes)."""
    asked = set(",".join(query.get("includedData", [])).split(","))
    drop_order = {o for k, (o, _) in SECTIONS.items() if o and k not in asked}
    drop_item = {i for k, (_, items) in SECTIONS.items() if k not in asked for i in items}
    shown = {k: v for k, v in order.items() if k not in drop_order}
    shown["orderItems"] = [{k: v for k, v in i.items() if k not in drop_item} for i in order.get("orderItems", [])]
    return shown
