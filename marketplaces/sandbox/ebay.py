"""eBay Sell APIs sandbox: Inventory bulk updates, Fulfillment orders, Post-Order cancellations.

- `Authorization: Bearer <user token>` (Post-Order: `IAF <token>`); an unknown, expired or
  revoked token gets 401 with eBay's error envelope (`errorId` 1001, domain OAuth). Tokens come
  from `POST /identity/v1/oauth2/token` and expire (see `ebay_oauth`).
- `POST /sell/inventory/v1/bulk_update_price_quantity` (up to 25 requests): 200 when every
  item succeeds, 207 when some fail, each response with its own `statusCode` and `errors`;
  `POST /sell/inventory/v1/bulk_get_inventory_item` reads quantities back (up to 25).
- `GET /sell/fulfillment/v1/order?filter=lastmodifieddate:[from..]&limit&offset` (offset
  paging with `total`, `next`), `/order/{orderId}`, `POST /order/{orderId}/shipping_fulfillment`
  (201 + Location; one package and tracking number per call), `GET` of the same path (the order's
  fulfillments), `POST /order/{orderId}/issue_refund`, `POST /post-order/v2/cancellation`.
- eBay meters calls per day per API: past `daily_quota` a call gets 429 (errorId 2001) with
  Retry-After until the quota resets; `burst_per_second` adds a short-term limit.
There is no published eBay payload in the samples (see samples/README.md); shapes follow the
Sell API contracts.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from marketplaces.sandbox.base import Bucket, SandboxApp, json_response
from marketplaces.sandbox.ebay_oauth import EbayIdentity


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class EbaySandbox(EbayIdentity, SandboxApp):
    kind = "ebay"

    def setup(self) -> None:
        self.identity_setup()
        self.daily_quota = {"inventory": 2_000_000, "fulfillment": 100_000, "postorder": 10_000}
        self.used: dict[str, int] = {}
        self.burst = Bucket(50.0, 100.0)
        self.inventory: set[str] = set()
        self.shipping_fulfillments: list[dict[str, Any]] = []
        self.refunds: list[dict[str, Any]] = []
        self.cancellations: list[dict[str, Any]] = []
        self.route("POST", r"/identity/v1/oauth2/token", "identity", self._token)
        self.route("POST", r"/sell/inventory/v1/bulk_update_price_quantity", "inventory", self._bulk_update)
        self.route("POST", r"/sell/inventory/v1/bulk_get_inventory_item", "inventory", self._bulk_get)
        self.route("GET", r"/sell/fulfillment/v1/order", "fulfillment", self._orders)
        self.route("GET", r"/sell/fulfillment/v1/order/(?P<order_id>[\w-]+)", "fulfillment", self._order)
        fulfillments = r"/sell/fulfillment/v1/order/(?P<order_id>[\w-]+)/shipping_fulfillment"
        self.route("POST", fulfillments, "fulfillment", self._ship)
        self.route("GET", fulfillments, "fulfillment", self._fulfillments)
        self.route("POST", r"/sell/fulfillment/v1/order/(?P<order_id>[\w-]+)/issue_refund", "fulfillment", self._refund)
        self.route("POST", r"/post-order/v2/cancellation", "postorder", self._cancel)

    def set_burst(self, rate: float, burst: float) -> None:
        self.burst = Bucket(rate, burst)

    def add_product(self, sku: str, quantity: int = 0) -> dict[str, str]:
        with self.lock:
            self.inventory.add(sku)
            if self.stock_persisted(sku) is None:
                self.state.stock[sku] = [(0.0, quantity)]
            return {"sku": sku}

    def quantity_of(self, sku: str, *, visible: bool = True) -> int | None:
        return self.stock_visible(sku) if visible else self.stock_persisted(sku)

    # HTTP --------------------------------------------------------------------------------

    def error(self, status: int, message: str, op: str) -> httpx.Response:
        error_id = {401: 1001, 429: 2001, 404: 32100, 400: 32000}.get(status, 25001)
        category = "REQUEST" if status < 500 else "APPLICATION"
        domain = "OAuth" if status == 401 else ("ACCESS" if status == 429 else "API_INVENTORY")
        return json_response(
            status, {"errors": [{"errorId": error_id, "domain": domain, "category": category, "message": message}]}
        )

    def authenticate(self, request: httpx.Request, op: str) -> httpx.Response | None:
        if op == "identity":  # the token endpoint checks the client and the refresh token itself
            return None
        scheme = "IAF" if op == "postorder" else "Bearer"
        if not self.token_valid(request.headers.get("Authorization", ""), scheme):
            return self.token_refused()
        return None

    def rate_limit(self, request: httpx.Request, op: str) -> httpx.Response | None:
        used = self.used.get(op, 0)
        if used >= self.daily_quota.get(op, 10**9):
            now = datetime.now(UTC)
            seconds_to_midnight = 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
            response = self.error(429, "The request limit has been reached for the resource.", op)
            response.headers["Retry-After"] = str(seconds_to_midnight)
            return response
        if not self.burst.take():
            response = self.error(429, "The request limit has been reached for the resource.", op)
            response.headers["Retry-After"] = str(max(1, round(self.burst.wait_for() + 0.49)))
            return response
        self.used[op] = used + 1
        return None

    # Inventory ---------------------------------------------------------------------------

    def _bulk_update(self, request: httpx.Request) -> httpx.Response:
        requests = json.loads(request.content)["requests"]
        if not 1 <= len(requests) <= 25:
            return self.error(400, "The 'requests' container must hold 1 to 25 entries.", "inventory")
        responses = []
        for entry in requests:
            sku = entry["sku"]
            quantity = int(entry["shipToLocationAvailability"]["quantity"])
            if sku not in self.inventory:
                responses.append(
                    {
                        "sku": sku,
                        "statusCode": 404,
                        "errors": [
                            {
                                "errorId": 25702,
                                "domain": "API_INVENTORY",
                                "category": "REQUEST",
                                "message": f"The SKU {sku} is not available in the system.",
                            }
                        ],
                    }
                )
            elif self.take_item_failure(sku):
                responses.append(
                    {
                        "sku": sku,
                        "statusCode": 500,
                        "errors": [
                            {
                                "errorId": 25001,
                                "domain": "API_INVENTORY",
                                "category": "APPLICATION",
                                "message": "A system error has occurred. Please try again.",
                            }
                        ],
                    }
                )
            elif quantity < 0:
                responses.append(
                    {
                        "sku": sku,
                        "statusCode": 400,
                        "errors": [
                            {
                                "errorId": 25017,
                                "domain": "API_INVENTORY",
                                "category": "REQUEST",
                                "message": "Invalid quantity.",
                            }
                        ],
                    }
                )
            else:
                self.stock_write(sku, quantity)
                responses.append({"sku": sku, "statusCode": 200})
        status = 200 if all(r["statusCode"] == 200 for r in responses) else 207
        return json_response(status, {"responses": responses})

    def _bulk_get(self, request: httpx.Request) -> httpx.Response:
        requests = json.loads(request.content)["requests"]
        responses = []
        for entry in requests[:25]:
            sku = entry["sku"]
            if sku not in self.inventory:
                responses.append({"sku": sku, "statusCode": 404})
                continue
            responses.append(
                {
                    "sku": sku,
                    "statusCode": 200,
                    "inventoryItem": {
                        "sku": sku,
                        "availability": {"shipToLocationAvailability": {"quantity": self.stock_visible(sku) or 0}},
                    },
                }
            )
        return json_response(200, {"responses": responses})

    # Orders ------------------------------------------------------------------------------

    def create_order(self, lines: list[tuple[str, int]], **extra: Any) -> str:
        with self.lock:
            number = self.new_id()
            order_id = f"0{number % 100:01d}-{number:05d}-{(number * 104729) % 100000:05d}"
            now = _iso(datetime.now(UTC))
            prices = {sku: float(price) for sku, price in (extra.get("prices") or {}).items()}
            # The demo's shoppers bring a name and an address whose city is the ZIP's own; tests get the defaults.
            shopper = extra.get("shopper") or {}
            line_items = []
            for index, (sku, quantity) in enumerate(lines):
                line_items.append(
                    {
                        "lineItemId": f"{10000000000 + number * 100 + index}",
                        "legacyItemId": f"1100{number:08d}",
                        "sku": sku,
                        "title": f"Sandbox {sku}",
                        "quantity": quantity,
                        "lineItemCost": {"value": f"{prices.get(sku, 12.5) * quantity:.2f}", "currency": "USD"},
                        "lineItemFulfillmentStatus": "NOT_STARTED",
                    }
                )
                if sku in self.inventory:
                    self.stock_write(sku, max(0, (self.stock_persisted(sku) or 0) - quantity))
            self.state.orders[order_id] = {
                "orderId": order_id,
                "legacyOrderId": f"1100{number:08d}-{number:012d}",
                "creationDate": now,
                "lastModifiedDate": now,
                "orderFulfillmentStatus": "NOT_STARTED",
                "orderPaymentStatus": "PAID",
                "sellerId": "sandbox_seller",
                "buyer": {
                    "username": f"buyer_{number}",
                    "buyerRegistrationAddress": {
                        "fullName": extra.get("name", "Pat Buyer"),
                        "email": extra.get("email", f"buyer{number}@example.com"),
                    },
                },
                "pricingSummary": {
                    "priceSubtotal": {"value": "0.00", "currency": "USD"},
                    "deliveryCost": {"value": "4.99", "currency": "USD"},
                    "tax": {"value": "0.00", "currency": "USD"},
                },
                "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
                "fulfillmentStartInstructions": [
                    {
                        "fulfillmentInstructionsType": "SHIP_TO",
                        "shippingStep": {
                            "shipTo": {
                                "fullName": extra.get("name", "Pat Buyer"),
                                "contactAddress": {
                                    "addressLine1": shopper.get("line1", "350 5th Ave"),
                                    "city": shopper.get("city", "New York"),
                                    "stateOrProvince": shopper.get("state", "NY"),
                                    "postalCode": extra.get("zip", "10118"),
                                    "countryCode": "US",
                                },
                                "primaryPhone": {"phoneNumber": "2125550100"},
                                "email": f"buyer{number}@members.ebay.com",
                            }
                        },
                    }
                ],
                "lineItems": line_items,
            }
            return order_id

    def cancel_order_by_customer(self, order_id: str) -> None:
        with self.lock:
            order = self.state.orders[order_id]
            order["cancelStatus"]["cancelState"] = "CANCELED"
            order["lastModifiedDate"] = _iso(datetime.now(UTC))

    def _orders(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        limit = min(int(params.get("limit", "50")), 200)
        offset = int(params.get("offset", "0"))
        match = re.search(r"lastmodifieddate:\[([^\].]+(?:\.\d+)?Z?)\.\.", params.get("filter", ""))
        orders = sorted(self.state.orders.values(), key=lambda o: (o["lastModifiedDate"], o["orderId"]))
        if match:
            since = datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
            orders = [
                o for o in orders if datetime.fromisoformat(o["lastModifiedDate"].replace("Z", "+00:00")) >= since
            ]
        page = orders[offset : offset + limit]
        base = f"{request.url.scheme}://{request.url.host}{request.url.path}"
        body: dict[str, Any] = {
            "href": str(request.url),
            "total": len(orders),
            "limit": limit,
            "offset": offset,
            "orders": page,
        }
        if offset + limit < len(orders):
            body["next"] = f"{base}?limit={limit}&offset={offset + limit}"
        return json_response(200, body)

    def _order(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self.state.orders.get(order_id)
        if order is None:
            return self.error(404, f"Order {order_id} was not found.", "fulfillment")
        return json_response(200, order)

    def _ship(self, request: httpx.Request, order_id: str) -> httpx.Response:
        """createShippingFulfillment: one package (one tracking number) per call, naming its line items."""
        order = self.state.orders.get(order_id)
        if order is None:
            return self.error(404, f"Order {order_id} was not found.", "fulfillment")
        body = json.loads(request.content)
        known = {li["lineItemId"]: li for li in order["lineItems"]}
        for line in body.get("lineItems") or []:
            if line["lineItemId"] not in known:
                return self.error(400, f"Line item {line['lineItemId']} is not in order {order_id}.", "fulfillment")
            if int(line.get("quantity", 1)) <= 0:
                return self.error(400, "The quantity of a line item must be greater than zero.", "fulfillment")
        fulfillment_id = uuid.uuid4().hex[:12].upper()
        self.shipping_fulfillments.append({"orderId": order_id, "fulfillmentId": fulfillment_id, **body})
        shipped: dict[str, int] = {}
        for fulfillment in self.shipping_fulfillments:
            if fulfillment["orderId"] == order_id:
                for line in fulfillment.get("lineItems") or []:
                    shipped[line["lineItemId"]] = shipped.get(line["lineItemId"], 0) + int(line.get("quantity", 1))
        for line_id, item in known.items():
            if shipped.get(line_id):
                item["lineItemFulfillmentStatus"] = (
                    "FULFILLED" if shipped[line_id] >= item["quantity"] else "IN_PROGRESS"
                )
        statuses = {item["lineItemFulfillmentStatus"] for item in known.values()}
        order["orderFulfillmentStatus"] = "FULFILLED" if statuses == {"FULFILLED"} else "IN_PROGRESS"
        order["lastModifiedDate"] = _iso(datetime.now(UTC))
        location = f"https://api.ebay.com/sell/fulfillment/v1/order/{order_id}/shipping_fulfillment/{fulfillment_id}"
        return httpx.Response(201, headers={"Location": location})

    def _fulfillments(self, request: httpx.Request, order_id: str) -> httpx.Response:
        """getShippingFulfillments: every package of the order with its tracking number."""
        if order_id not in self.state.orders:
            return self.error(404, f"Order {order_id} was not found.", "fulfillment")
        found = [
            {
                "fulfillmentId": f["fulfillmentId"],
                "lineItems": f.get("lineItems") or [],
                "shipmentTrackingNumber": f.get("trackingNumber"),
                "shippedDate": f.get("shippedDate"),
                "shippingCarrierCode": f.get("shippingCarrierCode"),
            }
            for f in self.shipping_fulfillments
            if f["orderId"] == order_id
        ]
        return json_response(200, {"fulfillments": found, "total": len(found)})

    def _refund(self, request: httpx.Request, order_id: str) -> httpx.Response:
        if order_id not in self.state.orders:
            return self.error(404, f"Order {order_id} was not found.", "fulfillment")
        body = json.loads(request.content)
        refund = {"refundId": uuid.uuid4().hex[:10].upper(), "refundStatus": "PENDING", "orderId": order_id, **body}
        self.refunds.append(refund)
        return json_response(200, {"refundId": refund["refundId"], "refundStatus": "PENDING"})

    def _cancel(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        order = next(
            (
                o
                for o in self.state.orders.values()
                if o["legacyOrderId"] == body["legacyOrderId"] or o["orderId"] == body["legacyOrderId"]
            ),
            None,
        )
        if order is None:
            return self.error(400, "The order was not found.", "postorder")
        order["cancelStatus"]["cancelState"] = "CANCELED"
        order["lastModifiedDate"] = _iso(datetime.now(UTC))
        cancel_id = str(5000000000 + len(self.cancellations))
        self.cancellations.append({"cancelId": cancel_id, **body})
        return json_response(201, {"cancelId": cancel_id})
