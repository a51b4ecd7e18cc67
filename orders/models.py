"""Orders from every channel, their lines and their timeline.

An order is unique per (channel, external id). Its status only moves along
`ORDER_TRANSITIONS` (enforced by `orders.services.order_transition`). Per line, the units
are split into allocated (reserved in a shipment not yet shipped), shipped, cancelled and
backordered (the rest); the database refuses a split that adds up to more than the line.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel


class OrderStatus(models.TextChoices):
    NEW = "new", "New"
    ROUTED = "routed", "Routed"
    IN_FULFILLMENT = "in_fulfillment", "In fulfillment"
    PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    ON_HOLD = "on_hold", "On hold"
    BACKORDERED = "backordered", "Backordered"
    CANCELLED = "cancelled", "Cancelled"


_S = OrderStatus
#: Which status may follow which. Anything else is refused with a 409.
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    _S.NEW: frozenset({_S.ROUTED, _S.BACKORDERED, _S.ON_HOLD, _S.CANCELLED}),
    _S.ROUTED: frozenset(
        {_S.IN_FULFILLMENT, _S.PARTIALLY_SHIPPED, _S.SHIPPED, _S.BACKORDERED, _S.ON_HOLD, _S.CANCELLED}
    ),
    _S.IN_FULFILLMENT: frozenset(
        {_S.PARTIALLY_SHIPPED, _S.SHIPPED, _S.ROUTED, _S.BACKORDERED, _S.ON_HOLD, _S.CANCELLED}
    ),
    _S.PARTIALLY_SHIPPED: frozenset({_S.SHIPPED, _S.DELIVERED, _S.ON_HOLD, _S.CANCELLED}),
    _S.SHIPPED: frozenset({_S.DELIVERED}),
    _S.DELIVERED: frozenset(),
    _S.ON_HOLD: frozenset({_S.NEW, _S.ROUTED, _S.IN_FULFILLMENT, _S.PARTIALLY_SHIPPED, _S.BACKORDERED, _S.CANCELLED}),
    _S.BACKORDERED: frozenset({_S.ROUTED, _S.ON_HOLD, _S.CANCELLED}),
    _S.CANCELLED: frozenset(),
}
OPEN_STATUSES = frozenset(set(OrderStatus.values) - {_S.SHIPPED, _S.DELIVERED, _S.CANCELLED})


class DeliveryMethod(models.TextChoices):
    SHIP = "ship", "Ship to address"
    PICKUP = "pickup", "Pick up in store"


class ServiceLevel(models.TextChoices):
    STANDARD = "standard", "Standard"
    EXPRESS = "express", "Express"
    NEXT_DAY = "next_day", "Next day"
    SAME_DAY = "same_day", "Same day"


class AddressStatus(models.TextChoices):
    UNCHECKED = "", "Not checked"
    VERIFIED = "verified", "Verified"
    CORRECTED = "corrected", "Correction suggested"
    UNDELIVERABLE = "undeliverable", "Undeliverable"
    NOT_GEOCODED = "not_geocoded", "Not on the map"


class Order(TimeStampedModel):
    """A customer's order from one channel."""

    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(max_length=100, help_text="The channel's own id for the order.")
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.NEW, db_index=True)
    placed_at = models.DateTimeField(db_index=True)
    customer_name = models.CharField(max_length=200)
    customer_email = models.EmailField(blank=True)
    customer_phone = models.CharField(max_length=40, blank=True)
    ship_line1 = models.CharField("address", max_length=200, blank=True)
    ship_line2 = models.CharField("address line 2", max_length=200, blank=True)
    ship_city = models.CharField("city", max_length=100, blank=True)
    ship_region = models.CharField("state / region", max_length=100, blank=True)
    ship_postal_code = models.CharField("postal code", max_length=20)
    ship_country = models.CharField("country", max_length=2, default="US")
    ship_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    ship_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    delivery_method = models.CharField(max_length=10, choices=DeliveryMethod.choices, default=DeliveryMethod.SHIP)
    service_level = models.CharField(max_length=10, choices=ServiceLevel.choices, default=ServiceLevel.STANDARD)
    pickup_location = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="pickup_orders"
    )
    promised_delivery_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    shipping_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    grand_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    routing_reason = models.CharField(max_length=300, blank=True)
    address_status = models.CharField(max_length=16, choices=AddressStatus.choices, blank=True, default="")
    address_suggestion = models.JSONField(
        default=dict, blank=True, help_text="The carrier's corrected address, for staff to accept."
    )
    address_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="order_unique_channel_external_id"),
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="order_updated_id")]
        permissions = [
            ("route_order", "Can route, re-route, hold and release orders"),
            ("cancel_order", "Can cancel orders"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The order number staff and customers see, e.g. SO-000042."""
        return f"SO-{self.pk:06d}" if self.pk else "SO-new"


class OrderLine(models.Model):
    """One SKU of an order and how its units are split between allocated, shipped, cancelled."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveSmallIntegerField()
    sku = models.ForeignKey("inventory.SKU", on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    quantity_allocated = models.PositiveIntegerField(default=0)
    quantity_shipped = models.PositiveIntegerField(default=0)
    quantity_cancelled = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="orderline_unique_number"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("quantity_allocated") + F("quantity_shipped") + F("quantity_cancelled")),
                name="orderline_split_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.line_number} {self.sku_id} x{self.quantity}"

    @property
    def quantity_backordered(self) -> int:
        """Units neither allocated, shipped nor cancelled: waiting for stock."""
        return self.quantity - self.quantity_allocated - self.quantity_shipped - self.quantity_cancelled

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class OrderEventKind(models.TextChoices):
    CREATED = "created", "Created"
    DUPLICATE = "duplicate", "Duplicate received"
    ROUTED = "routed", "Routed"
    BACKORDERED = "backordered", "Backordered"
    STATUS = "status", "Status changed"
    CANCELLED = "cancelled", "Cancelled"
    SHIPMENT = "shipment", "Shipment"
    NOTE = "note", "Note"


class OrderEvent(models.Model):
    """One entry of an order's timeline: who did what, when and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=OrderEventKind.choices)
    message = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=120, blank=True, help_text="Who, when not a staff user (a channel).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}: {self.message}"


class OrderTag(models.Model):
    """A free-text label staff put on an order ("vip", "gift"), to find such orders in the list (`?tag=`)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=40, db_index=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["order", "name"], name="ordertag_unique_name")]

    def __str__(self) -> str:
        return self.name


class OrderMention(models.Model):
    """A person named with @username in a comment on an order: it shows in their mentions list."""

    event = models.ForeignKey(OrderEvent, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="order_mentions")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="ordermention_unique_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.event_id}"
