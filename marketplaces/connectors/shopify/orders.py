"""Shopify orders as `RemoteOrder`s: the REST/webhook shape and the Admin GraphQL shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.safe_json import as_identifier, as_int, as_object, as_objects, as_text
from marketplaces.connectors.base import RemoteLine, RemoteOrder, money, parse_time


def _gid_tail(gid: Any) -> str:
    return str(gid or "").rsplit("/", 1)[-1]


def parse_rest_order(payload: Mapping[str, Any]) -> RemoteOrder:
    """A Shopify order in the REST/webhook shape (bare object, or {"order": {...}}).

    A value of a shape Shopify does not send is a `PayloadError` (a ValueError) naming the
    field, such as `line_items[0]` or `shipping_address`, so a webhook answers 400 with it.
    """
    payload = as_object(payload, "body", optional=False)
    order = payload["order"] if isinstance(payload.get("order"), Mapping) else payload
    if "id" not in order or "line_items" not in order:
        raise ValueError("not a Shopify order: no id or line_items")
    order_id = as_identifier(order["id"], "id")
    address = as_object(order.get("shipping_address"), "shipping_address")
    customer = as_object(order.get("customer"), "customer")
    name = as_text(address.get("name"), "shipping_address.name") or " ".join(
        filter(
            None,
            [
                as_text(customer.get("first_name"), "customer.first_name"),
                as_text(customer.get("last_name"), "customer.last_name"),
            ],
        )
    )
    shipping_set = as_object(order.get("total_shipping_price_set"), "total_shipping_price_set")
    shipping = as_object(shipping_set.get("shop_money"), "total_shipping_price_set.shop_money").get("amount")
    lines = []
    for index, item in enumerate(as_objects(order["line_items"], "line_items")):
        field = f"line_items[{index}]"
        if "current_quantity" in item:
            quantity = as_int(item["current_quantity"], f"{field}.current_quantity")
        else:
            quantity = as_int(item.get("quantity"), f"{field}.quantity")
        if quantity <= 0:  # refunded or removed line
            continue
        price_set = as_object(item.get("price_set"), f"{field}.price_set")
        shop_money = as_object(price_set.get("shop_money"), f"{field}.price_set.shop_money")
        if "amount" in shop_money:
            unit_price = money(shop_money["amount"], f"{field}.price_set.shop_money.amount")
        else:
            unit_price = money(item.get("price"), f"{field}.price")
        lines.append(
            RemoteLine(
                external_line_id=as_identifier(item.get("id"), f"{field}.id"),
                sku=as_text(item.get("sku"), f"{field}.sku"),
                product_id=as_text(item.get("variant_id") or None, f"{field}.variant_id"),
                quantity=quantity,
                unit_price=unit_price,
                title=as_text(item.get("title") or item.get("name"), f"{field}.title"),
            )
        )
    return RemoteOrder(
        external_id=order_id,
        name=as_text(order.get("name"), "name") or order_id,
        updated_at=parse_time(order.get("updated_at"), "updated_at"),
        placed_at=parse_time(order.get("created_at"), "created_at"),
        cancelled=bool(order.get("cancelled_at")),
        customer_name=(name or as_text(order.get("email"), "email") or "Shopify customer").strip(),
        customer_email=as_text(order.get("email") or order.get("contact_email"), "email"),
        customer_phone=as_text(address.get("phone") or order.get("phone"), "shipping_address.phone"),
        line1=as_text(address.get("address1"), "shipping_address.address1"),
        line2=as_text(address.get("address2"), "shipping_address.address2"),
        city=as_text(address.get("city"), "shipping_address.city"),
        region=as_text(address.get("province_code"), "shipping_address.province_code"),
        postal_code=as_text(address.get("zip"), "shipping_address.zip"),
        country=as_text(address.get("country_code"), "shipping_address.country_code") or "US",
        currency=as_text(order.get("currency"), "currency") or "USD",
        shipping_total=money(shipping, "total_shipping_price_set.shop_money.amount"),
        tax_total=money(order.get("total_tax"), "total_tax"),
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
