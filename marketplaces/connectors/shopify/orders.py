"""Shopify orders as `RemoteOrder`s: the REST/webhook shape and the Admin GraphQL shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marketplaces.connectors.base import RemoteLine, RemoteOrder, money, parse_time


def _gid_tail(gid: Any) -> str:
    return str(gid or "").rsplit("/", 1)[-1]


def parse_rest_order(payload: Mapping[str, Any]) -> RemoteOrder:
    """A Shopify order in the REST/webhook shape (bare object, or {"order": {...}})."""
    order = payload.get("order", payload) if isinstance(payload.get("order"), dict) else payload
    if "id" not in order or "line_items" not in order:
        raise ValueError("not a Shopify order: no id or line_items")
    address = order.get("shipping_address") or {}
    customer = order.get("customer") or {}
    name = address.get("name") or " ".join(filter(None, [customer.get("first_name"), customer.get("last_name")]))
    shipping = ((order.get("total_shipping_price_set") or {}).get("shop_money") or {}).get("amount")
    lines = []
    for item in order["line_items"]:
        quantity = int(item.get("current_quantity", item.get("quantity", 0)) or 0)
        if quantity <= 0:  # refunded or removed line
            continue
        lines.append(
            RemoteLine(
                external_line_id=str(item["id"]),
                sku=str(item.get("sku") or ""),
                product_id=str(item.get("variant_id") or ""),
                quantity=quantity,
                unit_price=money(
                    ((item.get("price_set") or {}).get("shop_money") or {}).get("amount", item.get("price"))
                ),
                title=str(item.get("title") or item.get("name") or ""),
            )
        )
    return RemoteOrder(
        external_id=str(order["id"]),
        name=str(order.get("name") or order["id"]),
        updated_at=parse_time(order.get("updated_at")),
        placed_at=parse_time(order.get("created_at")),
        cancelled=bool(order.get("cancelled_at")),
        customer_name=(name or order.get("email") or "Shopify customer").strip(),
        customer_email=str(order.get("email") or order.get("contact_email") or ""),
        customer_phone=str(address.get("phone") or order.get("phone") or ""),
        line1=str(address.get("address1") or ""),
        line2=str(address.get("address2") or ""),
        city=str(address.get("city") or ""),
        region=str(address.get("province_code") or ""),
        postal_code=str(address.get("zip") or ""),
        country=str(address.get("country_code") or "US"),
        currency=str(order.get("currency") or "USD"),
        shipping_total=money(shipping),
        tax_total=money(order.get("total_tax")),
        lines=lines,
    )


def parse_graphql_order(node: Mapping[str, Any]) -> RemoteOrder:
    """A Shopify order node from the Admin GraphQL API (ids are gids; 64-bit ids stay strings)."""
    address = node.get("shippingAddress") or {}
    lines = []
    for item in (node.get("lineItems") or {}).get("nodes", []):
        quantity = int(item.get("currentQuantity", item.get("quantity", 0)) or 0)
        if quantity <= 0:
            continue
        variant = item.get("variant") or {}
        lines.append(
            RemoteLine(
                external_line_id=_gid_tail(item["id"]),
                sku=str(item.get("sku") or ""),
                product_id=str(variant.get("legacyResourceId") or _gid_tail(variant.get("id"))),
                quantity=quantity,
                unit_price=money(((item.get("originalUnitPriceSet") or {}).get("shopMoney") or {}).get("amount")),
                title=str(item.get("title") or ""),
            )
        )
    return RemoteOrder(
        external_id=str(node.get("legacyResourceId") or _gid_tail(node["id"])),
        name=str(node.get("name") or ""),
        updated_at=parse_time(node.get("updatedAt")),
        placed_at=parse_time(node.get("createdAt")),
        cancelled=bool(node.get("cancelledAt")),
        customer_name=str(address.get("name") or node.get("email") or "Shopify customer"),
        customer_email=str(node.get("email") or ""),
        customer_phone=str(address.get("phone") or ""),
        line1=str(address.get("address1") or ""),
        line2=str(address.get("address2") or ""),
        city=str(address.get("city") or ""),
        region=str(address.get("provinceCode") or ""),
        postal_code=str(address.get("zip") or ""),
        country=str(address.get("countryCodeV2") or "US"),
        currency=str(node.get("currencyCode") or "USD"),
        shipping_total=money(((node.get("totalShippingPriceSet") or {}).get("shopMoney") or {}).get("amount")),
        tax_total=money(((node.get("totalTaxSet") or {}).get("shopMoney") or {}).get("amount")),
        lines=lines,
    )
