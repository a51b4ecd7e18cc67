"""What a notification template sees: plain data built from the order and the event.

Only dicts, lists, strings, numbers, booleans, dates and times go in (never a model instance),
so a staff-written template cannot follow a relation or run a query (see `sandbox`). Every kind
gets `brand`, `customer` and `order`; the event adds `shipment` (shipped, delayed), `delay`,
`cancellation`, `pickup` or `refund`. `notifications.rendering.samples` builds the same shape
for the preview, and `VARIABLES` documents it on the edit page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from fulfillment.models import Package, PackageStatus, Pickup, Shipment, TrackingEvent
from fulfillment.models.packing import PUBLIC_TRACKING_PAGES
from fulfillment.selectors.exceptions import DELIVERY_PROBLEM_STATUSES
from orders.models import DeliveryMethod, Order, OrderLine
from returns.models import Refund

#: The variables templates may use, as shown on the edit page (name, what it holds).
VARIABLES: list[tuple[str, str]] = [
    ("brand.name", "the shop's name"),
    ("customer.name, customer.first_name, customer.email", "who the email is for"),
    ("order.number, order.external_id, order.placed_at", "the order (placed_at is a date and time)"),
    ("order.currency, order.subtotal, order.shipping_total, order.tax_total, order.grand_total", "money"),
    ("order.is_pickup, order.pickup_store.name, order.pickup_store.address", "pickup orders"),
    ("order.ship_to.name, .line1, .line2, .city, .region, .postal_code, .country", "the delivery address"),
    ("order.promised_date, order.service_level", "the delivery promise (may be empty)"),
    ("order.lines: sku, name, quantity, unit_price, line_total, shipped, cancelled, remaining", "each line"),
    ("order.remaining_items: sku, name, quantity", "units neither shipped nor cancelled yet"),
    ("shipment.number, .carrier, .service, .shipped_at, .estimated_delivery", "shipped and delayed"),
    ("shipment.items: sku, name, quantity", "what the shipment carries"),
    ("shipment.boxes: number, carrier, service, tracking_number, tracking_url", "each box and its tracking link"),
    ("delay.cause (late_estimate, carrier_problem, past_promise), delay.carrier_note", "delayed"),
    ("cancellation.items: sku, name, quantity; cancellation.partial", "cancellations and pickup expiry"),
    ("pickup.store_name, pickup.store_address, pickup.hold_until, pickup.code", "pickup expired"),
    ("refund.amount, refund.currency, refund.return_number, refund.items", "refund issued"),
]


@dataclass(frozen=True)
class Brand:
    """A channel's sender identity (see `notifications.selectors.brand_of`)."""

    name: str
    sender: str
    reply_to: str
    language: str


