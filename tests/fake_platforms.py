"""Fake Shopify and WooCommerce admin APIs for the tests: http.server on 127.0.0.1, answering the
documented shapes (../shared/channels: shopify_fulfillment_orders_rest_2026_07.json; the wc/v3
orders and notes), recording every request, and able to fail the next calls (a status, headers, a body).
Free of chalicelib: they stand for the platforms, not for our code."""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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

    def fail_next(self, status: int, body: Any = None, *, path: str | None = None, **headers: str) -> None:
        self.failures.append(Failure(status, headers, body, path))

    def failure_for(self, path: str) -> Failure | None:
        """The first failure waiting for this request, taken off the list."""
        found = next((f for f in self.failures if f.path is None or path.startswith(f.path)), None)
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
            body = json.loads(self.rfile.read(length)) if length else None
            headers = {k.lower(): v for k, v in self.headers.items()}
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

        do_GET = do_POST = do_PUT = _any

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
    answered 202 PENDING and SUCCESS when their process status is asked for; offer stock as last set
    (`stock`: offer id -> amount; `stock_calls`: each call's offer id and body, in order)."""

    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    stock: dict[str, int] = field(default_factory=dict)
    stock_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
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
