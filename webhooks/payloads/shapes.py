"""The objects inside `data`, built from model instances that are already loaded (these functions never query).

One function per object, shared by every event that carries it, by the publisher (instances read
from the database, `webhooks.payloads.render`) and by the documentation page (unsaved instances,
`webhooks.payloads.examples`): the examples on the page are what the code sends.

Money is a string with two decimals (never a float), quantities are integers, times ISO 8601 in
UTC with a `Z`, dates ISO 8601. Fields are only ever added within an `api_version`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fulfillment.models import Package, RoutingDecision, Shipment, ShipmentLine
from inventory.models import SKU, Location, StockLevel
from orders.models import Order, OrderLine
from returns.models import Refund, ReturnAuthorization, ReturnLine


def iso(moment: datetime | None) -> str | None:
    """A time in UTC, ISO 8601 with a `Z` (None stays None)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_date(day: date | None) -> str | None:
    """A date, ISO 8601."""
    return day.isoformat() if day else None


def money(amount: Decimal | None) -> str | None:
    """Money as a string with two decimals."""
    return None if amount is None else f"{amount:.2f}"


def location_shape(location: Location | None) -> dict[str, Any] | None:
    """A location by its code (stable) and name."""
    if location is None:
        return None
    return {"code": location.code, "name": location.name, "kind": location.kind}


def order_reference(order: Order) -> dict[str, Any]:
    """The order an object belongs to, without its lines."""
    return {
        "id": order.pk,
        "number": order.number,
        "external_id": order.external_id,
        "channel": {"code": order.channel.code, "name": order.channel.name},
    }


def order_line_shape(line: OrderLine) -> dict[str, Any]:
    """One line and how its units are split."""
    return {
        "line_number": line.line_number,
        "sku": line.sku.code,
        "quantity": line.quantity,
        "unit_price": money(line.unit_price),
        "allocated": line.quantity_allocated,
        "shipped": line.quantity_shipped,
        "cancelled": line.quantity_cancelled,
        "backordered": line.quantity_backordered,
    }


def order_shape(order: Order, lines: Sequence[OrderLine]) -> dict[str, Any]:
    """An order as it stands: status, customer, delivery, totals and lines."""
    return {
        **order_reference(order),
        "status": order.status,
        "placed_at": iso(order.placed_at),
        "customer": {"name": order.customer_name, "email": order.customer_email, "phone": order.customer_phone},
        "delivery": {
            "method": order.delivery_method,
            "service_level": order.service_level,
            "pickup_location": location_shape(order.pickup_location),
            "promised_date": iso_date(order.promised_delivery_date),
            "ship_to": {
                "line1": order.ship_line1,
                "line2": order.ship_line2,
                "city": order.ship_city,
                "region": order.ship_region,
                "postal_code": order.ship_postal_code,
                "country": order.ship_country,
            },
        },
        "currency": order.currency,
        "totals": {
            "subtotal": money(order.subtotal),
            "shipping": money(order.shipping_total),
            "tax": money(order.tax_total),
            "grand_total": money(order.grand_total),
        },
        "lines": [order_line_shape(line) for line in sorted(lines, key=lambda line: line.line_number)],
        "updated_at": iso(order.updated_at),
    }


def package_shape(package: Package) -> dict[str, Any]:
    """One box of a shipment and its label."""
    return {
        "box_number": package.box_number,
        "status": package.status,
        "carrier": package.carrier,
        "service": package.service,
        "tracking_number": package.tracking_number,
        "tracking_url": package.tracking_url,
        "weight_grams": package.weight_grams,
        "delivered_at": iso(package.delivered_at),
    }


