"""`ShopifyConnector`: inventory, orders and confirmations through the Admin GraphQL API,
webhooks checked against their HMAC signature."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.safe_json import PayloadError, loads
from marketplaces.connectors.base import (
    Connector,
    PushResult,
    RemoteOrder,
    RequestRejected,
    ShipmentLine,
    StockItem,
    Throttled,
    WebhookEvent,
    WebhookRejected,
    signature_matches,
)
from marketplaces.connectors.shopify.orders import _gid_tail, parse_graphql_order, parse_rest_order
from marketplaces.connectors.shopify.queries import (
    API_VERSION,
    FULFILLMENT_CREATE,
    FULFILLMENT_ORDERS,
    ORDER,
    ORDER_CANCEL,
    ORDERS,
    READ_LEVELS,
    REFUND_CREATE,
    SET_QUANTITIES,
)


def _tracking_info(carrier: str, tracking_number: str, tracking_numbers: Sequence[str]) -> dict[str, Any]:
    numbers = list(dict.fromkeys(number for number in tracking_numbers if number))
    if len(numbers) > 1:
        return {"company": carrier, "numbers": numbers}
    return {"company": carrier, "number": numbers[0] if numbers else tracking_number}


class ShopifyConnector(Connector):
    kind = "shopify"
    batch_size = 250
    limits = {"graphql": (100.0, 2000.0)}  # points per second, bucket size (learned from responses)

    def auth_headers(self) -> dict[str, str]:
        return {"X-Shopify-Access-Token": self.credentials.get("access_token", "")}

    @property
    def location_id(self) -> str:
        return self.credentials.get("location_id") or "gid://shopify/Location/24826418"

    def _graphql(self, query: str, variables: dict[str, Any], *, cost: float = 10.0) -> dict[str, Any]:
        response = self._request(
            "POST",
            f"/admin/api/{API_VERSION}/graphql.json",
            op="graphql",
            cost=cost,
            json={"query": query, "variables": variables},
        )
        body = response.json()
        throttle = ((body.get("extensions") or {}).get("cost") or {}).get("throttleStatus") or {}
        errors = body.get("errors") or []
        if errors:
            codes = {(e.get("extensions") or {}).get("code") for e in errors if isinstance(e, dict)}
            if "THROTTLED" in codes:
                requested = float(((body.get("extensions") or {}).get("cost") or {}).get("requestedQueryCost") or cost)
                available = float(throttle.get("currentlyAvailable") or 0.0)
                wait = max(0.5, (requested - available) / float(throttle.get("restoreRate") or 50.0))
                self._block("graphql", wait)
                raise Throttled(
                    f"Shopify throttled the query (cost {requested:g}, {available:g} available).", retry_after=wait
                )
            raise RequestRejected(
                f"Shopify refused the query: {errors[0].get('message') if isinstance(errors[0], dict) else errors}"
            )
        if throttle:
            self.learned_limits["graphql"] = (
                float(throttle.get("restoreRate") or 100.0),
                float(throttle.get("maximumAvailable") or 2000.0),
            )
        return body.get("data") or {}

    # Stock -------------------------------------------------------------------------------

    def push_stock(self, items: list[StockItem]) -> list[PushResult]:
        pending = list(items)
        results: dict[int, PushResult] = {}
        previous = {item.sku_id: item.previous for item in items}
        # One logical push = one idempotency key: the same quantities sent again later (5, 4, 5, 4)
        # are a new attempt and must be applied, not answered from Shopify's idempotency cache.
        attempt = secrets.token_hex(8)
        for _attempt in range(3):
            if not pending:
                break
            quantities = [
                {
                    "inventoryItemId": item.ref,
                    "locationId": self.location_id,
                    "quantity": item.quantity,
                    "changeFromQuantity": previous[item.sku_id],
                }
                for item in pending
            ]
            key = hashlib.sha256(
                f"{self.base_url}|{self.location_id}|{attempt}|{json.dumps(quantities, sort_keys=True)}".encode()
            ).hexdigest()[:32]
            data = self._graphql(
                SET_QUANTITIES,
                {
                    "key": key,
                    "input": {
                        "name": "available",
                        "reason": "correction",
                        "referenceDocumentUri": f"fulfil://stock-sync/{key}",
                        "quantities": quantities,
                    },
                },
            )
            errors = (data.get("inventorySetQuantities") or {}).get("userErrors") or []
            if not errors:
                results.update({item.sku_id: PushResult(item.sku_id, ok=True) for item in pending})
                break
            stale, invalid = [], {}
            for error in errors:
                field = error.get("field") or []
                index = int(field[2]) if len(field) > 2 and str(field[2]).isdigit() else None
                if index is None or index >= len(pending):
                    raise RequestRejected(f"Shopify refused the stock update: {error.get('message')}")
                if error.get("code") == "CHANGE_FROM_QUANTITY_STALE":
                    stale.append(pending[index])
                else:
                    invalid[pending[index].sku_id] = f"{error.get('code')}: {error.get('message')}"
            for sku_id, message in invalid.items():
                results[sku_id] = PushResult(sku_id, ok=False, retryable=False, error=f"Shopify: {message}")
            pending = [item for item in pending if item.sku_id not in invalid]
            if stale:
                # Shopify sold or someone edited the count since our last push: compare with what it has now.
                fresh = self.read_stock(stale, visible_only=False)
                for item in stale:
                    previous[item.sku_id] = fresh.get(item.sku_id)
        for item in pending:
            results.setdefault(
                item.sku_id,
                PushResult(item.sku_id, ok=False, retryable=True, error="Shopify kept refusing the compare quantity."),
            )
        return [results[item.sku_id] for item in items]

    def read_stock(self, items: list[StockItem], *, visible_only: bool = True) -> dict[int, int]:
        found: dict[int, int] = {}
        for start in range(0, len(items), 100):
            chunk = items[start : start + 100]
            data = self._graphql(
                READ_LEVELS, {"ids": [item.ref for item in chunk], "locationId": self.location_id}, cost=1 + len(chunk)
            )
            for item, node in zip(chunk, data.get("nodes") or [], strict=False):
                if not node:
                    continue
                for quantity in (node.get("inventoryLevel") or {}).get("quantities") or []:
                    if quantity.get("name") == "available":
                        found[item.sku_id] = int(quantity["quantity"])
        return found

    # Orders ------------------------------------------------------------------------------

    def list_orders(self, since: datetime) -> Iterator[RemoteOrder]:
        after = None
        while True:
            variables = {"first": 50, "after": after, "query": f"updated_at:>='{since.isoformat()}'"}
            data = self._graphql(ORDERS, variables, cost=152)
            connection = data.get("orders") or {}
            for node in connection.get("nodes") or []:
                yield parse_graphql_order(node)
            page = connection.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                return
            after = page.get("endCursor")

    def get_order(self, external_id: str) -> RemoteOrder:
        data = self._graphql(ORDER, {"id": f"gid://shopify/Order/{external_id}"}, cost=5)
        if not data.get("order"):
            raise RequestRejected(f"Shopify has no order {external_id}.", status=404)
        return parse_graphql_order(data["order"])

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        secret = self.credentials.get("webhook_secret", "")
        if not signature_matches(secret, body, headers.get("X-Shopify-Hmac-Sha256")):
            raise WebhookRejected("The X-Shopify-Hmac-Sha256 signature does not match the body.", status=401)
        topic = headers.get("X-Shopify-Topic", "")
        event_id = headers.get("X-Shopify-Event-Id") or headers.get("X-Shopify-Webhook-Id") or ""
        try:
            payload = loads(body)  # bounded nesting; strings are made storable when it is stored
            if not isinstance(payload, dict):
                raise PayloadError("expected a JSON object.", field="body")
            order = parse_rest_order(payload) if topic.startswith("orders/") else None
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError) as exc:
            raise WebhookRejected(f"Malformed {topic or 'webhook'} body: {exc}", status=400) from exc
        if not event_id:
            raise WebhookRejected("No X-Shopify-Event-Id or X-Shopify-Webhook-Id header.", status=400)
        return WebhookEvent(
            event_id=event_id, topic=topic, resource_id=order.external_id if order else "", payload=payload
        )

    # Confirmations -----------------------------------------------------------------------

    def confirm_shipment(
        self,
        external_id: str,
        lines: list[ShipmentLine],
        *,
        carrier: str,
        tracking_number: str,
        tracking_numbers: Sequence[str] = (),
        shipped_at: datetime,
        parcel_lines: Sequence[Sequence[ShipmentLine]] = (),
    ) -> str:
        """One fulfillment for the lines, carrying every box's tracking number.

        FulfillmentTrackingInput takes `number` or `numbers`, not both, and one `company` for all
        of them: a shipment in several boxes sends `numbers`, so the customer's shipping email and
        the order page list every box; one box keeps sending `number`. Box contents are not sent:
        a Shopify fulfillment has no per-number items.
        """
        data = self._graphql(FULFILLMENT_ORDERS, {"id": f"gid://shopify/Order/{external_id}"}, cost=5)
        wanted = {line.external_line_id: line.quantity for line in lines}
        groups = []
        for fulfillment_order in ((data.get("order") or {}).get("fulfillmentOrders") or {}).get("nodes") or []:
            items = []
            for node in (fulfillment_order.get("lineItems") or {}).get("nodes") or []:
                line_id = _gid_tail((node.get("lineItem") or {}).get("id"))
                quantity = min(wanted.get(line_id, 0), int(node.get("remainingQuantity") or 0))
                if quantity > 0:
                    items.append({"id": node["id"], "quantity": quantity})
                    wanted[line_id] -= quantity
            if items:
                groups.append({"fulfillmentOrderId": fulfillment_order["id"], "fulfillmentOrderLineItems": items})
        if not groups:
            raise RequestRejected(f"Shopify order {external_id} has nothing left to fulfil for these lines.")
        result = self._graphql(
            FULFILLMENT_CREATE,
            {
                "fulfillment": {
                    "lineItemsByFulfillmentOrder": groups,
                    "notifyCustomer": True,
                    "trackingInfo": _tracking_info(carrier, tracking_number, tracking_numbers),
                }
            },
        )["fulfillmentCreate"]
        if result.get("userErrors"):
            raise RequestRejected(f"Shopify refused the fulfillment: {result['userErrors'][0].get('message')}")
        return _gid_tail(result["fulfillment"]["id"])

    def cancel_order(self, external_id: str, *, reason: str) -> str:
        result = self._graphql(ORDER_CANCEL, {"orderId": f"gid://shopify/Order/{external_id}", "reason": "INVENTORY"})[
            "orderCancel"
        ]
        if result.get("orderCancelUserErrors"):
            raise RequestRejected(
                f"Shopify refused the cancellation: {result['orderCancelUserErrors'][0].get('message')}"
            )
        return _gid_tail((result.get("job") or {}).get("id"))

    def refund_create(
        self, external_id: str, *, amount: Decimal, currency: str, reason: str, lines: list[ShipmentLine]
    ) -> str:
        order_gid = f"gid://shopify/Order/{external_id}"
        result = self._graphql(
            REFUND_CREATE,
            {
                "input": {
                    "orderId": order_gid,
                    "note": reason[:255],
                    "notify": True,
                    "refundLineItems": [
                        {"lineItemId": f"gid://shopify/LineItem/{line.external_line_id}", "quantity": line.quantity}
                        for line in lines
                    ],
                    "transactions": [
                        {"orderId": order_gid, "gateway": "manual", "kind": "REFUND", "amount": str(amount)}
                    ],
                }
            },
        )["refundCreate"]
        if result.get("userErrors"):
            raise RequestRejected(f"Shopify refused the refund: {result['userErrors'][0].get('message')}")
        return _gid_tail(result["refund"]["id"])
