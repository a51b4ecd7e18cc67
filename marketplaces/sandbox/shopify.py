"""Shopify Admin GraphQL API sandbox (version 2026-04) with REST-shaped order webhooks.

- `POST /admin/api/2026-04/graphql.json` with `X-Shopify-Access-Token`; a wrong token gets
  Shopify's 401 body. Operations are recognised by their root field: `inventorySetQuantities`
  (requires `@idempotent(key:)`; each quantity requires `changeFromQuantity`, compared with
  the persisted quantity -> `CHANGE_FROM_QUANTITY_STALE`; unknown items -> `NOT_FOUND`; the
  mutation is all-or-nothing), `nodes` (inventory levels), `orders` (cursor pagination,
  `query: "updated_at:>='…'"`, sortKey UPDATED_AT), `order`, `fulfillmentCreate`,
  `orderCancel`, `refundCreate`.
- Calculated query cost: a bucket of `maximum_available` points restored at `restore_rate`
  per second. Every answer carries `extensions.cost`; a query the bucket cannot pay for gets
  HTTP 200 with `errors[0].extensions.code == "THROTTLED"`, as Shopify answers.
- Orders are kept in the REST shape of Shopify's own published sample (64-bit ids, `sku`
  null on some lines, `current_quantity` 0 for refunded lines) and served as GraphQL nodes.
  Webhooks (`orders/create`, `orders/updated`, `orders/cancelled`) carry the bare REST order,
  signed with `X-Shopify-Hmac-Sha256`.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from marketplaces.sandbox.base import Bucket, SandboxApp, json_response, load_sample

API_VERSION = "2026-04"
ORDER_ID_BASE = 820982911946154508  # Shopify's own sample order id: ids above 2**53, as in real shops


def shopify_ids(sku: str) -> dict[str, str]:
    """Deterministic product, variant and inventory item ids of a SKU in the sandbox."""
    n = zlib.crc32(sku.encode()) % 10**9
    return {
        "product_id": str(9_000_000_000_000 + n),
        "variant_id": str(49_000_000_000_000 + n),
        "inventory_item_id": f"gid://shopify/InventoryItem/{51_000_000_000_000 + n}",
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _money(amount: str, currency: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


class ShopifySandbox(SandboxApp):
    kind = "shopify"
    location_id = "gid://shopify/Location/24826418"

    def setup(self) -> None:
        self.access_token = "shpat_sandbox_0123456789abcdef"  # noqa: S105 (the sandbox's own, public)
        self.maximum_available = 2000.0
        self.restore_rate = 100.0
        self.bucket = Bucket(self.restore_rate, self.maximum_available)
        self.catalog: dict[str, dict[str, str]] = {}
        self.items: dict[str, str] = {}  # inventory item gid -> sku
        self.idempotency: dict[str, dict[str, Any]] = {}
        self.fulfillments: list[dict[str, Any]] = []
        self.refunds: list[dict[str, Any]] = []
        self.route("POST", rf"/admin/api/{API_VERSION}/graphql\.json", "graphql", self._graphql)

    def set_limits(self, *, maximum_available: float, restore_rate: float) -> None:
        self.maximum_available, self.restore_rate = maximum_available, restore_rate
        self.bucket = Bucket(restore_rate, maximum_available)

    # Catalogue -------------------------------------------------------------------------

    def add_product(self, sku: str, quantity: int = 0, *, price: str = "19.99") -> dict[str, str]:
        with self.lock:
            ids = shopify_ids(sku) | {"sku": sku, "price": price, "title": f"Sandbox {sku}"}
            self.catalog[sku] = ids
            self.items[ids["inventory_item_id"]] = sku
            if self.stock_persisted(self._key(ids["inventory_item_id"])) is None:
                self.state.stock[self._key(ids["inventory_item_id"])] = [(0.0, quantity)]
            return ids

    def _key(self, item_id: str, location_id: str | None = None) -> str:
        return f"{item_id}@{location_id or self.location_id}"

    def quantity_of(self, sku: str, *, visible: bool = True) -> int | None:
        key = self._key(shopify_ids(sku)["inventory_item_id"])
        return self.stock_visible(key) if visible else self.stock_persisted(key)

    # HTTP --------------------------------------------------------------------------------

    def authenticate(self, request: httpx.Request, op: str) -> httpx.Response | None:
        if self.revoked or request.headers.get("X-Shopify-Access-Token") != self.access_token:
            return json_response(
                401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
            )
        return None

    def error(self, status: int, message: str, op: str) -> httpx.Response:
        return json_response(status, {"errors": message})

    def _cost(self, requested: float, actual: float | None) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": self.maximum_available,
                    "currentlyAvailable": round(self.bucket.level(), 1),
                    "restoreRate": self.restore_rate,
                },
            }
        }

    def _graphql(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        query = str(body["query"])
        variables = body.get("variables") or {}
        root = self._root_field(query)
        if root is None:
            return json_response(
                200, {"errors": [{"message": "Parse error: no operation found", "extensions": {"code": "BAD_REQUEST"}}]}
            )
        cost = self._requested_cost(root, variables)
        if not self.bucket.take(cost):
            return json_response(
                200,
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": self._cost(cost, None),
                },
            )
        if root == "inventorySetQuantities":
            data = self._inventory_set(query, variables)
        elif root == "nodes":
            data = self._nodes(variables)
        elif root == "orders":
            data = self._orders(variables)
        elif root == "order":
            data = {"order": self._order_node(self.state.orders.get(self._legacy(variables.get("id", ""))))}
        elif root == "fulfillmentCreate":
            data = self._fulfillment_create(variables)
        elif root == "orderCancel":
            data = self._order_cancel(variables)
        elif root == "refundCreate":
            data = self._refund_create(variables)
        else:
            return json_response(200, {"errors": [{"message": f"Field '{root}' doesn't exist on type 'QueryRoot'"}]})
        if isinstance(data, httpx.Response):
            return data
        return json_response(200, {"data": data, "extensions": self._cost(cost, cost)})

    @staticmethod
    def _root_field(query: str) -> str | None:
        body = query[query.find("{") + 1 :] if "{" in query else ""
        match = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*[({@]", body)
        return match.group(1) if match else None

    @staticmethod
    def _requested_cost(root: str, variables: dict[str, Any]) -> float:
        if root == "orders":
            return 2 + 3 * int(variables.get("first", 50))
        if root == "nodes":
            return 1 + len(variables.get("ids", []))
        if root in ("order",):
            return 5
        return 10  # mutations

    @staticmethod
    def _legacy(gid: str) -> str:
        return str(gid).rsplit("/", 1)[-1]

    # Inventory ---------------------------------------------------------------------------

    def _inventory_set(self, query: str, variables: dict[str, Any]) -> Any:
        key_match = re.search(r"@idempotent\(\s*key:\s*(\$?[\w\"-]+)", query)
        if not key_match:
            return json_response(
                200,
                {
                    "errors": [
                        {
                            "message": "The @idempotent directive is required for this mutation.",
                            "extensions": {"code": "BAD_REQUEST"},
                        }
                    ]
                },
            )
        raw_key = key_match.group(1)
        key = str(variables.get(raw_key[1:], "")) if raw_key.startswith("$") else raw_key.strip('"')
        if key in self.idempotency:
            return self.idempotency[key]
        data_input = variables["input"]
        if data_input.get("name") != "available":
            raise ValueError("only the 'available' quantity may be set here")
        errors = []
        quantities = data_input["quantities"]
        for index, item in enumerate(quantities):
            if "changeFromQuantity" not in item:
                errors.append(
                    {
                        "code": "INVALID_QUANTITY",
                        "field": ["input", "quantities", str(index), "changeFromQuantity"],
                        "message": "changeFromQuantity is required. Pass null to skip the check.",
                    }
                )
                continue
            item_id = item["inventoryItemId"]
            if item_id not in self.items:
                errors.append(
                    {
                        "code": "NOT_FOUND",
                        "field": ["input", "quantities", str(index), "inventoryItemId"],
                        "message": "The specified inventory item could not be found.",
                    }
                )
                continue
            persisted = self.stock_persisted(self._key(item_id, item.get("locationId")))
            expected = item["changeFromQuantity"]
            if expected is not None and persisted is not None and int(expected) != persisted:
                errors.append(
                    {
                        "code": "CHANGE_FROM_QUANTITY_STALE",
                        "field": ["input", "quantities", str(index), "changeFromQuantity"],
                        "message": "The specified compare quantity does not match the current quantity.",
                    }
                )
            if int(item["quantity"]) < 0 or int(item["quantity"]) > 1_000_000_000:
                errors.append(
                    {
                        "code": "INVALID_QUANTITY_TOO_HIGH"
                        if int(item["quantity"]) > 0
                        else "INVALID_QUANTITY_NEGATIVE",
                        "field": ["input", "quantities", str(index), "quantity"],
                        "message": "The quantity is out of range.",
                    }
                )
        result: dict[str, Any]
        if errors:
            result = {"inventorySetQuantities": {"inventoryAdjustmentGroup": None, "userErrors": errors}}
        else:
            changes = []
            for item in quantities:
                stock_key = self._key(item["inventoryItemId"], item.get("locationId"))
                before = self.stock_persisted(stock_key) or 0
                self.stock_write(stock_key, int(item["quantity"]))
                changes.append(
                    {
                        "name": "available",
                        "delta": int(item["quantity"]) - before,
                        "quantityAfterChange": int(item["quantity"]),
                        "item": {"id": item["inventoryItemId"]},
                    }
                )
            group = {
                "id": f"gid://shopify/InventoryAdjustmentGroup/{self.new_id()}",
                "reason": data_input.get("reason"),
                "referenceDocumentUri": data_input.get("referenceDocumentUri"),
                "changes": changes,
            }
            result = {"inventorySetQuantities": {"inventoryAdjustmentGroup": group, "userErrors": []}}
        self.idempotency[key] = result
        return result

    def _nodes(self, variables: dict[str, Any]) -> dict[str, Any]:
        location = variables.get("locationId") or self.location_id
        nodes: list[dict[str, Any] | None] = []
        for item_id in variables["ids"]:
            if item_id not in self.items:
                nodes.append(None)
                continue
            quantity = self.stock_visible(self._key(item_id, location)) or 0
            nodes.append(
                {
                    "id": item_id,
                    "sku": self.items[item_id],
                    "inventoryLevel": {"quantities": [{"name": "available", "quantity": quantity}]},
                }
            )
        return {"nodes": nodes}

    # Orders ------------------------------------------------------------------------------

    def create_order(self, lines: list[tuple[str, int]], **extra: Any) -> str:
        """A shopper checks out: a REST-shaped order from Shopify's sample, stock decremented, webhook queued."""
        with self.lock:
            template = load_sample("shopify_rest_order_get_response.json")["order"]
            line_template = template["line_items"][0]
            order = copy.deepcopy(template)
            number = self.new_id()
            order_id = ORDER_ID_BASE + number
            order.update(
                id=order_id,
                admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
                name=f"#{number}",
                order_number=number,
                created_at=_now(),
                updated_at=_now(),
                processed_at=_now(),
                cancelled_at=None,
                cancel_reason=None,
                fulfillments=[],
                refunds=[],
                email=extra.get("email", template["email"]),
                contact_email=extra.get("email", template["contact_email"]),
            )
            if "zip" in extra:
                order["shipping_address"]["zip"] = extra["zip"]
            items = []
            for index, (sku, quantity) in enumerate(lines):
                product = self.catalog.get(sku) or shopify_ids(sku) | {"price": "10.00", "title": sku}
                item = copy.deepcopy(line_template)
                line_id = order_id * 10 + index
                item.update(
                    id=line_id,
                    admin_graphql_api_id=f"gid://shopify/LineItem/{line_id}",
                    quantity=quantity,
                    current_quantity=quantity,
                    fulfillable_quantity=quantity,
                    price=product["price"],
                    # Shopify leaves `sku` null when the variant has none: the variant id identifies it.
                    sku=None if extra.get("null_skus") else sku,
                    variant_id=int(product["variant_id"]),
                    product_id=int(product["product_id"]),
                    title=product.get("title", sku),
                    name=product.get("title", sku),
                    properties=[],
                    discount_allocations=[],
                    tax_lines=[],
                )
                item["price_set"] = {
                    "shop_money": {"amount": product["price"], "currency_code": "USD"},
                    "presentment_money": {"amount": product["price"], "currency_code": "USD"},
                }
                items.append(item)
                if sku in self.catalog:
                    stock_key = self._key(self.catalog[sku]["inventory_item_id"])
                    self.stock_write(stock_key, max(0, (self.stock_persisted(stock_key) or 0) - quantity))
            order["line_items"] = items
            self.state.orders[str(order_id)] = order
            self._webhook("orders/create", order)
            return str(order_id)

    def update_order(self, order_id: str, **changes: Any) -> None:
        with self.lock:
            order = self.state.orders[order_id]
            order.update(changes)
            order["updated_at"] = (datetime.fromisoformat(order["updated_at"]) + timedelta(seconds=1)).isoformat()
            self._webhook("orders/updated", order)

    def cancel_order_by_customer(self, order_id: str) -> None:
        with self.lock:
            order = self.state.orders[order_id]
            order["cancelled_at"] = order["updated_at"] = (
                datetime.fromisoformat(order["updated_at"]) + timedelta(seconds=1)
            ).isoformat()
            order["cancel_reason"] = "customer"
            self._webhook("orders/cancelled", order)

    def _webhook(self, topic: str, order: dict[str, Any]) -> None:
        body = json.dumps(order).encode()
        self.enqueue_webhook(
            {
                "Content-Type": "application/json",
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-Sha256": self.sign(body),
                "X-Shopify-Shop-Domain": f"{self.name}.myshopify.com",
                "X-Shopify-API-Version": API_VERSION,
                "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                "X-Shopify-Event-Id": str(uuid.uuid4()),
                "X-Shopify-Triggered-At": _now(),
            },
            body,
        )

    def _order_node(self, order: dict[str, Any] | None) -> dict[str, Any] | None:
        if order is None:
            return None
        currency = order.get("currency", "USD")
        address = order.get("shipping_address")
        shipping = (order.get("total_shipping_price_set") or {}).get("shop_money", {}).get("amount", "0.00")
        lines = [
            {
                "id": item["admin_graphql_api_id"],
                "sku": item.get("sku"),
                "title": item.get("title"),
                "quantity": item["quantity"],
                "currentQuantity": item.get("current_quantity", item["quantity"]),
                "variant": None
                if item.get("variant_id") is None
                else {
                    "id": f"gid://shopify/ProductVariant/{item['variant_id']}",
                    "legacyResourceId": str(item["variant_id"]),
                },
                "originalUnitPriceSet": _money(str(item["price"]), currency),
            }
            for item in order["line_items"]
        ]
        fulfilled = {f["line_item_id"]: f["quantity"] for f in self.fulfillments if f["order_id"] == str(order["id"])}
        return {
            "id": f"gid://shopify/Order/{order['id']}",
            "legacyResourceId": str(order["id"]),
            "name": order["name"],
            "email": order.get("email") or order.get("contact_email"),
            "createdAt": order["created_at"],
            "updatedAt": order["updated_at"],
            "cancelledAt": order.get("cancelled_at"),
            "currencyCode": currency,
            "totalShippingPriceSet": _money(shipping, currency),
            "totalTaxSet": _money(str(order.get("total_tax", "0.00")), currency),
            "shippingAddress": None
            if not address
            else {
                "name": address.get("name"),
                "address1": address.get("address1"),
                "address2": address.get("address2"),
                "city": address.get("city"),
                "provinceCode": address.get("province_code"),
                "zip": address.get("zip"),
                "countryCodeV2": address.get("country_code"),
                "phone": address.get("phone"),
            },
            "lineItems": {"nodes": lines},
            "fulfillmentOrders": {
                "nodes": [
                    {
                        "id": f"gid://shopify/FulfillmentOrder/{order['id']}",
                        "status": "OPEN",
                        "lineItems": {
                            "nodes": [
                                {
                                    "id": f"gid://shopify/FulfillmentOrderLineItem/{item['id']}",
                                    "remainingQuantity": item.get("current_quantity", item["quantity"])
                                    - fulfilled.get(str(item["id"]), 0),
                                    "lineItem": {"id": item["admin_graphql_api_id"]},
                                }
                                for item in order["line_items"]
                            ]
                        },
                    }
                ]
            },
        }

    def _orders(self, variables: dict[str, Any]) -> dict[str, Any]:
        first = min(int(variables.get("first", 50)), 250)
        match = re.search(r"updated_at:>=?'?([0-9T:+\-.Z]+)'?", variables.get("query") or "")
        since = datetime.fromisoformat(match.group(1).replace("Z", "+00:00")) if match else None
        ordered = sorted(self.state.orders.values(), key=lambda o: (datetime.fromisoformat(o["updated_at"]), o["id"]))
        if since is not None:
            ordered = [o for o in ordered if datetime.fromisoformat(o["updated_at"]) >= since]
        start = int(base64.b64decode(variables["after"]).decode()) if variables.get("after") else 0
        page = ordered[start : start + first]
        end = start + len(page)
        return {
            "orders": {
                "pageInfo": {
                    "hasNextPage": end < len(ordered),
                    "endCursor": base64.b64encode(str(end).encode()).decode() if page else None,
                },
                "nodes": [self._order_node(o) for o in page],
            }
        }

    def _fulfillment_create(self, variables: dict[str, Any]) -> dict[str, Any]:
        fulfillment = variables["fulfillment"]
        records = []
        for group in fulfillment["lineItemsByFulfillmentOrder"]:
            order_id = self._legacy(group["fulfillmentOrderId"])
            if order_id not in self.state.orders:
                return {
                    "fulfillmentCreate": {
                        "fulfillment": None,
                        "userErrors": [{"field": ["fulfillment"], "message": "Fulfillment order does not exist."}],
                    }
                }
            for item in group["fulfillmentOrderLineItems"]:
                records.append(
                    {"order_id": order_id, "line_item_id": self._legacy(item["id"]), "quantity": int(item["quantity"])}
                )
        self.fulfillments.extend(records)
        fulfillment_id = f"gid://shopify/Fulfillment/{self.new_id()}"
        tracking = fulfillment.get("trackingInfo") or {}
        return {
            "fulfillmentCreate": {
                "fulfillment": {
                    "id": fulfillment_id,
                    "status": "SUCCESS",
                    "trackingInfo": [{"company": tracking.get("company"), "number": tracking.get("number")}],
                },
                "userErrors": [],
            }
        }

    def _order_cancel(self, variables: dict[str, Any]) -> dict[str, Any]:
        order_id = self._legacy(variables["orderId"])
        order = self.state.orders.get(order_id)
        if order is None:
            return {
                "orderCancel": {
                    "job": None,
                    "orderCancelUserErrors": [
                        {"code": "NOT_FOUND", "field": ["orderId"], "message": "Order not found."}
                    ],
                }
            }
        order["cancelled_at"] = order["updated_at"] = _now()
        order["cancel_reason"] = str(variables.get("reason", "OTHER")).lower()
        return {
            "orderCancel": {
                "job": {"id": f"gid://shopify/Job/{uuid.uuid4()}", "done": False},
                "orderCancelUserErrors": [],
            }
        }

    def _refund_create(self, variables: dict[str, Any]) -> dict[str, Any]:
        data = variables["input"]
        order_id = self._legacy(data["orderId"])
        if order_id not in self.state.orders:
            return {
                "refundCreate": {
                    "refund": None,
                    "userErrors": [{"field": ["orderId"], "message": "Order does not exist"}],
                }
            }
        amount = sum(float(t["amount"]) for t in data.get("transactions", []))
        refund = {
            "id": f"gid://shopify/Refund/{self.new_id()}",
            "orderId": order_id,
            "amount": f"{amount:.2f}",
            "note": data.get("note"),
        }
        self.refunds.append(refund)
        return {
            "refundCreate": {
                "refund": {"id": refund["id"], "totalRefundedSet": _money(refund["amount"], "USD")},
                "userErrors": [],
            }
        }