def shipment_shape(shipment: Shipment, lines: Sequence[ShipmentLine], packages: Sequence[Package]) -> dict[str, Any]:
    """A shipment (one location's part of an order): where from, how, its lines and boxes."""
    return {
        "id": shipment.pk,
        "number": shipment.number,
        "status": shipment.status,
        "location": location_shape(shipment.location),
        "carrier": shipment.carrier,
        "service": shipment.service,
        "tracking_number": shipment.tracking_number,
        "estimated_delivery": iso_date(shipment.estimated_delivery),
        "shipped_at": iso(shipment.shipped_at),
        "delivered_at": iso(shipment.delivered_at),
        "lines": [
            {"line_number": line.order_line.line_number, "sku": line.sku.code, "quantity": line.quantity}
            for line in sorted(lines, key=lambda line: line.order_line.line_number)
        ],
        "packages": [package_shape(box) for box in sorted(packages, key=lambda box: box.box_number)],
    }


def routing_shape(decision: RoutingDecision) -> dict[str, Any]:
    """Why and from where: the plan the router chose (a stable subset of what it stores)."""
    plan = decision.plan or {}
    return {
        "trigger": decision.trigger,
        "method": decision.method,
        "reason": decision.reason,
        "total_cost": money(decision.total_cost),
        "shipments": [
            {
                "location": planned.get("location"),
                "carrier": planned.get("carrier"),
                "service": planned.get("service"),
                "estimated_delivery": planned.get("estimated_delivery"),
                "cost": planned.get("cost"),
                "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in (planned.get("lines") or {}).items()],
            }
            for planned in plan.get("shipments", [])
        ],
        "backordered": [{"sku": sku, "quantity": quantity} for sku, quantity in (plan.get("backorders") or {}).items()],
    }


def refund_shape(refund: Refund | None) -> dict[str, Any] | None:
    """What the customer gets back, and whether the channel executed it."""
    if refund is None:
        return None
    return {
        "status": refund.status,
        "currency": refund.currency,
        "amount": money(refund.amount),
        "items": money(refund.items_amount),
        "tax": money(refund.tax_amount),
        "restocking_fee": money(refund.restocking_fee),
        "return_shipping": money(refund.return_shipping),
        "channel_reference": refund.channel_reference,
        "executed_at": iso(refund.executed_at),
    }


def return_shape(rma: ReturnAuthorization, lines: Sequence[ReturnLine], refund: Refund | None) -> dict[str, Any]:
    """A return: its order, status, where it goes back to, its lines, and the refund once there is one."""
    return {
        "id": rma.pk,
        "number": rma.number,
        "order": order_reference(rma.order),
        "status": rma.status,
        "method": rma.method,
        "return_location": location_shape(rma.return_location),
        "tracking_number": rma.tracking_number,
        "received_at": iso(rma.received_at),
        "lines": [
            {
                "line_number": line.order_line.line_number,
                "sku": line.sku.code,
                "quantity": line.quantity,
                "received": line.quantity_received,
                "unit_price": money(line.unit_price),
                "reason": line.reason.code,
                "exchange_sku": line.exchange_sku.code if line.exchange_sku else None,
            }
            for line in sorted(lines, key=lambda line: line.order_line.line_number)
        ],
        "refund": refund_shape(refund),
        "exchange_order": (
            {"id": rma.exchange_order.pk, "number": rma.exchange_order.number} if rma.exchange_order else None
        ),
    }


def stock_shape(level: StockLevel | None, *, location: Location, sku: SKU) -> dict[str, Any]:
    """A (location, SKU)'s quantities now; all zero when the level no longer exists."""
    return {
        "location": location_shape(location),
        "sku": {"code": sku.code, "name": sku.name},
        "on_hand": level.on_hand if level else 0,
        "reserved": level.reserved if level else 0,
        "available": level.available if level else 0,
        "safety_stock": level.safety_stock if level else 0,
        "in_transit": level.in_transit if level else 0,
        "quarantined": level.quarantined if level else 0,
        "updated_at": iso(level.updated_at) if level else None,
    }


def ping_shape(*, subscription_id: int, name: str) -> dict[str, Any]:
    """The `data` of a test ping."""
    return {
        "endpoint": {"id": subscription_id, "name": name},
        "message": "A test ping from the back office: if you can read this, the endpoint receives and verifies.",
    }
