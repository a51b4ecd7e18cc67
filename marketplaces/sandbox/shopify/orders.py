"""Orders: REST-shaped orders from Shopify's sample, their webhooks, GraphQL order nodes and pages, and
the fulfilment, cancellation and refund mutations."""

from __future__ import annotations

import base64
import copy
import json
import re
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from marketplaces.sandbox.base import load_sample
from marketplaces.sandbox.shopify.core import API_VERSION, ORDER_ID_BASE, ShopifyCore, money_set, now_iso, shopify_ids


class ShopifyOrders(ShopifyCore):
    def setup(self) -> None:
        super().setup()
        self.fulfillments: list[dict[str, Any]] = []
        self.refunds: list[dict[str, Any]] = []

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
                created_at=now_iso(),
                updated_at=now_iso(),
                processed_at=now_iso(),
                cancelled_at=None,
                cancel_reason=None,
                fulfillments=[],
                refunds=[],
                email=extra.get("email", template["email"]),
                contact_email=extra.get("email", template["contact_email"]),
            )
            if "zip" in extra:
                order["shipping_address"]["zip"] = extra["zip"]
            if "shopper" in extra:  # the demo's shoppers: a name and an address whose city is the ZIP's own
                shopper = extra["shopper"]
                order["shipping_address"].update(
                    first_name=shopper["first_name"], last_name=shopper["last_name"],
                    name=f"{shopper['first_name']} {shopper['last_name']}", address1=shopper["line1"],
                    city=shopper["city"], province_code=shopper["state"], province=shopper["state"], zip=shopper["zip"],
                )  # fmt: skip
            prices = extra.get("prices") or {}
            items = []
            for index, (sku, quantity) in enumerate(lines):
                product = self.catalog.get(sku) or shopify_ids(sku) | {"price": "10.00", "title": sku}
                if sku in prices:
                    product = {**product, "price": prices[sku]}
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
                "X-Shopify-Triggered-At": now_iso(),
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
                "originalUnitPriceSet": money_set(str(item["price"]), currency),
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
            "totalShippingPriceSet": money_set(shipping, currency),
            "totalTaxSet": money_set(str(order.get("total_tax", "0.00")), currency),
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
        tracking = fulfillment.get("trackingInfo") or {}
        if tracking.get("number") and tracking.get("numbers"):
            # FulfillmentTrackingInput: "If you provide the number field, you should not provide the numbers field."
            return self._fulfillment_error(["fulfillment", "trackingInfo"], "Provide number or numbers, not both.")
        numbers = [str(n) for n in tracking.get("numbers") or ([tracking["number"]] if tracking.get("number") else [])]
        records: list[dict[str, Any]] = []
        for group in fulfillment["lineItemsByFulfillmentOrder"]:
            order_id = self._legacy(group["fulfillmentOrderId"])
            if order_id not in self.state.orders:
                return self._fulfillment_error(["fulfillment"], "Fulfillment order does not exist.")
            for item in group["fulfillmentOrderLineItems"]:
                records.append(
                    {"order_id": order_id, "line_item_id": self._legacy(item["id"]), "quantity": int(item["quantity"])}
                )
        self.fulfillments.extend(records)
        number = self.new_id()
        for order_id in dict.fromkeys(record["order_id"] for record in records):
            self._record_rest_fulfillment(order_id, number, tracking.get("company"), numbers, records)
        return {
            "fulfillmentCreate": {
                "fulfillment": {
                    "id": f"gid://shopify/Fulfillment/{number}",
                    "status": "SUCCESS",
                    "trackingInfo": [{"company": tracking.get("company"), "number": n, "url": None} for n in numbers],
                },
                "userErrors": [],
            }
        }

    @staticmethod
    def _fulfillment_error(field: list[str], message: str) -> dict[str, Any]:
        return {"fulfillmentCreate": {"fulfillment": None, "userErrors": [{"field": field, "message": message}]}}

    def _record_rest_fulfillment(
        self, order_id: str, number: int, company: str | None, numbers: list[str], records: list[dict[str, Any]]
    ) -> None:
        """What the merchant and the customer see afterwards: the order's `fulfillments[]` (REST shape, from
        Shopify's sample) with every tracking number, and its `fulfillment_status`."""
        order = self.state.orders[order_id]
        template = load_sample("shopify_rest_order_get_response.json")["order"]["fulfillments"][0]
        shipped = {r["line_item_id"]: r["quantity"] for r in records if r["order_id"] == order_id}
        rest = copy.deepcopy(template)
        rest.update(
            id=number,
            admin_graphql_api_id=f"gid://shopify/Fulfillment/{number}",
            created_at=now_iso(),
            updated_at=now_iso(),
            name=f"{order['name']}.{len(order['fulfillments']) + 1}",
            order_id=int(order_id),
            status="success",
            tracking_company=company,
            tracking_number=numbers[0] if numbers else None,
            tracking_numbers=numbers,
            tracking_url=None,
            tracking_urls=[],
            line_items=[
                dict(item, quantity=shipped[str(item["id"])])
                for item in order["line_items"]
                if str(item["id"]) in shipped
            ],
        )
        order["fulfillments"].append(rest)
        done: Counter[str] = Counter()
        for record in self.fulfillments:
            if record["order_id"] == order_id:
                done[record["line_item_id"]] += record["quantity"]
        complete = all(
            done[str(item["id"])] >= item.get("current_quantity", item["quantity"]) for item in order["line_items"]
        )
        order["fulfillment_status"] = "fulfilled" if complete else "partial"
        order["updated_at"] = now_iso()

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
        order["cancelled_at"] = order["updated_at"] = now_iso()
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
                "refund": {"id": refund["id"], "totalRefundedSet": money_set(refund["amount"], "USD")},
                "userErrors": [],
            }
        }
