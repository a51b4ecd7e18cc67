"""WooCommerce REST API v3 sandbox (`/wp-json/wc/v3`), with signed order webhooks.

- HTTP Basic with the consumer key and secret (over HTTPS); bad keys get WooCommerce's
  `401 {"code": "woocommerce_rest_cannot_view", ...}`.
- `POST /products/batch` (at most 100 objects per batch; each `update` entry answers with the
  product, or with `{"id", "error": {code, message, data: {status}}}` inside the 200) and
  `POST /products/{parent}/variations/batch`; `GET /products?include=` reads stock back.
- `GET /orders?modified_after&orderby=modified&order=asc&per_page&page` with `X-WP-Total` and
  `X-WP-TotalPages`; `GET/PUT /orders/{id}` (status, `meta_data`); `POST /orders/{id}/notes`;
  `POST /orders/{id}/refunds`.
- Webhooks `order.created` / `order.updated` carry the order JSON, signed in
  `X-WC-Webhook-Signature` (base64 HMAC-SHA256 of the body with the webhook secret).
- WooCommerce itself has no rate limit; hosts do: `requests_per_second` answers 429 with
  Retry-After past it.
Orders are built from the "Retrieve an order" example of WooCommerce's REST API docs (a
line with an empty `sku`, numeric `price`, money as strings).
"""

from __future__ import annotations

import base64
import copy
import json
import math
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from marketplaces.sandbox.base import Bucket, SandboxApp, json_response, load_sample

PREFIX = "/wp-json/wc/v3"


def woo_product_id(sku: str) -> str:
    return str(100 + zlib.crc32(sku.encode()) % 10**7)


