"""Calculated query cost: a bucket of points restored each second, reported in `extensions.cost`."""

from __future__ import annotations

from typing import Any

from marketplaces.sandbox.base import Bucket
from marketplaces.sandbox.shopify.core import ShopifyCore


class ShopifyThrottling(ShopifyCore):
    def setup(self) -> None:
        super().setup()
        self.maximum_available = 2000.0
        self.restore_rate = 100.0
        self.bucket = Bucket(self.restore_rate, self.maximum_available)

    def set_limits(self, *, maximum_available: float, restore_rate: float) -> None:
        self.maximum_available, self.restore_rate = maximum_available, restore_rate
        self.bucket = Bucket(restore_rate, maximum_available)

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

    @staticmethod
    def _requested_cost(root: str, variables: dict[str, Any]) -> float:
        if root == "orders":
            return 2 + 3 * int(variables.get("first", 50))
        if root == "nodes":
            return 1 + len(variables.get("ids", []))
        if root in ("order",):
            return 5
        return 10  # mutations
