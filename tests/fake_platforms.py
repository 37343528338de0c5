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
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

SHOPIFY_TOKEN = "shpat_" + "f4k3T0k3n9" * 3
WOO_KEY, WOO_SECRET = "ck_" + "a1" * 20, "cs_" + "b2" * 20


@dataclass
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    path: str | None = None  # only for a request whose path starts so; None: the next request


@dataclass
class Platform:
    """What the fake received, `(method, path, body)`, and the failures it answers next, in order."""

    url: str = ""
    received: list[tuple[str, str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    after_listing: list[Callable[[], None]] = field(default_factory=list)  # each run once, after a list
    # For `channel()`: the channel type that talks to this platform, the credentials the fake takes
    # and where its login is when that is not under the API's base URL.
    kind: ClassVar[str] = ""
    credentials: ClassVar[dict[str, str]] = {}
    auth_path: ClassVar[str | None] = None

    def channel(self, **config: Any) -> dict[str, Any]:
        """The body of PUT /channels/{id} that connects a channel to this fake, as it runs (`url`)."""
        auth = {"authUrl": f"{self.url}{self.auth_path}"} if self.auth_path else {}
        return {"type": self.kind, "credentials": dict(self.credentials), "apiBaseUrl": self.url, **auth, **config}

    def fail_next(self, status: int, body: Any = None, *, path: str | None = None, **headers: str) -> None:
        self.failures.append(Failure(status, headers, body, path))

    def failure_for(self, path: str) -> Failure | None:
        """The first failure waiting for this request, taken off the list."""
        found = next((f for f in self.failures if f.path is None or path.startswith(f.path)), None)
        if found is not None:
            self.failures.remove(found)
        return found

    def listed(self) -> None:
        """A page of a list was answered: the platform changes while a poller reads it."""
        while self.after_listing:
            self.after_listing.pop(0)()

    def calls(self, method: str | None = None) -> list[tuple[str, str, Any]]:
        return [r for r in self.received if method is None or r[0] == method]

    def answer(self, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        raise NotImplementedError


@dataclass
class FakeShopify(Platform):
    """One shop: fulfillment orders per order (`add_order`), fulfillments and cancellations; its returns
    (`add_return`) answered to the GraphQL Admin API's `return(id:)` query in Shopify's shape."""

    fulfillment_orders: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    fulfillments: list[dict[str, Any]] = field(default_factory=list)
    returns: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_return(
        self, return_id: int, order_id: str, units: list[tuple[str, int, str]], *, status: str = "OPEN"
    ) -> str:
        """A return of `units` ((line item id, quantity, ReturnReason) each) of the order; its gid."""
        gid = f"gid://shopify/Return/{return_id}"
        nodes = [
            {"quantity": n, "returnReason": reason, "returnReasonDefinition": None}
            | {"fulfillmentLineItem": {"lineItem": {"id": f"gid://shopify/LineItem/{line}"}}}
            for line, n, reason in units
        ]
        self.returns[gid] = {
            "id": gid,
            "status": status,
            "order": {"id": f"gid://shopify/Order/{order_id}"},
            "returnLineItems": {"pageInfo": {"hasNextPage": False}, "nodes": nodes},
            "reverseFulfillmentOrders": {"nodes": []},
        }
        return gid

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
        if method == "POST" and path == "/admin/api/2026-07/graphql.json" and "return(id: $id)" in body["query"]:
            return 200, {"data": {"return": self.returns.get(body["variables"]["id"])}}
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
        self.orders[order_id] = {"id": int(order_id), "status": status, "notes": [], "refunds": []}

    def answer(self, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if headers.get("authorization") != expected:
            return 401, {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources."}
        found = re.fullmatch(r"/wp-json/wc/v3/orders/(\d+)(/notes|/refunds)?", path)
        order = self.orders.get(found[1]) if found else None
        if order is None:
            return 404, {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID."}
        if found and found[2] == "/notes":
            if method == "POST":
                order["notes"].append({"id": len(order["notes"]) + 1, **body})
                return 201, order["notes"][-1]
            return 200, order["notes"]
        if found and found[2] == "/refunds":
            return self._refunds(order, method, body)
        if method == "PUT":
            order["status"] = body.get("status", order["status"])
        return 200, {k: v for k, v in order.items() if k not in ("notes", "refunds")}

    def _refunds(self, order: dict[str, Any], method: str, body: Any) -> tuple[int, Any]:
        """wc/v3 order refunds (woocommerce_order_refunds.json): `amount` a decimal string; `api_refund`
        (default true) has the store's gateway pay it back, recorded as `refunded_payment`."""
        if method != "POST":
            return 200, order["refunds"]
        if not isinstance(body.get("amount"), str) or not re.fullmatch(r"\d+(\.\d+)?", body["amount"]):
            return 400, {"code": "rest_invalid_param", "message": "Invalid parameter(s): amount"}
        refund = {
            "id": 726 + len(order["refunds"]),
            "date_created": "2026-07-01T12:00:00",
            "date_created_gmt": "2026-07-01T10:00:00",
            "amount": body["amount"],
            "reason": body.get("reason", ""),
            "refunded_by": 1,
            "refunded_payment": body.get("api_refund", True),
            "meta_data": [],
            "line_items": [],
        }
        order["refunds"].insert(0, refund)  # newest first, as WooCommerce lists them
        return 201, refund


def serve(platform: Platform) -> ThreadingHTTPServer:
    """Start `platform` on a free port of 127.0.0.1 (its `url`); stop it with shutdown()."""

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            headers = {k.lower(): v for k, v in self.headers.items()}
            data = self.rfile.read(length) if length else b""
            kind = headers.get("content-type", "")
            form = kind.startswith("application/x-www-form-urlencoded")
            decoded = data.decode() if kind.startswith("text/") else None  # a document (Amazon's feeds): as sent
            body = decoded or ((dict(parse_qsl(data.decode())) if form else json.loads(data)) if data else None)
            platform.received.append((self.command, self.path, body))
            failure = platform.failure_for(self.path)
            if failure is not None:
                status, answer, extra = failure.status, failure.body, failure.headers
            else:
                (status, answer), extra = platform.answer(self.command, self.path, body, headers), {}
            raw = isinstance(answer, bytes)  # a document (Amazon's feed report), not JSON
            data = answer if raw else json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            for name, value in {"Content-Type": "text/xml" if raw else "application/json", **extra}.items():
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
RETURN_HANDLING = (  # CreateReturnRequest.handlingResult
    "RETURN_RECEIVED",
    "EXCHANGE_PRODUCT",
    "RETURN_DOES_NOT_MEET_CONDITIONS",
    "REPAIR_PRODUCT",
    "CUSTOMER_KEEPS_PRODUCT_PAID",
)


@dataclass
class FakeBol(Platform):
    """bol's login (client credentials) and Retailer API v10: orders (`add_order`: the order as bol
    answers it), the reduced list (every order each page; 50 a page), shipments and cancellations
    answered 202 PENDING and SUCCESS when their process status is asked for (FAILURE for an item
    already cancelled, or returned beyond what shipped); returns created (`returns`); offer stock as last set
    (`stock`: offer id -> amount; `stock_calls`: each call's offer id and body, in order)."""

    kind = "bol"
    credentials = {"clientId": BOL_CLIENT_ID, "clientSecret": BOL_CLIENT_SECRET}
    auth_path = "/token"
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    stock: dict[str, int] = field(default_factory=dict)
    stock_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    processes: dict[str, dict[str, Any]] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)  # process id -> the FAILURE it comes to
    returns: list[dict[str, Any]] = field(default_factory=list)  # each CreateReturnRequest bol took
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
            if len(body.get("orderItems") or []) != 1:  # CancellationRequest: exactly one item
                return 400, {"title": "Bad Request", "status": 400, "violations": [{"name": "orderItems"}]}
            return self._process("CANCEL_ORDER", body, "quantityCancelled")
        if method == "POST" and route == "/retailer/returns":
            return self._return(body, headers)
        offer = re.fullmatch(r"/retailer/offers/([A-Za-z0-9-]+)/stock", route)
        if method == "PUT" and offer:
            if not isinstance(body.get("amount"), int) or not 0 <= body["amount"] <= 999:
                return 400, {"title": "Bad Request", "status": 400, "violations": [{"name": "amount"}]}
            self.stock_calls.append((offer[1], body))
            self.stock[offer[1]] = body["amount"]
            return 202, {
                "processStatusId": "1",
                "entityId": offer[1],
                "eventType": "UPDATE_OFFER_STOCK",
                "status": "PENDING",
                "links": [],
            }
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
            refused = self.refusals.pop(status[1], None)
            if process["status"] == "PENDING":
                process.update({"status": "FAILURE", "errorMessage": refused} if refused else {"status": "SUCCESS"})
            return 200, process
        return 404, {"title": "Not Found", "status": 404}

    def item(self, item_id: str) -> dict[str, Any]:
        return next(i for o in self.orders.values() for i in o["orderItems"] if str(i["orderItemId"]) == item_id)

    def _process(self, event_type: str, body: dict[str, Any], field_name: str) -> tuple[int, Any]:
        item_id = body["orderItems"][0]["orderItemId"]
        refused = None
        if event_type == "CANCEL_ORDER" and int(self.item(item_id).get("quantityCancelled") or 0):
            refused = f"Order item {item_id} has already been cancelled."
        for wanted in body["orderItems"]:
            if refused is None:
                item = self.item(wanted["orderItemId"])
                item[field_name] = wanted.get("quantity", item["quantity"])
        return self._accepted(event_type, item_id, refused)

    def _return(self, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        """CreateReturnRequest (its spec declares it plain JSON): one order item's units received back."""
        violations = [
            name
            for name, ok in (
                ("Content-Type", headers.get("content-type") == "application/json"),
                ("orderItemId", isinstance(body.get("orderItemId"), str)),
                ("quantityReturned", isinstance(body.get("quantityReturned"), int) and body["quantityReturned"] >= 1),
                ("handlingResult", body.get("handlingResult") in RETURN_HANDLING),
            )
            if not ok
        ]
        if violations:
            return 400, {"title": "Bad Request", "status": 400, "violations": [{"name": n} for n in violations]}
        item = self.item(body["orderItemId"])
        returned = sum(r["quantityReturned"] for r in self.returns if r["orderItemId"] == body["orderItemId"])
        refused = None
        if returned + body["quantityReturned"] > int(item.get("quantityShipped") or 0):
            refused = f"Order item {body['orderItemId']}: quantity returned exceeds the quantity shipped."
        else:
            self.returns.append(body)
        return self._accepted("CREATE_RETURN_ITEM", body["orderItemId"], refused)

    def _accepted(self, event_type: str, item_id: str, refused: str | None) -> tuple[int, Any]:
        """202 with a PENDING process status; asked for later, SUCCESS (or FAILURE saying `refused`)."""
        process_id = str(1234567 + len(self.processes))
        self.processes[process_id] = {
            "processStatusId": process_id,
            "entityId": item_id,
            "eventType": event_type,
            "description": f"{event_type} for {item_id}",
            "status": "PENDING",
            "createTimestamp": "2026-07-01T10:00:00+02:00",
            "links": [],
        }
        if refused:
            self.refusals[process_id] = refused
        return 202, self.processes[process_id]


ZALANDO_CLIENT_ID, ZALANDO_CLIENT_SECRET = "zal-client-" + "f6" * 8, "zal-secret-" + "a7" * 16
ZALANDO_MERCHANT = "9d21fdd7-9986-458c-9542-e325d546036e"  # the captured orders' merchant
ZALANDO_SALES_CHANNELS = [
    {"sales_channel_id": "01924c48-49bb-40c2-9c32-ab582e6db6f4", "country_name": "Germany", "country_code": "de"}
    | {"live": True},
    {"sales_channel_id": "091dcbdd-7839-4f39-aa05-324eb4599df0", "country_name": "Netherlands", "country_code": "nl"}
    | {"live": True},
    {"sales_channel_id": "bf48ba35-149d-4b76-8ac9-d08d126b517f", "country_name": "Poland", "country_code": "pl"}
    | {"live": False},
]
_ZALANDO_OPEN = ("reserved", "shipped", "canceled")  # where an open line may go
# A line's status -> those it may move to (zDirect's line transitions).
_ZALANDO_MOVES = {"initial": _ZALANDO_OPEN, "reserved": _ZALANDO_OPEN, "shipped": ("returned",)}


@dataclass
class FakeZalando(Platform):
    """zDirect: the login (client credentials as a form with Basic auth; `expire_tokens` makes every
    token issued so far answer 401), the Orders API in JSON:API (`add_order`: a document with the
    order's items and lines in `included`), listed by `last_updated_after`/`_before` (exclusive) on
    the order's `modified_at`, paged (`page[number]` from 0), with `include`; PATCH of the order's
    tracking (204, the first number kept) and of a line's status (204: an open line to reserved,
    shipped or canceled, a shipped one to returned; else 409); the merchant's sales channels and the
    Stocks API (207 with a result per update); the returns its customers announced (`announce`),
    listed by `after` (inclusive) and `before` (exclusive) on `return_registered_at`, `limit` a page,
    each `links.next` an opaque cursor on Zalando's own host (not the fake's: a client follows its
    path and query on its own base URL)."""

    kind = "zalando"
    credentials = {"clientId": ZALANDO_CLIENT_ID, "clientSecret": ZALANDO_CLIENT_SECRET, "merchantId": ZALANDO_MERCHANT}
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # the items and lines by id
    stock: dict[tuple[str, str], int] = field(default_factory=dict)  # (sales channel, EAN) -> quantity
    tokens: set[str] = field(default_factory=set)
    tokens_issued: int = 0
    cancel_meanwhile: set[str] = field(default_factory=set)  # lines cancelled just before a PATCH reaches them
    patched_at: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time, path) of each PATCH
    announced: list[dict[str, Any]] = field(default_factory=list)

    def add_order(self, document: dict[str, Any]) -> None:
        self.orders[document["data"]["id"]] = document["data"]
        self.resources.update({r["id"]: r for r in document.get("included", [])})

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def announce(self, announced: dict[str, Any]) -> None:
        self.announced.append(announced)

    def line(self, line_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.resources[line_id]["attributes"]
        return found

    def set_line(self, line_id: str, status: str, at: str) -> None:
        """A line's status changed at `at` (Zalando's own doing, or a PATCH): the order is modified too."""
        line = self.line(line_id)
        line.update(status=status, modified_at=at)
        order_id = self.resources[line["order_item_id"]]["attributes"]["order_id"]
        self.orders[order_id]["attributes"]["modified_at"] = at

    def answer(self, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        route, _, query = path.partition("?")
        asked = {k: v[0] for k, v in parse_qs(query).items()}
        if route == "/auth/token":
            return self._login(method, body, headers)
        if headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return 401, {"errors": [{"status": "401", "title": "Unauthorized"}]}
        if method == "PATCH":
            self.patched_at.append((time.monotonic(), route))
        if method == "GET" and route == "/sales-channels":
            return 200, {"items": ZALANDO_SALES_CHANNELS if asked.get("merchant_ids") == ZALANDO_MERCHANT else []}
        found = re.fullmatch(rf"/merchants/{ZALANDO_MERCHANT}(/.*)", route)
        if found is None:
            return 403, {"errors": [{"status": "403", "title": "Forbidden"}]}
        rest = found[1]
        if method == "POST" and rest == "/stocks":
            return self._stocks(body)
        if method == "GET" and rest == "/orders":
            return self._list(asked)
        if method == "GET" and rest == "/announced-returns":
            return self._announced_returns(asked)
        one = re.fullmatch(r"/orders/([^/]+)", rest)
        if one and one[1] in self.orders:
            if method == "PATCH":
                attributes = self.orders[one[1]]["attributes"]
                if not attributes.get("tracking_number"):  # Zalando keeps the first
                    attributes["tracking_number"] = body["data"]["attributes"]["tracking_number"]
                return 204, None
            return 200, self._document(self.orders[one[1]], asked.get("include", ""))
        line = re.fullmatch(r"/orders/([^/]+)/items/([^/]+)/lines/([^/]+)", rest)
        if line and line[3] in self.resources:
            if method == "PATCH":
                return self._move(line[3], body["data"]["attributes"]["status"])
            return 200, {"data": self.resources[line[3]]}
        return 404, {"errors": [{"status": "404", "title": "Not Found"}]}

    def _login(self, method: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        basic = "Basic " + base64.b64encode(f"{ZALANDO_CLIENT_ID}:{ZALANDO_CLIENT_SECRET}".encode()).decode()
        form = body if isinstance(body, dict) else {}
        if method != "POST" or headers.get("authorization") != basic or form.get("grant_type") != "client_credentials":
            return 401, {"error": "invalid_client"}
        self.tokens_issued += 1
        issued = f"zal-access-{self.tokens_issued}-" + "b8" * 16
        self.tokens.add(issued)
        return 200, {"access_token": issued, "token_type": "Bearer", "expires_in": 7200}

    def _list(self, asked: dict[str, str]) -> tuple[int, Any]:
        after = _utc(asked["last_updated_after"]) if "last_updated_after" in asked else ""
        before = _utc(asked["last_updated_before"]) if "last_updated_before" in asked else "~"
        listed = sorted(
            (o for o in self.orders.values() if after < _utc(o["attributes"]["modified_at"]) < before),
            key=lambda o: _utc(o["attributes"]["modified_at"]),
        )
        number, size = int(asked.get("page[number]", "0")), int(asked.get("page[size]", "50"))
        page = listed[number * size : (number + 1) * size]
        documents = [self._document(o, asked.get("include", "")) for o in page]
        listing = f"{self.url}/merchants/{ZALANDO_MERCHANT}/orders?page[size]={size}&page[number]="
        more = len(listed) > (number + 1) * size
        self.listed()
        links = {"self": f"{listing}{number}"} | ({"next": f"{listing}{number + 1}"} if more else {})
        return 200, {
            "data": [d["data"] for d in documents],
            "included": [r for d in documents for r in d["included"]],
            "links": links,
        }

    def _announced_returns(self, asked: dict[str, str]) -> tuple[int, Any]:
        if "cursor" in asked:  # the cursor holds the first page's query and where the next page starts
            asked = json.loads(base64.urlsafe_b64decode(asked["cursor"]))
        after = _utc(asked["after"]) if "after" in asked else ""
        before = _utc(asked["before"]) if "before" in asked else "~"
        newest_first = asked.get("sort", "-return_registered_at").startswith("-")
        listed = sorted(
            (r for r in self.announced if after <= _utc(r["return_registered_at"]) < before),
            key=lambda r: _utc(r["return_registered_at"]),
            reverse=newest_first,
        )
        start, size = int(asked.get("start", "0")), int(asked.get("limit", "50"))
        following = base64.urlsafe_b64encode(json.dumps(asked | {"start": start + size}).encode()).decode()
        listing = f"https://api-sandbox.merchants.zalando.com/merchants/{ZALANDO_MERCHANT}/announced-returns"
        more = {"next": f"{listing}?cursor={following}"} if len(listed) > start + size else {}
        return 200, {"data": listed[start : start + size], "links": {"self": listing} | more}

    def _document(self, order: dict[str, Any], include: str) -> dict[str, Any]:
        items = [
            r
            for r in self.resources.values()
            if r["type"] == "OrderItem" and r["attributes"]["order_id"] == order["id"]
        ]
        lines = [
            r
            for r in self.resources.values()
            if r["type"] == "OrderLine" and r["attributes"]["order_item_id"] in {i["id"] for i in items}
        ]
        included = (items if "order_items" in include else []) + (lines if "order_lines" in include else [])
        return {"data": order, "included": included}

    def _move(self, line_id: str, status: str) -> tuple[int, Any]:
        if line_id in self.cancel_meanwhile:
            self.set_line(line_id, "canceled", "2026-07-01T09:59:59.000+00:00")
        current = self.line(line_id)["status"]
        if status not in _ZALANDO_MOVES.get(current, ()):
            detail = f"Order line status transition from {current} to {status} is not allowed"
            return 409, {"errors": [{"status": "409", "title": "Conflict", "detail": detail}]}
        self.set_line(line_id, status, "2026-07-01T10:00:00.000+00:00")
        return 204, None

    def _stocks(self, body: Any) -> tuple[int, Any]:
        results = []
        for item in body["items"]:
            ok = re.fullmatch(r"\d{13}", item["ean"]) is not None and item["quantity"] >= 0
            if ok:
                self.stock[(item["sales_channel_id"], item["ean"])] = item["quantity"]
            result = {"status": "ACCEPTED", "code": 0} if ok else {"status": "REJECTED", "code": 101}
            results.append({"item": item, "result": result | ({} if ok else {"description": "ean is not a GTIN-13"})})
        return 207, {"results": results}


def _utc(moment: str) -> str:
    """An ISO time as UTC text that sorts (Zalando writes +00:00, the filters Z)."""
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(UTC).isoformat()


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
    its items "already shipped"), Listings Items patchListingsItem (the quantities in `stock`) and
    Feeds 2021-06-30 for order acknowledgements (a document uploaded to its pre-signed URL, the feed
    `feed_status` at once or moved on by `finish_feeds`, applied to the orders when DONE, its
    processing report one Result per error; the documents as uploaded in `documents`)."""

    kind = "amazon"
    credentials = {
        "clientId": AMAZON_CLIENT_ID,
        "clientSecret": AMAZON_CLIENT_SECRET,
        "refreshToken": AMAZON_REFRESH_TOKEN,
        "marketplaceId": AMAZON_MARKETPLACE,
        "sellerId": AMAZON_SELLER_ID,
    }
    auth_path = "/auth/o2/token"
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    stock: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> when it expires
    token_lifetime_s: int = 3600
    page_size: int = 100
    documents: dict[str, str] = field(default_factory=dict)  # feed document id -> what was uploaded
    feeds: dict[str, dict[str, Any]] = field(default_factory=dict)
    reports: dict[str, bytes] = field(default_factory=dict)  # result document id -> processing report
    feed_status: str = "DONE"  # what a new feed is at once (IN_QUEUE, IN_PROGRESS: until `finish_feeds`)
    _inputs: dict[str, str] = field(default_factory=dict)  # feed id -> the document it was created on

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
        presigned = re.fullmatch(r"/(upload|download)/([^/]+)", route)  # S3's part: no token, the URL is the key
        if presigned and method == "PUT" and presigned[1] == "upload" and presigned[2] in self.documents:
            self.documents[presigned[2]] = body if isinstance(body, str) else ""
            return 200, None
        if presigned and method == "GET" and presigned[1] == "download" and presigned[2] in self.reports:
            return 200, self.reports[presigned[2]]
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
        if route.startswith("/feeds/2021-06-30/"):
            return self._feeds(method, route.removeprefix("/feeds/2021-06-30/"), body or {})
        return 404, _amazon_error("NotFound", "Resource not found")

    def _feeds(self, method: str, route: str, body: dict[str, Any]) -> tuple[int, Any]:
        if method == "POST" and route == "documents":
            if not str(body.get("contentType", "")).startswith("text/xml"):
                return 400, _amazon_error("InvalidInput", "contentType is required")
            document_id = f"amzn1.tortuga.4.eu.{len(self.documents) + len(self.reports)}"
            self.documents[document_id] = ""
            return 201, {"feedDocumentId": document_id, "url": f"{self.url}/upload/{document_id}"}
        if method == "POST" and route == "feeds":
            document = self.documents.get(str(body.get("inputFeedDocumentId")))
            if not document or not body.get("feedType") or not body.get("marketplaceIds"):
                return 400, _amazon_error("InvalidInput", "Invalid input")
            feed_id = str(50000 + len(self.feeds))
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            feed = {"feedId": feed_id, "feedType": body["feedType"], "marketplaceIds": body["marketplaceIds"]}
            self.feeds[feed_id] = feed | {"createdTime": now, "processingStatus": "IN_QUEUE"}
            self._inputs[feed_id] = document
            if self.feed_status != "IN_QUEUE":
                self._advance(feed_id, self.feed_status)
            return 202, {"feedId": feed_id}
        one = re.fullmatch(r"(feeds|documents)/([^/]+)", route)
        if method == "GET" and one and one[1] == "feeds" and one[2] in self.feeds:
            return 200, self.feeds[one[2]]
        if method == "GET" and one and one[1] == "documents" and one[2] in self.reports:
            return 200, {"feedDocumentId": one[2], "url": f"{self.url}/download/{one[2]}"}
        return 404, _amazon_error("NotFound", "Resource not found")

    def finish_feeds(self, status: str = "DONE", *, error: tuple[str, str] | None = None) -> None:
        """Every feed still IN_QUEUE or IN_PROGRESS moves on to `status`; one DONE is applied to the
        orders, or, given an `error` (its code and description), reports it for each message instead."""
        for feed_id, feed in self.feeds.items():
            if feed["processingStatus"] in ("IN_QUEUE", "IN_PROGRESS"):
                self._advance(feed_id, status, error)

    def _advance(self, feed_id: str, status: str, error: tuple[str, str] | None = None) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.feeds[feed_id]["processingStatus"] = status
        if status == "DONE":
            report_id = f"amzn1.tortuga.4.eu.report.{feed_id}"
            self.reports[report_id] = self._acknowledge(self._inputs[feed_id], error)
            self.feeds[feed_id] |= {"processingEndTime": now, "resultFeedDocumentId": report_id}

    def _acknowledge(self, document: str, error: tuple[str, str] | None) -> bytes:
        """An order acknowledgement applied: Failure cancels the order, or only the items it names."""
        errors = []
        for message in ET.fromstring(document).iter("Message"):
            if error is not None:
                errors.append((message.findtext("MessageID"), *error))
                continue
            ack = message.find("OrderAcknowledgement")
            order = self.orders.get(ack.findtext("AmazonOrderID", "") if ack is not None else "")
            if ack is None or order is None or ack.findtext("StatusCode") != "Failure":
                errors.append((message.findtext("MessageID"), "18028", "The order id was not found"))
                continue
            named = [i.findtext("AmazonOrderItemCode") for i in ack.iter("Item")]
            items = {i["orderItemId"]: i for i in order["orderItems"]}
            if any(n not in items for n in named):
                errors.append((message.findtext("MessageID"), "18029", "The order item code was not found"))
                continue
            for item_id in named or list(items):
                items[item_id]["cancellation"] = {"cancellationExecution": {"cancelledBy": "MERCHANT"}}
            if not named or all("cancellation" in i for i in order["orderItems"]):
                order.setdefault("fulfillment", {})["fulfillmentStatus"] = "CANCELLED"
            order["lastUpdatedTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        results = "".join(
            f"<Result><MessageID>{m}</MessageID><ResultCode>Error</ResultCode>"
            f"<ResultMessageCode>{code}</ResultMessageCode><ResultDescription>{text}</ResultDescription></Result>"
            for m, code, text in errors
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.02</DocumentVersion>'
            f"<MerchantIdentifier>{AMAZON_SELLER_ID}</MerchantIdentifier></Header><MessageType>ProcessingReport"
            "</MessageType><Message><MessageID>1</MessageID><ProcessingReport><StatusCode>Complete</StatusCode>"
            f"<ProcessingSummary><MessagesWithError>{len(errors)}</MessagesWithError></ProcessingSummary>{results}"
            "</ProcessingReport></Message></AmazonEnvelope>"
        ).encode()

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


MAGENTO_TOKEN = "mag-integration-" + "c9" * 16
_MAGENTO_CRITERION = re.compile(r"searchCriteria\[filter_groups\]\[(\d+)\]\[filters\]\[(\d+)\]\[(\w+)\]")
_MAGENTO_SORT = re.compile(r"searchCriteria\[sortOrders\]\[(\d+)\]\[field\]")
_MAGENTO_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gteq": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lteq": lambda a, b: a <= b,
}


@dataclass
class FakeMagento(Platform):
    """One Magento shop's REST API under /rest/V1, an Integration's bearer token: orders listed by
    `searchCriteria` (filter groups ANDed, their filters ORed; sortOrders; pageSize and currentPage,
    a page past the last answering the last again, as Magento does) with `total_count`; one order;
    `POST /order/{id}/ship` (the shipment's id; 400 with Magento's validation message when nothing is
    left to ship); `POST /orders/{id}/cancel` (true, or false when it cannot be cancelled); shipments
    listed by `order_id` with their tracks and comments. Errors are `{"message", "parameters"}`."""

    kind = "magento"
    credentials = {"accessToken": MAGENTO_TOKEN}
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    shipments: list[dict[str, Any]] = field(default_factory=list)

    def add_order(self, order: dict[str, Any]) -> None:
        self.orders[str(order["entity_id"])] = order

    def cancel(self, entity_id: str) -> None:
        """The shop cancels the order itself (its admin): every unit not shipped is cancelled."""
        order = self.orders[entity_id]
        for item in order["items"]:
            item["qty_canceled"] = item["qty_ordered"] - item.get("qty_shipped", 0)
        order.update(state="canceled", status="canceled", updated_at=_magento_now())

    def answer(self, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        route, _, query = path.partition("?")
        if headers.get("authorization") != f"Bearer {MAGENTO_TOKEN}":
            message = "The consumer isn't authorized to access %resources."
            return 401, {"message": message, "parameters": {"resources": "Magento_Sales::sales"}}
        route = route.removeprefix("/rest/V1")
        if method == "GET" and route == "/orders":
            return self._search(list(self.orders.values()), parse_qs(query))
        if method == "GET" and route == "/shipments":
            return self._search(self.shipments, parse_qs(query))
        found = re.fullmatch(r"/orders?/(\d+)(/cancel|/ship)?", route)
        if found is None or found[1] not in self.orders:
            return 404, {"message": "The entity that was requested doesn't exist. Verify the entity and try again."}
        order = self.orders[found[1]]
        if method == "GET" and found[2] is None and route.startswith("/orders/"):
            return 200, order
        if method == "POST" and found[2] == "/cancel" and route.startswith("/orders/"):
            return 200, self._cancel(order)
        if method == "POST" and found[2] == "/ship" and route.startswith("/order/"):
            return self._ship(order, body or {})
        return 404, {"message": "Request does not match any route."}

    def _search(self, rows: list[dict[str, Any]], query: dict[str, list[str]]) -> tuple[int, Any]:
        groups: dict[str, dict[str, dict[str, str]]] = {}
        for key, values in query.items():
            criterion = _MAGENTO_CRITERION.fullmatch(key)
            if criterion:
                groups.setdefault(criterion[1], {}).setdefault(criterion[2], {})[criterion[3]] = values[0]

        def holds(row: dict[str, Any], f: dict[str, str]) -> bool:
            compare = _MAGENTO_COMPARE[f.get("condition_type", "eq")]
            return bool(compare(_magento_value(row.get(f["field"])), _magento_value(f["value"])))

        matched = [r for r in rows if all(any(holds(r, f) for f in g.values()) for g in groups.values())]
        # Sorted by the last sort order first: each sort is stable, so the first order decides.
        for index in reversed(range(len([k for k in query if _MAGENTO_SORT.fullmatch(k)]))):
            name = query[f"searchCriteria[sortOrders][{index}][field]"][0]
            descending = query.get(f"searchCriteria[sortOrders][{index}][direction]", ["ASC"])[0] == "DESC"
            matched.sort(key=_magento_column(name), reverse=descending)
        size = int(query.get("searchCriteria[pageSize]", ["20"])[0])
        last = max((len(matched) - 1) // size + 1, 1)
        page = min(int(query.get("searchCriteria[currentPage]", ["1"])[0]), last)  # past the last: the last
        criteria = {"filter_groups": [{"filters": list(g.values())} for g in groups.values()], "page_size": size}
        items = matched[(page - 1) * size : page * size]
        self.listed()
        return 200, {"items": items, "search_criteria": criteria | {"current_page": page}, "total_count": len(matched)}

    def _cancel(self, order: dict[str, Any]) -> bool:
        if order["state"] in ("canceled", "complete", "closed") or any(i.get("qty_shipped") for i in order["items"]):
            return False
        self.cancel(str(order["entity_id"]))
        return True

    def _ship(self, order: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
        if order["state"] in ("holded", "payment_review", "canceled"):
            message = (
                "Shipment Document Validation Error(s):\nA shipment cannot be created when an order has a status of %1"
            )
            return 400, {"message": message, "parameters": [order["status"]]}
        top = {i["item_id"]: i for i in order["items"] if not i.get("parent_item_id")}

        def left(item: dict[str, Any]) -> int:
            done = item.get("qty_shipped", 0) + item.get("qty_refunded", 0) + item.get("qty_canceled", 0)
            return int(item["qty_ordered"] - done)

        asked = {i["order_item_id"]: i["qty"] for i in body.get("items") or []} or {k: left(i) for k, i in top.items()}
        if not any(left(i) for i in top.values()):
            message = "Shipment Document Validation Error(s):\nThe order does not allow a shipment to be created."
            return 400, {"message": message}
        wrong = next((k for k, q in asked.items() if k not in top or q > left(top[k])), None)
        if wrong is not None:
            return 400, {"message": 'We found an invalid quantity to ship for item "%1".', "parameters": [str(wrong)]}
        for item in order["items"]:
            parent = item.get("parent_item_id") or item["item_id"]
            item["qty_shipped"] = item.get("qty_shipped", 0) + asked.get(parent, 0)
        done = not any(left(i) for i in top.values())
        order.update(state="complete" if done else "processing", updated_at=_magento_now())
        order["status"] = order["state"]
        shipment_id = len(self.shipments) + 1
        comment = body.get("comment")
        self.shipments.append(
            {
                "entity_id": shipment_id,
                "order_id": order["entity_id"],
                "items": [{"order_item_id": k, "qty": q} for k, q in asked.items()],
                "tracks": [
                    t | {"parent_id": shipment_id, "order_id": order["entity_id"]} for t in body.get("tracks") or []
                ],
                "comments": [comment | {"parent_id": shipment_id}] if comment and body.get("appendComment") else [],
            }
        )
        return 200, shipment_id


def _magento_value(value: Any) -> Any:
    """A column as MySQL compares it: ids as numbers (entity_id 10 after 9), the rest as text."""
    text = str(value)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _magento_column(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: _magento_value(row.get(name))


def _magento_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