def _gmt(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


class WooCommerceSandbox(SandboxApp):
    kind = "woocommerce"

    def setup(self) -> None:
        self.consumer_key = "ck_sandbox0123456789"
        self.consumer_secret = "cs_sandbox0123456789"  # noqa: S105 (the sandbox's own, public)
        self.bucket = Bucket(25.0, 50.0)
        self.products: dict[str, str] = {}  # product id -> sku
        self.notes: list[dict[str, Any]] = []
        self.refunds: list[dict[str, Any]] = []
        self.route("POST", rf"{PREFIX}/products/batch", "products", self._batch)
        self.route("POST", rf"{PREFIX}/products/(?P<parent>\d+)/variations/batch", "products", self._variation_batch)
        self.route("GET", rf"{PREFIX}/products", "products", self._products)
        self.route("GET", rf"{PREFIX}/orders", "orders", self._orders)
        self.route("GET", rf"{PREFIX}/orders/(?P<order_id>\d+)", "orders", self._order)
        self.route("PUT", rf"{PREFIX}/orders/(?P<order_id>\d+)", "orders", self._update_order)
        self.route("POST", rf"{PREFIX}/orders/(?P<order_id>\d+)/notes", "orders", self._note)
        self.route("POST", rf"{PREFIX}/orders/(?P<order_id>\d+)/refunds", "orders", self._refund)

    def set_rate(self, requests_per_second: float, burst: float) -> None:
        self.bucket = Bucket(requests_per_second, burst)

    def add_product(self, sku: str, quantity: int = 0) -> dict[str, str]:
        with self.lock:
            product_id = woo_product_id(sku)
            self.products[product_id] = sku
            if self.stock_persisted(product_id) is None:
                self.state.stock[product_id] = [(0.0, quantity)]
            return {"product_id": product_id, "sku": sku}

    def quantity_of(self, sku: str, *, visible: bool = True) -> int | None:
        key = woo_product_id(sku)
        return self.stock_visible(key) if visible else self.stock_persisted(key)

    # HTTP --------------------------------------------------------------------------------

    def error(self, status: int, message: str, op: str) -> httpx.Response:
        code = {
            401: "woocommerce_rest_cannot_view",
            404: "woocommerce_rest_shop_order_invalid_id",
            429: "too_many_requests",
        }.get(status, "woocommerce_rest_error" if status < 500 else "internal_server_error")
        return json_response(status, {"code": code, "message": message, "data": {"status": status}})

    def authenticate(self, request: httpx.Request, op: str) -> httpx.Response | None:
        expected = "Basic " + base64.b64encode(f"{self.consumer_key}:{self.consumer_secret}".encode()).decode()
        if self.revoked or request.headers.get("Authorization") != expected:
            return self.error(401, "Sorry, you cannot list resources.", op)
        return None

    def rate_limit(self, request: httpx.Request, op: str) -> httpx.Response | None:
        if self.bucket.take():
            return None
        response = self.error(429, "Too many requests.", op)
        response.headers["Retry-After"] = str(max(1, math.ceil(self.bucket.wait_for())))
        return response

    # Products ----------------------------------------------------------------------------

    def _product_body(self, product_id: str) -> dict[str, Any]:
        return {
            "id": int(product_id),
            "name": f"Sandbox {self.products[product_id]}",
            "sku": self.products[product_id],
            "manage_stock": True,
            "stock_quantity": self.stock_visible(product_id) or 0,
            "stock_status": "instock" if (self.stock_visible(product_id) or 0) > 0 else "outofstock",
        }

    def _apply_updates(self, updates: list[dict[str, Any]], key_of: Any) -> list[dict[str, Any]]:
        answers = []
        for entry in updates:
            key = key_of(entry)
            if key not in self.products:
                answers.append(
                    {
                        "id": entry.get("id"),
                        "error": {
                            "code": "woocommerce_rest_product_invalid_id",
                            "message": "Invalid ID.",
                            "data": {"status": 400},
                        },
                    }
                )
            elif self.take_item_failure(self.products[key]):
                answers.append(
                    {
                        "id": entry.get("id"),
                        "error": {
                            "code": "woocommerce_rest_cannot_edit",
                            "message": "Sorry, the product could not be saved. Try again.",
                            "data": {"status": 500},
                        },
                    }
                )
            else:
                if "stock_quantity" in entry:
                    self.stock_write(key, int(entry["stock_quantity"]))
                body = self._product_body(key)
                body["stock_quantity"] = self.stock_persisted(key)  # the write's own answer shows the new value
                answers.append(body)
        return answers

    def _batch(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        total = sum(len(body.get(k) or []) for k in ("create", "update", "delete"))
        if total > 100:
            return self.error(413, "Unable to accept more than 100 items for this request.", "products")
        return json_response(200, {"update": self._apply_updates(body.get("update") or [], lambda e: str(e.get("id")))})

    def _variation_batch(self, request: httpx.Request, parent: str) -> httpx.Response:
        body = json.loads(request.content)
        return json_response(
            200, {"update": self._apply_updates(body.get("update") or [], lambda e: f"{parent}:{e.get('id')}")}
        )

    def _products(self, request: httpx.Request) -> httpx.Response:
        include = [p for p in request.url.params.get("include", "").split(",") if p]
        found = [self._product_body(pid) for pid in include if pid in self.products]
        return json_response(200, found, {"X-WP-Total": str(len(found)), "X-WP-TotalPages": "1"})

    # Orders ------------------------------------------------------------------------------

    def create_order(self, lines: list[tuple[str, int]], **extra: Any) -> str:
        with self.lock:
            template = load_sample("woocommerce_order_get_response.json")
            order = copy.deepcopy(template)
            order_id = self.new_id()
            now = datetime.now(UTC)
            order.update(
                id=order_id,
                number=str(order_id),
                order_key=f"wc_order_{order_id:x}",
                status="processing",
                date_created=_gmt(now),
                date_created_gmt=_gmt(now),
                date_modified=_gmt(now),
                date_modified_gmt=_gmt(now),
            )
            if "zip" in extra:
                order["shipping"]["postcode"] = order["billing"]["postcode"] = extra["zip"]
            if "shopper" in extra:  # the demo's shoppers: a name and an address whose city is the ZIP's own
                shopper = extra["shopper"]
                for part in ("shipping", "billing"):
                    order[part].update(
                        first_name=shopper["first_name"], last_name=shopper["last_name"], address_1=shopper["line1"],
                        city=shopper["city"], state=shopper["state"], postcode=shopper["zip"],
                    )  # fmt: skip
            prices = extra.get("prices") or {}
            line_template = template["line_items"][1]
            items = []
            for index, (sku, quantity) in enumerate(lines):
                item = copy.deepcopy(line_template)
                product_id = woo_product_id(sku)
                item.update(
                    id=order_id * 10 + index,
                    name=f"Sandbox {sku}",
                    product_id=int(product_id),
                    variation_id=0,
                    quantity=quantity,
                    price=float(prices.get(sku, 12)),
                    subtotal=f"{float(prices.get(sku, 12)) * quantity:.2f}",
                    total=f"{float(prices.get(sku, 12)) * quantity:.2f}",
                    # WooCommerce sends "" when the product has no SKU: the product id identifies it.
                    sku="" if extra.get("empty_skus") else sku,
                    meta_data=[],
                )
                items.append(item)
                if product_id in self.products:
                    self.stock_write(product_id, max(0, (self.stock_persisted(product_id) or 0) - quantity))
            order["line_items"] = items
            order["_links"] = {"self": [{"href": f"https://{self.name}.example.com{PREFIX}/orders/{order_id}"}]}
            self.state.orders[str(order_id)] = order
            self._webhook("order.created", order)
            return str(order_id)

    def _touch(self, order: dict[str, Any]) -> None:
        modified = datetime.fromisoformat(order["date_modified_gmt"]).replace(tzinfo=UTC) + timedelta(seconds=1)
        order["date_modified"] = order["date_modified_gmt"] = _gmt(max(modified, datetime.now(UTC)))

    def cancel_order_by_customer(self, order_id: str) -> None:
        with self.lock:
            order = self.state.orders[order_id]
            order["status"] = "cancelled"
            self._touch(order)
            self._webhook("order.updated", order)

    def _webhook(self, topic: str, order: dict[str, Any]) -> None:
        body = json.dumps(order).encode()
        resource, event = topic.split(".")
        self.enqueue_webhook(
            {
                "Content-Type": "application/json",
                "X-WC-Webhook-Source": f"https://{self.name}.example.com/",
                "X-WC-Webhook-Topic": topic,
                "X-WC-Webhook-Resource": resource,
                "X-WC-Webhook-Event": event,
                "X-WC-Webhook-Signature": self.sign(body),
                "X-WC-Webhook-ID": "7",
                "X-WC-Webhook-Delivery-ID": str(self.new_id()),
            },
            body,
        )

    def _orders(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        per_page = min(int(params.get("per_page", "10")), 100)
        page = int(params.get("page", "1"))
        orders = sorted(self.state.orders.values(), key=lambda o: (o["date_modified_gmt"], o["id"]))
        if params.get("modified_after"):
            since = datetime.fromisoformat(params["modified_after"].replace("Z", "+00:00"))
            since = since.astimezone(UTC).replace(tzinfo=None) if since.tzinfo else since
            orders = [o for o in orders if datetime.fromisoformat(o["date_modified_gmt"]) >= since]
        total = len(orders)
        chunk = orders[(page - 1) * per_page : page * per_page]
        return json_response(
            200, chunk, {"X-WP-Total": str(total), "X-WP-TotalPages": str(max(1, math.ceil(total / per_page)))}
        )

    def _order(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self.state.orders.get(order_id)
        return json_response(200, order) if order else self.error(404, "Invalid ID.", "orders")

    def _update_order(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self.state.orders.get(order_id)
        if order is None:
            return self.error(404, "Invalid ID.", "orders")
        body = json.loads(request.content)
        if "status" in body:
            order["status"] = body["status"]
        for entry in body.get("meta_data") or []:
            self._set_meta(order, entry)
        self._touch(order)
        return json_response(200, order)

    def _set_meta(self, order: dict[str, Any], entry: dict[str, Any]) -> None:
        """As WooCommerce's REST update does: an entry with an `id` changes that meta, one without
        changes the meta of that `key` if the order has one, else adds it with a new id."""
        metas = order.setdefault("meta_data", [])
        match = next(
            (m for m in metas if (m["id"] == entry["id"] if entry.get("id") else m["key"] == entry["key"])), None
        )
        if match is not None:
            match["value"] = entry.get("value")
        else:
            metas.append({"id": self.new_id(), "key": entry["key"], "value": entry.get("value")})

    def _note(self, request: httpx.Request, order_id: str) -> httpx.Response:
        if order_id not in self.state.orders:
            return self.error(404, "Invalid ID.", "orders")
        body = json.loads(request.content)
        note = {
            "id": self.new_id(),
            "order_id": int(order_id),
            "note": body["note"],
            "customer_note": bool(body.get("customer_note")),
        }
        self.notes.append(note)
        return json_response(201, note)

    def _refund(self, request: httpx.Request, order_id: str) -> httpx.Response:
        if order_id not in self.state.orders:
            return self.error(404, "Invalid ID.", "orders")
        body = json.loads(request.content)
        refund = {
            "id": self.new_id(),
            "order_id": int(order_id),
            "amount": body["amount"],
            "reason": body.get("reason", ""),
        }
        self.refunds.append(refund)
        return json_response(201, refund)
