"""WooCommerce through its REST API v3 (`/wp-json/wc/v3`), HTTP Basic with the consumer key.

Stock goes out 100 products per `products/batch` call (variations, ids "parent:variation",
through `products/{parent}/variations/batch`); each entry answers for itself inside the 200,
so only failed products are retried. Orders are paged with `page` until `X-WP-TotalPages`.
Webhooks are signed with `X-WC-Webhook-Signature`; WooCommerce has no event id, so an event
is identified by (topic, order id, date_modified_gmt): a redelivery of the same state is a
duplicate, a newer state is a new event.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from core.safe_json import PayloadError, as_identifier, as_int, as_object, as_objects, as_text, loads
from marketplaces.connectors.base import (
    Connector,
    PushResult,
    RemoteLine,
    RemoteOrder,
    RequestRejected,
    ShipmentLine,
    StockItem,
    WebhookEvent,
    WebhookRejected,
    money,
    parse_time,
    signature_matches,
)

PREFIX = "/wp-json/wc/v3"
#: The order meta that holds every tracking number of a shipment (a list), beside the customer note.
TRACKING_META_KEY = "tracking_numbers"


def parse_order(order: Mapping[str, Any]) -> RemoteOrder:
    """A WooCommerce order (REST answer or webhook body).

    A value of a shape WooCommerce does not send is a `PayloadError` (a ValueError) naming the
    field, such as `line_items[0].price` or `shipping`, so a webhook answers 400 with it.
    """
    order = as_object(order, "body", optional=False)
    if "id" not in order or "line_items" not in order:
        raise ValueError("not a WooCommerce order: no id or line_items")
    order_id = as_identifier(order["id"], "id")
    shipping = as_object(order.get("shipping"), "shipping")
    billing = as_object(order.get("billing"), "billing")
    address, part = (
        (shipping, "shipping") if shipping.get("postcode") or shipping.get("address_1") else (billing, "billing")
    )
    name = " ".join(
        filter(
            None,
            [
                as_text(address.get("first_name"), f"{part}.first_name"),
                as_text(address.get("last_name"), f"{part}.last_name"),
            ],
        )
    ) or as_text(address.get("company"), f"{part}.company")
    lines = []
    for index, item in enumerate(as_objects(order["line_items"], "line_items")):
        field = f"line_items[{index}]"
        quantity = as_int(item.get("quantity"), f"{field}.quantity")
        if quantity <= 0:
            continue
        variation = as_int(item.get("variation_id"), f"{field}.variation_id")
        product_id = as_text(item.get("product_id") or None, f"{field}.product_id")
        product = f"{product_id}:{variation}" if variation else product_id
        # `price` is a number (3 or 12.5); `total` a string. Use the number, as the line's unit price.
        price = item.get("price")
        if price not in (None, ""):
            unit = money(price, f"{field}.price")
        else:
            unit = (money(item.get("total"), f"{field}.total") / quantity).quantize(Decimal("0.01"))
        lines.append(
            RemoteLine(
                external_line_id=as_identifier(item.get("id"), f"{field}.id"),
                sku=as_text(item.get("sku"), f"{field}.sku"),
                product_id=product,
                quantity=quantity,
                unit_price=unit,
                title=as_text(item.get("name"), f"{field}.name"),
            )
        )
    modified = order.get("date_modified_gmt") or order.get("date_modified")
    return RemoteOrder(
        external_id=order_id,
        name=f"#{as_text(order.get('number'), 'number') or order_id}",
        updated_at=parse_time(modified, "date_modified_gmt"),
        placed_at=parse_time(order.get("date_created_gmt") or order.get("date_created"), "date_created_gmt"),
        cancelled=order.get("status") in ("cancelled", "refunded", "failed", "trash"),
        customer_name=(name or as_text(billing.get("email"), "billing.email") or "WooCommerce customer").strip(),
        customer_email=as_text(billing.get("email"), "billing.email"),
        customer_phone=as_text(billing.get("phone") or shipping.get("phone"), "billing.phone"),
        line1=as_text(address.get("address_1"), f"{part}.address_1"),
        line2=as_text(address.get("address_2"), f"{part}.address_2"),
        city=as_text(address.get("city"), f"{part}.city"),
        region=as_text(address.get("state"), f"{part}.state"),
        postal_code=as_text(address.get("postcode"), f"{part}.postcode"),
        country=as_text(address.get("country"), f"{part}.country") or "US",
        currency=as_text(order.get("currency"), "currency") or "USD",
        shipping_total=money(order.get("shipping_total"), "shipping_total"),
        tax_total=money(order.get("total_tax"), "total_tax"),
        lines=lines,
    )


class WooCommerceConnector(Connector):
    kind = "woocommerce"
    batch_size = 100
    limits = {"products": (10.0, 20.0), "orders": (10.0, 20.0)}

    def _auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.credentials.get("consumer_key", ""), self.credentials.get("consumer_secret", ""))

    def _call(self, method: str, path: str, *, op: str, **kwargs: Any) -> httpx.Response:
        return self._request(method, f"{PREFIX}{path}", op=op, auth=self._auth(), **kwargs)

    def push_stock(self, items: list[StockItem]) -> list[PushResult]:
        by_parent: dict[str, list[StockItem]] = {}
        for item in items:
            parent = item.external_id.split(":")[0] if ":" in item.external_id else ""
            by_parent.setdefault(parent, []).append(item)
        results: dict[int, PushResult] = {}
        for parent, group in by_parent.items():
            ids = {item.sku_id: (item.external_id.split(":")[1] if parent else item.external_id) for item in group}
            path = f"/products/{parent}/variations/batch" if parent else "/products/batch"
            body = {
                "update": [
                    {"id": int(ids[item.sku_id]), "manage_stock": True, "stock_quantity": item.quantity}
                    for item in group
                ]
            }
            answers = self._call("POST", path, op="products", json=body).json().get("update") or []
            by_id = {str(answer.get("id")): answer for answer in answers}
            for item in group:
                answer = by_id.get(ids[item.sku_id])
                if answer is None:
                    results[item.sku_id] = PushResult(
                        item.sku_id, ok=False, retryable=True, error="WooCommerce: no answer for this product"
                    )
                elif "error" in answer:
                    error = answer["error"] or {}
                    status = int((error.get("data") or {}).get("status") or 400)
                    results[item.sku_id] = PushResult(
                        item.sku_id,
                        ok=False,
                        retryable=status >= 500,
                        error=f"WooCommerce: {error.get('code')}: {error.get('message')}",
                    )
                else:
                    results[item.sku_id] = PushResult(item.sku_id, ok=True)
        return [results[item.sku_id] for item in items]

    def read_stock(self, items: list[StockItem]) -> dict[int, int]:
        found = {}
        simple = [item for item in items if ":" not in item.external_id]
        for start in range(0, len(simple), 100):
            chunk = simple[start : start + 100]
            answer = self._call(
                "GET",
                "/products",
                op="products",
                params={"include": ",".join(item.external_id for item in chunk), "per_page": 100},
            ).json()
            by_id = {str(p.get("id")): p for p in answer}
            for item in chunk:
                product = by_id.get(item.external_id)
                if product is not None and product.get("stock_quantity") is not None:
                    found[item.sku_id] = int(product["stock_quantity"])
        return found

    def list_orders(self, since: datetime) -> Iterator[RemoteOrder]:
        page = 1
        while True:
            response = self._call(
                "GET",
                "/orders",
                op="orders",
                params={
                    "modified_after": since.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
                    "dates_are_gmt": "true",
                    "orderby": "modified",
                    "order": "asc",
                    "per_page": 100,
                    "page": page,
                },
            )
            for order in response.json():
                yield parse_order(order)
            if page >= int(response.headers.get("X-WP-TotalPages") or 1):
                return
            page += 1

    def get_order(self, external_id: str) -> RemoteOrder:
        return parse_order(self._call("GET", f"/orders/{int(external_id)}", op="orders").json())

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        topic = headers.get("X-WC-Webhook-Topic", "")
        if not topic and body.startswith(b"webhook_id="):
            # The ping WooCommerce sends when a webhook is saved: unsigned, form-encoded, nothing to do.
            return WebhookEvent(
                event_id=f"ping:{body.decode(errors='replace')[:60]}", topic="ping", resource_id="", payload={}
            )
        if not signature_matches(
            self.credentials.get("webhook_secret", ""), body, headers.get("X-WC-Webhook-Signature")
        ):
            raise WebhookRejected("The X-WC-Webhook-Signature signature does not match the body.", status=401)
        try:
            payload = loads(body)  # bounded nesting; strings are made storable when it is stored
            if not isinstance(payload, dict):
                raise PayloadError("expected a JSON object.", field="body")
            order = parse_order(payload) if topic.startswith("order.") else None
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError) as exc:
            raise WebhookRejected(f"Malformed {topic or 'webhook'} body: {exc}", status=400) from exc
        if order is None:
            return WebhookEvent(
                event_id=f"{topic}:{headers.get('X-WC-Webhook-Delivery-ID', '')}",
                topic=topic,
                resource_id="",
                payload=payload,
            )
        event_id = f"{topic}:{order.external_id}:{payload.get('date_modified_gmt') or payload.get('date_modified')}"
        return WebhookEvent(event_id=event_id, topic=topic, resource_id=order.external_id, payload=payload)

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
        """A customer note listing every tracking number (WooCommerce core has no tracking field),
        then the order completed with the numbers in its `meta_data` (`tracking_numbers`), where
        other plugins and the admin's custom fields can read them."""
        numbers = list(dict.fromkeys(number for number in tracking_numbers if number)) or (
            [tracking_number] if tracking_number else []
        )
        shipper = carrier or "our carrier"
        if len(numbers) > 1:
            text = f"Shipped with {shipper} in {len(numbers)} parcels, tracking numbers {', '.join(numbers)}."
        else:
            text = f"Shipped with {shipper}, tracking number {numbers[0] if numbers else tracking_number}."
        note = self._call(
            "POST",
            f"/orders/{int(external_id)}/notes",
            op="orders",
            json={"note": text, "customer_note": True},
        ).json()
        update: dict[str, Any] = {"status": "completed"}
        if numbers:
            update["meta_data"] = [{"key": TRACKING_META_KEY, "value": numbers}]
        self._call("PUT", f"/orders/{int(external_id)}", op="orders", json=update)
        return str(note.get("id", ""))

    def cancel_order(self, external_id: str, *, reason: str) -> str:
        self._call("PUT", f"/orders/{int(external_id)}", op="orders", json={"status": "cancelled"})
        return external_id

    def refund_create(
        self, external_id: str, *, amount: Decimal, currency: str, reason: str, lines: list[ShipmentLine]
    ) -> str:
        refund = self._call(
            "POST",
            f"/orders/{int(external_id)}/refunds",
            op="orders",
            json={"amount": f"{amount:.2f}", "reason": reason[:200], "api_refund": False},
        ).json()
        if "id" not in refund:
            raise RequestRejected("WooCommerce answered the refund without an id.")
        return str(refund["id"])
