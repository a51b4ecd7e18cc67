"""The Shopify sandbox as the transport sees it: the GraphQL endpoint, its access token, and which
root field goes where."""

from __future__ import annotations

import json
import re

import httpx

from marketplaces.sandbox.base import json_response
from marketplaces.sandbox.shopify.core import API_VERSION
from marketplaces.sandbox.shopify.inventory import ShopifyInventory
from marketplaces.sandbox.shopify.orders import ShopifyOrders
from marketplaces.sandbox.shopify.throttling import ShopifyThrottling


class ShopifySandbox(ShopifyInventory, ShopifyOrders, ShopifyThrottling):
    def setup(self) -> None:
        super().setup()
        self.access_token = "shpat_sandbox_0123456789abcdef"  # noqa: S105 (the sandbox's own, public)
        self.route("POST", rf"/admin/api/{API_VERSION}/graphql\.json", "graphql", self._graphql)

    # HTTP --------------------------------------------------------------------------------

    def authenticate(self, request: httpx.Request, op: str) -> httpx.Response | None:
        if self.revoked or request.headers.get("X-Shopify-Access-Token") != self.access_token:
            return json_response(
                401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
            )
        return None

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
