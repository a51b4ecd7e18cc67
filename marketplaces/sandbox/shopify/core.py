"""What every part of the Shopify sandbox reads: ids, the catalogue, stock keys, error bodies."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

import httpx

from marketplaces.sandbox.base import SandboxApp, json_response

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


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def money_set(amount: str, currency: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


class ShopifyCore(SandboxApp):
    """The state the inventory and orders parts share; each part adds its own in `setup`."""

    kind = "shopify"
    location_id = "gid://shopify/Location/24826418"

    def setup(self) -> None:
        super().setup()
        self.catalog: dict[str, dict[str, str]] = {}
        self.items: dict[str, str] = {}  # inventory item gid -> sku

    def _key(self, item_id: str, location_id: str | None = None) -> str:
        return f"{item_id}@{location_id or self.location_id}"

    def error(self, status: int, message: str, op: str) -> httpx.Response:
        return json_response(status, {"errors": message})

    @staticmethod
    def _legacy(gid: str) -> str:
        return str(gid).rsplit("/", 1)[-1]
