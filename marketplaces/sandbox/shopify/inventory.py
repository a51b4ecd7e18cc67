"""Inventory: the catalogue of SKUs, `inventorySetQuantities` (compare-and-set, idempotent) and `nodes`."""

from __future__ import annotations

import re
from typing import Any

from marketplaces.sandbox.base import json_response
from marketplaces.sandbox.shopify.core import ShopifyCore, shopify_ids


class ShopifyInventory(ShopifyCore):
    def setup(self) -> None:
        super().setup()
        self.idempotency: dict[str, dict[str, Any]] = {}

    def add_product(self, sku: str, quantity: int = 0, *, price: str = "19.99") -> dict[str, str]:
        with self.lock:
            ids = shopify_ids(sku) | {"sku": sku, "price": price, "title": f"Sandbox {sku}"}
            self.catalog[sku] = ids
            self.items[ids["inventory_item_id"]] = sku
            if self.stock_persisted(self._key(ids["inventory_item_id"])) is None:
                self.state.stock[self._key(ids["inventory_item_id"])] = [(0.0, quantity)]
            return ids

    def quantity_of(self, sku: str, *, visible: bool = True) -> int | None:
        key = self._key(shopify_ids(sku)["inventory_item_id"])
        return self.stock_visible(key) if visible else self.stock_persisted(key)

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
