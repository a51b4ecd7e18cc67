"""The plain data connectors take and return: no Django, no HTTP, so the sync engine decides what to store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class StockItem:
    """One SKU's absolute quantity for the channel (`ref` is where the channel keeps its stock)."""

    sku_id: int
    external_sku: str
    external_id: str
    ref: str
    quantity: int
    previous: int | None = None  # what we believe the channel shows (Shopify's changeFromQuantity)


@dataclass(frozen=True)
class PushResult:
    sku_id: int
    ok: bool
    retryable: bool = False
    error: str = ""
    retry_after: float | None = None


@dataclass(frozen=True)
class RemoteLine:
    external_line_id: str
    sku: str  # the seller SKU as the channel sent it ("" or None on some channels)
    product_id: str  # the channel's product/variant id, to find the listing when the SKU is empty
    quantity: int
    unit_price: Decimal
    title: str = ""


@dataclass
class RemoteOrder:
    """An order as a channel describes it, normalised."""

    external_id: str
    name: str
    updated_at: datetime
    placed_at: datetime
    cancelled: bool
    customer_name: str
    customer_email: str
    customer_phone: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    currency: str
    shipping_total: Decimal
    tax_total: Decimal
    lines: list[RemoteLine] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """For storing in `ChannelOrder.data` (JSON: ids as strings, money as strings)."""
        return {
            "external_id": self.external_id,
            "name": self.name,
            "updated_at": self.updated_at.isoformat(),
            "placed_at": self.placed_at.isoformat(),
            "cancelled": self.cancelled,
            "customer_name": self.customer_name,
            "customer_email": self.customer_email,
            "postal_code": self.postal_code,
            "country": self.country,
            "currency": self.currency,
            "lines": [
                {
                    "external_line_id": line.external_line_id,
                    "sku": line.sku,
                    "product_id": line.product_id,
                    "quantity": line.quantity,
                    "unit_price": str(line.unit_price),
                    "title": line.title,
                }
                for line in self.lines
            ],
        }


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    topic: str
    resource_id: str  # the order id to re-fetch
    payload: dict[str, Any]


@dataclass(frozen=True)
class ShipmentLine:
    external_line_id: str
    quantity: int
