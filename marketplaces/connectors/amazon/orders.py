"""Amazon Orders v0 payloads as `RemoteOrder`s."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marketplaces.connectors.base import RemoteLine, RemoteOrder, money, parse_time


def parse_order(
    order: Mapping[str, Any],
    items: list[Mapping[str, Any]],
    address: Mapping[str, Any] | None = None,
    buyer: Mapping[str, Any] | None = None,
) -> RemoteOrder:
    """An Orders v0 order with its items (getOrderItems) and, when getOrders did not include them,
    its address (getOrderAddress) and buyer (getOrderBuyerInfo)."""
    ship_to = dict(order.get("ShippingAddress") or address or {})
    buyer_info = dict(order.get("BuyerInfo") or buyer or {})
    lines = [
        RemoteLine(
            external_line_id=str(item["OrderItemId"]),
            sku=str(item.get("SellerSKU") or ""),
            product_id=str(item.get("ASIN") or ""),
            quantity=int(item.get("QuantityOrdered") or 0),
            # ItemPrice is the line total (price x quantity) on Amazon.
            unit_price=(
                money((item.get("ItemPrice") or {}).get("Amount")) / max(int(item.get("QuantityOrdered") or 1), 1)
            ).quantize(Decimal("0.01")),
            title=str(item.get("Title") or ""),
        )
        for item in items
        if int(item.get("QuantityOrdered") or 0) > 0
    ]
    tax = sum((money((item.get("ItemTax") or {}).get("Amount")) for item in items), Decimal("0.00"))
    shipping = sum((money((item.get("ShippingPrice") or {}).get("Amount")) for item in items), Decimal("0.00"))
    postal = str(ship_to.get("PostalCode") or "")
    return RemoteOrder(
        external_id=str(order["AmazonOrderId"]),
        name=str(order["AmazonOrderId"]),
        updated_at=parse_time(order.get("LastUpdateDate")),
        placed_at=parse_time(order.get("PurchaseDate")),
        cancelled=order.get("OrderStatus") == "Canceled",
        customer_name=str(ship_to.get("Name") or buyer_info.get("BuyerName") or "Amazon customer"),
        customer_email=str(buyer_info.get("BuyerEmail") or ""),
        customer_phone=str(ship_to.get("Phone") or ""),
        line1=str(ship_to.get("AddressLine1") or ""),
        line2=str(ship_to.get("AddressLine2") or ""),
        city=str(ship_to.get("City") or ""),
        region=str(ship_to.get("StateOrRegion") or ""),
        postal_code=postal.split("-")[0] if (ship_to.get("CountryCode") or "US") == "US" else postal,  # ZIP+4 -> ZIP
        country=str(ship_to.get("CountryCode") or "US"),
        currency=str((order.get("OrderTotal") or {}).get("CurrencyCode") or "USD"),
        shipping_total=shipping,
        tax_total=tax,
        lines=lines,
    )
