"""Orders v0: orders built from Amazon's sandbox examples, pages of them, and shipment confirmations
(one package per confirmShipment call, several packages per order)."""

from __future__ import annotations

import copy
import json
import secrets
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from marketplaces.sandbox.amazon.core import AmazonCore, iso_utc
from marketplaces.sandbox.base import json_response, load_sample


class AmazonOrders(AmazonCore):
    def setup(self) -> None:
        super().setup()
        self.items: dict[str, list[dict[str, Any]]] = {}
        self.confirmations: list[dict[str, Any]] = []
        self.packages: dict[str, dict[str, dict[str, Any]]] = {}  # order id -> packageReferenceId -> package
        self.page_size = 100
        self.next_tokens: dict[str, list[str]] = {}

    def create_order(self, lines: list[tuple[str, int]], **extra: Any) -> str:
        with self.lock:
            template = load_sample("amazon_sp_getOrders_response_sandbox.json")["payload"]["Orders"][0]
            item_template = load_sample("amazon_sp_getOrderItems_response_sandbox.json")["payload"]["OrderItems"][0]
            number = self.new_id()
            order_id = f"902-{number:07d}-{(number * 7919) % 10_000_000:07d}"
            now = iso_utc(datetime.now(UTC))
            order = copy.deepcopy(template)
            order.update(
                AmazonOrderId=order_id,
                PurchaseDate=now,
                LastUpdateDate=now,
                OrderStatus="Unshipped",
                NumberOfItemsUnshipped=sum(q for _, q in lines),
            )
            order.pop("DefaultShipFromLocationAddress", None)
            items = []
            for index, (sku, quantity) in enumerate(lines):
                item = copy.deepcopy(item_template)
                item.update(
                    OrderItemId=f"{number:08d}{index:06d}",
                    SellerSKU=sku,
                    QuantityOrdered=quantity,
                    QuantityShipped=0,
                    Title=f"Sandbox {sku}",
                    ItemPrice={"CurrencyCode": "USD", "Amount": f"{_price(extra, sku, '10') * quantity:.2f}"},
                )
                item.pop("BuyerRequestedCancel", None)
                items.append(item)
                if sku in self.listings:
                    self.stock_write(sku, max(0, (self.stock_persisted(sku) or 0) - quantity))
            self.state.orders[order_id] = order
            self.items[order_id] = items
            address = load_sample("amazon_sp_getOrderAddress_response_sandbox.json")["payload"]["ShippingAddress"]
            order["_address"] = dict(address, PostalCode=extra.get("zip", address["PostalCode"]))
            order["_buyer"] = load_sample("amazon_sp_getOrderBuyerInfo_response_sandbox.json")["payload"]
            if "shopper" in extra:  # the demo's shoppers: a name and an address whose city is the ZIP's own
                shopper = extra["shopper"]
                name = f"{shopper['first_name']} {shopper['last_name']}"
                order["_address"].update(
                    Name=name, AddressLine1=shopper["line1"], City=shopper["city"],
                    StateOrRegion=shopper["state"], PostalCode=shopper["zip"],
                )  # fmt: skip
                order["_buyer"] = dict(order["_buyer"], BuyerName=name)
            return order_id

    def cancel_order_by_customer(self, order_id: str) -> None:
        with self.lock:
            order = self.state.orders[order_id]
            order["OrderStatus"] = "Canceled"
            order["LastUpdateDate"] = iso_utc(datetime.now(UTC))

    @staticmethod
    def _public(order: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in order.items() if not k.startswith("_")}

    def _get_orders(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if not params.get("MarketplaceIds"):
            return self.error(400, "Missing required 'MarketplaceIds'.", "getOrders")
        token = params.get("NextToken")
        if token:
            remaining = self.next_tokens.pop(token, None)
            if remaining is None:
                return self.error(400, "Invalid NextToken.", "getOrders")
        else:
            after = params.get("LastUpdatedAfter") or params.get("CreatedAfter")
            if not after:
                return self.error(400, "Either CreatedAfter or LastUpdatedAfter must be given.", "getOrders")
            since = datetime.fromisoformat(after.replace("Z", "+00:00"))
            remaining = [
                oid
                for oid, o in sorted(self.state.orders.items(), key=lambda kv: kv[1]["LastUpdateDate"])
                if datetime.fromisoformat(o["LastUpdateDate"].replace("Z", "+00:00")) >= since
            ]
        page, rest = remaining[: self.page_size], remaining[self.page_size :]
        payload: dict[str, Any] = {
            "Orders": [self._public(self.state.orders[oid]) for oid in page],
            "LastUpdatedBefore": iso_utc(datetime.now(UTC)),
        }
        if rest:
            next_token = secrets.token_urlsafe(16)
            self.next_tokens[next_token] = rest
            payload["NextToken"] = next_token
        return json_response(200, {"payload": payload})

    def _order_or_404(self, order_id: str) -> dict[str, Any] | httpx.Response:
        order = self.state.orders.get(order_id)
        return order if order is not None else self.error(404, f"Order {order_id} not found.", "getOrder")

    def _get_order(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self._order_or_404(order_id)
        return order if isinstance(order, httpx.Response) else json_response(200, {"payload": self._public(order)})

    def _get_items(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self._order_or_404(order_id)
        if isinstance(order, httpx.Response):
            return order
        return json_response(200, {"payload": {"AmazonOrderId": order_id, "OrderItems": self.items[order_id]}})

    def _get_address(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self._order_or_404(order_id)
        if isinstance(order, httpx.Response):
            return order
        return json_response(200, {"payload": {"AmazonOrderId": order_id, "ShippingAddress": order["_address"]}})

    def _get_buyer(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self._order_or_404(order_id)
        if isinstance(order, httpx.Response):
            return order
        return json_response(200, {"payload": dict(order["_buyer"], AmazonOrderId=order_id)})

    def _confirm(self, request: httpx.Request, order_id: str) -> httpx.Response:
        """confirmShipment: one package per call. A new packageReferenceId adds a package (an order
        shipped in several boxes is several calls); the same one again edits that package."""
        order = self._order_or_404(order_id)
        if isinstance(order, httpx.Response):
            return order
        body = json.loads(request.content)
        detail = dict(body["packageDetail"])
        packages = self.packages.setdefault(order_id, {})
        reference = str(detail.get("packageReferenceId") or "").strip()
        if not reference:
            reference = detail["packageReferenceId"] = str(max(map(int, packages), default=0) + 1)
        if not reference.isdigit() or int(reference) <= 0:
            return self.error(
                400,
                f"packageReferenceId {reference!r} is invalid: only positive numeric values are supported.",
                "confirmShipment",
            )
        if not detail.get("trackingNumber"):
            return self.error(400, "trackingNumber is required.", "confirmShipment")
        known = {item["OrderItemId"] for item in self.items[order_id]}
        for item in detail["orderItems"]:
            if item["orderItemId"] not in known:
                return self.error(
                    400, f"Order item {item['orderItemId']} is not part of order {order_id}.", "confirmShipment"
                )
        record = {"order_id": order_id, **detail}
        if reference in packages:
            self.confirmations[self.confirmations.index(packages[reference])] = record
        else:
            self.confirmations.append(record)
        packages[reference] = record
        self._count_shipped(order, order_id)
        return httpx.Response(204)

    def _count_shipped(self, order: dict[str, Any], order_id: str) -> None:
        shipped: Counter[str] = Counter()
        for package in self.packages[order_id].values():
            for item in package["orderItems"]:
                shipped[item["orderItemId"]] += int(item["quantity"])
        for item in self.items[order_id]:
            item["QuantityShipped"] = min(shipped[item["OrderItemId"]], item["QuantityOrdered"])
        done = sum(item["QuantityShipped"] for item in self.items[order_id])
        ordered = sum(item["QuantityOrdered"] for item in self.items[order_id])
        order["NumberOfItemsShipped"] = done
        order["NumberOfItemsUnshipped"] = ordered - done
        order["OrderStatus"] = "Shipped" if done >= ordered else "PartiallyShipped"
        order["LastUpdateDate"] = iso_utc(datetime.now(UTC))


def _price(extra: dict[str, Any], sku: str, default: str) -> Decimal:
    """The unit price the shopper paid: the demo passes the catalog's (`prices`), tests get the default."""
    return Decimal(str((extra.get("prices") or {}).get(sku, default)))
