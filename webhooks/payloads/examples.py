"""Example bodies for the documentation page, built by the publisher's own code from unsaved model instances.

Nothing here touches the database: the instances are made in memory with fixed values and passed
to the same `shapes` functions and `envelope` that build real deliveries, so the page cannot drift
from what is sent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from channels.models import Channel
from fulfillment.models import Package, RoutingDecision, Shipment, ShipmentLine
from inventory.models import SKU, Location, StockLevel
from orders.models import Order, OrderLine
from returns.models import Refund, ReturnAuthorization, ReturnLine, ReturnReason
from webhooks.models import PING, EventType
from webhooks.payloads.purchase_orders import PURCHASE_ORDER_EVENT_TYPES, purchase_order_example
from webhooks.payloads.render import envelope
from webhooks.payloads.shapes import (
    order_shape,
    ping_shape,
    return_shape,
    routing_shape,
    shipment_shape,
    stock_shape,
)

AT = datetime(2026, 12, 1, 14, 30, 5, tzinfo=UTC)


def _network() -> tuple[Channel, Location, SKU, SKU]:
    channel = Channel(pk=1, code="web", name="Web shop")
    warehouse = Location(pk=1, code="dal-dc", name="Dallas DC", kind="warehouse")
    tee = SKU(pk=1, code="TEE-BLK-M", name="Black tee, M")
    mug = SKU(pk=2, code="MUG-WHT", name="White mug")
    return channel, warehouse, tee, mug


def _order(status: str = "routed", *, cancelled: bool = False, shipped: bool = False) -> tuple[Order, list[OrderLine]]:
    channel, _, tee, mug = _network()
    order = Order(
        pk=1042,
        channel=channel,
        external_id="W-20261201-17",
        status=status,
        placed_at=AT,
        customer_name="Ada Lovelace",
        customer_email="ada@example.com",
        ship_line1="1 Main St",
        ship_city="New York",
        ship_region="NY",
        ship_postal_code="10001",
        ship_country="US",
        delivery_method="ship",
        service_level="standard",
        currency="USD",
        subtotal=Decimal("52.00"),
        shipping_total=Decimal("5.95"),
        tax_total=Decimal("4.62"),
        grand_total=Decimal("62.57"),
        updated_at=AT,
    )
    lines = []
    for number, (sku, quantity, price) in enumerate(((tee, 2, "20.00"), (mug, 1, "12.00")), start=1):
        line = OrderLine(pk=number, order=order, line_number=number, sku=sku, quantity=quantity)
        line.unit_price = Decimal(price)
        if cancelled:
            line.quantity_cancelled = quantity
        elif shipped:
            line.quantity_shipped = quantity
        else:
            line.quantity_allocated = quantity
        lines.append(line)
    return order, lines


def _shipment(status: str) -> tuple[Shipment, list[ShipmentLine], list[Package]]:
    order, lines = _order()
    _, warehouse, _, _ = _network()
    shipment = Shipment(
        pk=311,
        order=order,
        location=warehouse,
        status=status,
        carrier="ups",
        service="UPS Ground",
        tracking_number="1Z999AA10123456784",
        estimated_delivery=date(2026, 12, 4),
        shipped_at=AT,
        delivered_at=datetime(2026, 12, 4, 16, 2, tzinfo=UTC) if status == "delivered" else None,
    )
    shipment_lines = [
        ShipmentLine(shipment=shipment, order_line=line, sku=line.sku, quantity=line.quantity) for line in lines
    ]
    box = Package(
        shipment=shipment,
        box_number=1,
        status="labelled",
        carrier="ups",
        service="UPS Ground",
        tracking_number="1Z999AA10123456784",
        tracking_url="https://www.ups.com/track?tracknum=1Z999AA10123456784",
        weight_grams=1250,
        delivered_at=shipment.delivered_at,
    )
    return shipment, shipment_lines, [box]


def _return(status: str) -> dict[str, Any]:
    order, lines = _order("delivered", shipped=True)
    _, warehouse, tee, _ = _network()
    rma = ReturnAuthorization(
        pk=88,
        order=order,
        status=status,
        method="mail",
        return_location=warehouse,
        tracking_number="1Z999AA10123456999",
        received_at=AT,
    )
    reason = ReturnReason(code="too_small", label="Too small")
    return_line = ReturnLine(
        rma=rma, order_line=lines[0], sku=tee, quantity=1, quantity_received=1, unit_price=Decimal("20.00")
    )
    return_line.reason = reason
    refund = None
    if status == "refunded":
        refund = Refund(
            rma=rma,
            currency="USD",
            items_amount=Decimal("20.00"),
            tax_amount=Decimal("1.78"),
            restocking_fee=Decimal("0.00"),
            return_shipping=Decimal("0.00"),
            amount=Decimal("21.78"),
            status="executed",
            channel_reference="re_3NqKc2",
            executed_at=AT,
        )
    return {"return": return_shape(rma, [return_line], refund)}


def _routing() -> dict[str, Any]:
    order, lines = _order()
    decision = RoutingDecision(
        order=order,
        trigger="new order",
        method="single",
        reason="dal-dc holds every unit; cheapest by $3.40 over rno-dc",
        total_cost=Decimal("9.85"),
        plan={
            "shipments": [
                {
                    "location": "dal-dc",
                    "carrier": "ups",
                    "service": "ground",
                    "estimated_delivery": "2026-12-04",
                    "cost": "9.85",
                    "lines": {"TEE-BLK-M": 2, "MUG-WHT": 1},
                }
            ],
            "backorders": {},
        },
    )
    return {"order": order_shape(order, lines), "routing": routing_shape(decision)}


def example_data(event_type: str) -> dict[str, Any]:
    """The `data` of an example event of this type."""
    if event_type == EventType.ORDER_CREATED:
        return {"order": order_shape(*_order())}
    if event_type == EventType.ORDER_ROUTED:
        return _routing()
    if event_type == EventType.ORDER_CANCELLED:
        return {"order": order_shape(*_order("cancelled", cancelled=True))}
    if event_type in (EventType.ORDER_SHIPPED, EventType.SHIPMENT_DELIVERED):
        delivered = event_type == EventType.SHIPMENT_DELIVERED
        shipment, shipment_lines, boxes = _shipment("delivered" if delivered else "shipped")
        order, lines = _order("delivered" if delivered else "shipped", shipped=True)
        return {"order": order_shape(order, lines), "shipment": shipment_shape(shipment, shipment_lines, boxes)}
    if event_type == EventType.STOCK_CHANGED:
        _, warehouse, tee, _ = _network()
        level = StockLevel(location=warehouse, sku=tee, on_hand=42, reserved=5, safety_stock=2, updated_at=AT)
        return stock_shape(level, location=warehouse, sku=tee)
    if event_type == EventType.RETURN_RECEIVED:
        return _return("received")
    if event_type == EventType.RETURN_REFUNDED:
        return _return("refunded")
    if event_type in PURCHASE_ORDER_EVENT_TYPES:
        return purchase_order_example(event_type)
    if event_type == PING:
        return ping_shape(subscription_id=7, name="ERP (production)")
    raise ValueError(f"unknown event type {event_type!r}")


def example_body(event_type: str) -> dict[str, Any]:
    """A whole example body (the envelope and its data), as a delivery of this type carries it."""
    return envelope(
        event_type=event_type, event_id="evt_3q9oXfRk1Dx0hJcLw2PnVtYa", created_at=AT, data=example_data(event_type)
    )