def _address(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def _line_data(line: OrderLine) -> dict[str, Any]:
    return {
        "sku": line.sku.code,
        "name": line.sku.name,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "line_total": line.line_total,
        "shipped": line.quantity_shipped,
        "cancelled": line.quantity_cancelled,
        "remaining": line.quantity - line.quantity_shipped - line.quantity_cancelled,
    }


def order_data(order: Order, lines: Iterable[OrderLine]) -> dict[str, Any]:
    """The order as templates see it (`lines` with their SKUs loaded)."""
    store = order.pickup_location
    rows = [_line_data(line) for line in lines]
    return {
        "number": order.number,
        "external_id": order.external_id,
        "placed_at": order.placed_at,
        "currency": order.currency,
        "subtotal": order.subtotal,
        "shipping_total": order.shipping_total,
        "tax_total": order.tax_total,
        "grand_total": order.grand_total,
        "is_pickup": order.delivery_method == DeliveryMethod.PICKUP,
        "pickup_store": (
            {"name": store.name, "address": _address(store.address_line1, store.city, store.region, store.postal_code)}
            if store is not None
            else None
        ),
        "ship_to": {
            "name": order.customer_name,
            "line1": order.ship_line1,
            "line2": order.ship_line2,
            "city": order.ship_city,
            "region": order.ship_region,
            "postal_code": order.ship_postal_code,
            "country": order.ship_country,
        },
        "promised_date": order.promised_delivery_date,
        "service_level": order.get_service_level_display(),
        "lines": rows,
        "remaining_items": [
            {"sku": row["sku"], "name": row["name"], "quantity": row["remaining"]} for row in rows if row["remaining"]
        ],
    }


def base_data(*, brand: Brand, order: Order, lines: Iterable[OrderLine]) -> dict[str, Any]:
    """What every kind gets: the brand, the customer and the order."""
    return {
        "brand": {"name": brand.name},
        "customer": {
            "name": order.customer_name,
            "first_name": (order.customer_name or "").split(" ")[0],
            "email": order.customer_email,
        },
        "order": order_data(order, lines),
    }


def _box_data(box: Package) -> dict[str, Any]:
    return {
        "number": box.box_number,
        "carrier": box.carrier,
        "service": box.service,
        "tracking_number": box.tracking_number,
        "tracking_url": box.public_tracking_url,
    }


def shipment_data(shipment: Shipment) -> dict[str, Any]:
    """A shipment with its items and boxes (voided labels left out); one box when it has none of its own."""
    boxes = [
        _box_data(box)
        for box in shipment.packages.all()
        if box.status not in (PackageStatus.VOIDED, PackageStatus.VOID_PENDING)
    ]
    if not boxes and shipment.tracking_number:
        page = PUBLIC_TRACKING_PAGES.get(shipment.carrier.lower())
        boxes = [
            {
                "number": 1,
                "carrier": shipment.carrier,
                "service": shipment.service,
                "tracking_number": shipment.tracking_number,
                "tracking_url": page.format(shipment.tracking_number) if page else "",
            }
        ]
    return {
        "number": shipment.number,
        "carrier": shipment.carrier,
        "service": shipment.service,
        "shipped_at": shipment.shipped_at,
        "estimated_delivery": shipment.estimated_delivery,
        "items": [
            {"sku": line.sku.code, "name": line.sku.name, "quantity": line.quantity} for line in shipment.lines.all()
        ],
        "boxes": boxes,
    }


def delay_data(shipment: Shipment, cause: str) -> dict[str, Any]:
    """Why a shipment is late: its cause and the carrier's latest word on a problem, if any."""
    problem: TrackingEvent | None = None
    for event in shipment.tracking_events.all():  # prefetched newest first
        if event.status in DELIVERY_PROBLEM_STATUSES:
            problem = event
            break
    return {"cause": cause, "carrier_note": problem.description if problem else ""}


def cancellation_data(lines: Iterable[OrderLine], *, partial: bool) -> dict[str, Any]:
    """The units cancelled on the order, per line."""
    return {
        "partial": partial,
        "items": [
            {"sku": line.sku.code, "name": line.sku.name, "quantity": line.quantity_cancelled}
            for line in lines
            if line.quantity_cancelled
        ],
    }


def pickup_data(pickup: Pickup) -> dict[str, Any]:
    """The pickup that expired: where and until when it was held (in the store's time zone)."""
    store = pickup.location
    return {
        "store_name": store.name,
        "store_address": _address(store.address_line1, store.city, store.region, store.postal_code),
        # The store's wall-clock time without a zone: templates' date filter would turn an aware
        # datetime back into the server's zone, and the customer reads the time on the store's door.
        "hold_until": (
            timezone.localtime(pickup.hold_until, ZoneInfo(store.timezone)).replace(tzinfo=None)
            if pickup.hold_until
            else None
        ),
        "code": pickup.code,
    }


def refund_data(refund: Refund) -> dict[str, Any]:
    """The refund and the items it is for."""
    return {
        "amount": refund.amount,
        "currency": refund.currency,
        "return_number": refund.rma.number,
        "items": [
            {"sku": line.sku.code, "name": line.sku.name, "quantity": line.quantity_received}
            for line in refund.rma.lines.all()
            if line.quantity_received
        ],
    }
