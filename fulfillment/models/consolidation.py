"""Package consolidation: the linehaul lanes between locations, the hubs, and orders waiting at a node.

Routing may plan, instead of a split shipment, transfers of the missing units to one node and
one parcel from there (`fulfillment.routing.consolidate`). A `ConsolidationHold` follows that
parcel's shipment at the node until every inbound leg (`ConsolidationLeg`, one inventory
transfer each) has arrived: until then the shipment is out of the work queue. Its units are
split between the shipment's lines (units reserved at the node) and the legs' lines (units on
their way, reserved at the origin by the transfer); both count as allocated on the order lines.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel


class LinehaulLane(TimeStampedModel):
    """Moving units from one location to another for consolidation: price per unit and per kg, transit days."""

    origin = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    destination = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    cost_per_unit = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    cost_per_kg = models.DecimalField(
        max_digits=8, decimal_places=3, default=Decimal("0.000"), validators=[MinValueValidator(Decimal("0"))]
    )
    transit_days = models.PositiveSmallIntegerField(default=2, help_text="Delivery days, Monday to Saturday.")
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["origin__code", "destination__code"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "destination"], name="linehaullane_unique_pair"),
            models.CheckConstraint(condition=~Q(origin=F("destination")), name="linehaullane_not_to_itself"),
            models.CheckConstraint(
                condition=Q(cost_per_unit__gte=0, cost_per_kg__gte=0), name="linehaullane_costs_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.origin_id} → {self.destination_id}: {self.transit_days}d"


class ConsolidationHub(models.Model):
    """A warehouse flagged as a consolidation node: routing always weighs it for split orders.

    A warehouse that is not a hub can still be the node when it holds most of the order; it then
    uses the handling and processing figures of `CostSettings`.
    """

    location = models.OneToOneField("inventory.Location", on_delete=models.CASCADE, related_name="consolidation_hub")
    handling_per_unit = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.60"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Receiving and sorting one inbound unit.",
    )
    processing_days = models.PositiveSmallIntegerField(
        default=1, help_text="Days from the last inbound arrival until the parcel leaves."
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["location__code"]

    def __str__(self) -> str:
        return f"Consolidation hub {self.location_id}"

    def clean(self) -> None:
        """Only a warehouse consolidates: a 3PL's or supplier's work is sent to it, not done here."""
        if self.location_id and self.location.kind != "warehouse":
            raise ValidationError({"location": "Only a warehouse can be a consolidation hub."})


class HoldStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for inbound units"
    RELEASED = "released", "Released to pack"
    CANCELLED = "cancelled", "Cancelled"


class ConsolidationHold(TimeStampedModel):
    """An order's parcel waiting at the node for its inbound legs; its shipment is not worked meanwhile."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="consolidation_holds")
    shipment = models.OneToOneField("fulfillment.Shipment", on_delete=models.CASCADE, related_name="consolidation_hold")
    node = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=HoldStatus.choices, default=HoldStatus.WAITING, db_index=True)
    saving = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00"), help_text="What the split would have cost more."
    )
    released_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["node", "status"], name="consolidationhold_node_status")]

    def __str__(self) -> str:
        return f"{self.shipment_id} at {self.node_id}: {self.status}"


class LegStatus(models.TextChoices):
    OPEN = "open", "On its way"
    ARRIVED = "arrived", "Arrived"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Called off"


class ConsolidationLeg(models.Model):
    """Units one origin sends to the node by an inventory transfer, for one held parcel."""

    hold = models.ForeignKey(ConsolidationHold, on_delete=models.CASCADE, related_name="legs")
    transfer = models.OneToOneField("inventory.Transfer", on_delete=models.PROTECT, related_name="consolidation_leg")
    origin = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=LegStatus.choices, default=LegStatus.OPEN, db_index=True)
    cost = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    ship_date = models.DateField(null=True, blank=True)
    expected_arrival = models.DateField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["hold", "id"]

    def __str__(self) -> str:
        return f"{self.origin_id} → hold {self.hold_id}: {self.status}"


class ConsolidationLegLine(models.Model):
    """Units of one order line on a leg; `quantity_received` of them were reserved at the node."""

    leg = models.ForeignKey(ConsolidationLeg, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey("inventory.SKU", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    quantity_received = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["leg", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="consolidationlegline_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity")), name="consolidationlegline_received_lte_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} x{self.quantity}"
