"""REST serializers for orders: shape-check the channel's JSON, render orders with shipments."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from core.api import BodySerializer, QuerySerializer
from orders.models import DeliveryMethod, Order, OrderLine, ServiceLevel
from orders.services import MAX_LINE_QUANTITY, MAX_LINES, LineInput, OrderInput

#: How far a promised delivery date may be from the day the order was placed.
PROMISE_DAYS_BEFORE = 1
PROMISE_DAYS_AHEAD = 366


class CustomerSerializer(BodySerializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)


class AddressSerializer(BodySerializer):
    line1 = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    line2 = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    city = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    region = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    postal_code = serializers.CharField(max_length=20)
    country = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, default="US", max_length=2)


class DeliverySerializer(BodySerializer):
    method = serializers.ChoiceField(choices=DeliveryMethod.choices, default=DeliveryMethod.SHIP)
    service = serializers.ChoiceField(choices=ServiceLevel.choices, default=ServiceLevel.STANDARD)
    pickup_location = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    promised_date = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["method"] == DeliveryMethod.PICKUP and not attrs.get("pickup_location"):
            raise serializers.ValidationError({"pickup_location": ["Choose the store for the pickup."]})
        return attrs


@functools.cache
def _no_delivery() -> Mapping[str, Any]:
    """What an order without a `delivery` gets: the field defaults, built once per process (not
    read-only by type, but never written: building a serializer per order was a fifth of its
    validation)."""
    return DeliverySerializer().to_internal_value({})


def promised_date_problem(promised: date | None, placed_at: datetime | None) -> str:
    """Why a promised delivery date cannot be taken, or "" when it can.

    It may not be more than `PROMISE_DAYS_BEFORE` day before the order was placed (time zones:
    the channel's today may be our yesterday) nor more than `PROMISE_DAYS_AHEAD` days after:
    anything else (1900-01-01, a typo of the year) is a mistake, and routing would backorder
    an order whose promise has already passed.
    """
    if promised is None:
        return ""
    placed = (placed_at or timezone.now()).astimezone(UTC).date()
    earliest, latest = placed - timedelta(days=PROMISE_DAYS_BEFORE), placed + timedelta(days=PROMISE_DAYS_AHEAD)
    if promised < earliest:
        return f"The promised date {promised} is before the order was placed ({placed}); give {earliest} or later."
    if promised > latest:
        return f"The promised date {promised} is more than a year after the order ({placed}); give {latest} or earlier."
    return ""


class LineInputSerializer(BodySerializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=Decimal("0.00"))


class OrderCreateSerializer(BodySerializer):
    """The body of POST /orders."""

    external_id = serializers.CharField(max_length=100)
    placed_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, default="USD")
    customer = CustomerSerializer()
    shipping_address = AddressSerializer()
    delivery = DeliverySerializer(required=False)
    lines = serializers.ListField(child=LineInputSerializer(), allow_empty=False, max_length=MAX_LINES)
    shipping_total = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=Decimal("0.00"))
    tax_total = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=Decimal("0.00"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """A promised date must be one the order can keep: refuse one out of range by name."""
        delivery = attrs.get("delivery") or {}
        problem = promised_date_problem(delivery.get("promised_date"), attrs.get("placed_at"))
        if problem:
            raise serializers.ValidationError({"delivery": {"promised_date": [problem]}})
        return attrs

    def to_order_input(self) -> OrderInput:
        """The validated body as the service's plain input."""
        data = self.validated_data
        address, customer = data["shipping_address"], data["customer"]
        delivery = data.get("delivery") or _no_delivery()
        return OrderInput(
            external_id=data["external_id"].strip(),
            customer_name=customer["name"].strip(),
            customer_email=customer["email"],
            customer_phone=customer["phone"],
            lines=tuple(LineInput(line["sku"], line["quantity"], line["unit_price"]) for line in data["lines"]),
            line1=address["line1"],
            line2=address["line2"],
            city=address["city"],
            region=address["region"],
            postal_code=address["postal_code"],
            country=address["country"].upper(),
            delivery_method=delivery["method"],
            service_level=delivery["service"],
            pickup_location=delivery["pickup_location"],
            promised_delivery_date=delivery["promised_date"],
            placed_at=data["placed_at"],
            currency=data["currency"].upper(),
            shipping_total=data["shipping_total"],
            tax_total=data["tax_total"],
        )


class OrderLineOutSerializer(serializers.Serializer):
    line_number = serializers.IntegerField()
    sku = serializers.CharField(source="sku.code")
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    quantity_allocated = serializers.IntegerField()
    quantity_shipped = serializers.IntegerField()
    quantity_cancelled = serializers.IntegerField()
    quantity_backordered = serializers.IntegerField()


class ShipmentLineOutSerializer(serializers.Serializer):
    sku = serializers.CharField(source="sku.code")
    quantity = serializers.IntegerField()


class ShipmentOutSerializer(serializers.Serializer):
    number = serializers.CharField()
    location = serializers.CharField(source="location.code")
    status = serializers.CharField()
    carrier = serializers.CharField()
    service = serializers.CharField()
    ship_by = serializers.DateField(allow_null=True)
    estimated_delivery = serializers.DateField(allow_null=True)
    cost = serializers.DecimalField(max_digits=10, decimal_places=2)
    tracking_number = serializers.CharField()
    lines = ShipmentLineOutSerializer(many=True)


class OrderOutSerializer(serializers.Serializer):
    """An order as the API returns it: lines, shipments, backorders and why it was routed so."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    channel = serializers.CharField(source="channel.code")
    external_id = serializers.CharField()
    status = serializers.CharField()
    placed_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    customer = serializers.SerializerMethodField()
    shipping_address = serializers.SerializerMethodField()
    delivery = serializers.SerializerMethodField()
    currency = serializers.CharField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    grand_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    routing_reason = serializers.CharField()
    lines = OrderLineOutSerializer(many=True)
    shipments = ShipmentOutSerializer(many=True)
    backordered = serializers.SerializerMethodField()

    def to_representation(self, instance: Order) -> dict[str, Any]:
        """What the declared fields give, written out: the same JSON for a fraction of the CPU.

        DRF would copy and bind some forty field objects per order (most of its cost of answering
        one); the declarations above stay: they describe the answer in the OpenAPI schema.
        Dates and money go through the same DRF field classes, so they read identically.
        """
        order = instance
        lines = list(order.lines.all())
        return {
            "id": order.pk,
            "number": order.number,
            "channel": order.channel.code,
            "external_id": order.external_id,
            "status": str(order.status),
            "placed_at": _MOMENT.to_representation(order.placed_at),
            "updated_at": _MOMENT.to_representation(order.updated_at),
            "customer": self.get_customer(order),
            "shipping_address": self.get_shipping_address(order),
            "delivery": self.get_delivery(order),
            "currency": order.currency,
            "subtotal": _MONEY.to_representation(order.subtotal),
            "shipping_total": _MONEY.to_representation(order.shipping_total),
            "tax_total": _MONEY.to_representation(order.tax_total),
            "grand_total": _MONEY.to_representation(order.grand_total),
            "routing_reason": order.routing_reason,
            "lines": [_line_out(line) for line in lines],
            "shipments": [_shipment_out(shipment) for shipment in order.shipments.all()],
            "backordered": [
                {"sku": line.sku.code, "quantity": line.quantity_backordered}
                for line in lines
                if line.quantity_backordered > 0
            ],
        }

    def get_customer(self, order: Order) -> dict[str, str]:
        return {"name": order.customer_name, "email": order.customer_email, "phone": order.customer_phone}

    def get_shipping_address(self, order: Order) -> dict[str, str]:
        return {
            "line1": order.ship_line1,
            "line2": order.ship_line2,
            "city": order.ship_city,
            "region": order.ship_region,
            "postal_code": order.ship_postal_code,
            "country": order.ship_country,
        }

    def get_delivery(self, order: Order) -> dict[str, Any]:
        return {
            "method": order.delivery_method,
            "service": order.service_level,
            "pickup_location": order.pickup_location.code if order.pickup_location else "",
            "promised_date": order.promised_delivery_date.isoformat() if order.promised_delivery_date else None,
        }

    def get_backordered(self, order: Order) -> list[dict[str, Any]]:
        return [
            {"sku": line.sku.code, "quantity": line.quantity_backordered}
            for line in order.lines.all()
            if line.quantity_backordered > 0
        ]


_MOMENT = serializers.DateTimeField()
_DAY = serializers.DateField()
_MONEY = serializers.DecimalField(max_digits=12, decimal_places=2)
_COST = serializers.DecimalField(max_digits=10, decimal_places=2)


def _day(value: date | None) -> str | None:
    return None if value is None else _DAY.to_representation(value)


def _line_out(line: OrderLine) -> dict[str, Any]:
    """`OrderLineOutSerializer`'s output."""
    return {
        "line_number": line.line_number,
        "sku": line.sku.code,
        "quantity": line.quantity,
        "unit_price": _MONEY.to_representation(line.unit_price),
        "quantity_allocated": line.quantity_allocated,
        "quantity_shipped": line.quantity_shipped,
        "quantity_cancelled": line.quantity_cancelled,
        "quantity_backordered": line.quantity_backordered,
    }


def _shipment_out(shipment: Any) -> dict[str, Any]:
    """`ShipmentOutSerializer`'s output (a fulfillment Shipment: orders sits below that app)."""
    return {
        "number": shipment.number,
        "location": shipment.location.code,
        "status": str(shipment.status),
        "carrier": shipment.carrier,
        "service": shipment.service,
        "ship_by": _day(shipment.ship_by),
        "estimated_delivery": _day(shipment.estimated_delivery),
        "cost": _COST.to_representation(shipment.cost),
        "tracking_number": shipment.tracking_number,
        "lines": [{"sku": line.sku.code, "quantity": line.quantity} for line in shipment.lines.all()],
    }


class OrderListQuerySerializer(QuerySerializer):
    # No allow_null: `?updated_since=` (empty) or `=null` is a 400, not "since the beginning".
    updated_since = serializers.DateTimeField(required=False, default=None)
    status = serializers.ChoiceField(choices=Order._meta.get_field("status").choices, required=False)  # type: ignore[arg-type]


class OrderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
