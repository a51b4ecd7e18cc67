"""Shipments (the work one location does for one order) and routing decisions."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


class ShipmentStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ACCEPTED = "accepted", "Accepted"
    PICKING = "picking", "Picking"
    PACKED = "packed", "Packed"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    REJECTED = "rejected", "Rejected"


_S = ShipmentStatus
SHIPMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    _S.REQUESTED: frozenset({_S.ACCEPTED, _S.REJECTED, _S.CANCELLED}),
    _S.ACCEPTED: frozenset({_S.PICKING, _S.CANCELLED, _S.REJECTED}),
    _S.PICKING: frozenset({_S.PACKED, _S.CANCELLED, _S.REJECTED}),
    _S.PACKED: frozenset({_S.SHIPPED, _S.PICKING, _S.CANCELLED}),
    _S.SHIPPED: frozenset({_S.DELIVERED}),
    _S.DELIVERED: frozenset(),
    _S.CANCELLED: frozenset(),
    _S.REJECTED: frozenset(),
}
OPEN_SHIPMENT_STATUSES = frozenset({_S.REQUESTED, _S.ACCEPTED, _S.PICKING, _S.PACKED})


class Shipment(TimeStampedModel):
    """Units of one order that one location ships (or hands over, for a pickup)."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="shipments")
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="shipments")
    status = models.CharField(
        max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.REQUESTED, db_index=True
    )
    carrier = models.CharField(max_length=40, blank=True)
    service = models.CharField(max_length=40, blank=True)
    ship_by = models.DateField(null=True, blank=True)
    estimated_delivery = models.DateField(null=True, blank=True)
    weight_grams = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    tracking_number = models.CharField(max_length=64, blank=True)
    status_reason = models.CharField(max_length=255, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    accept_by = models.DateTimeField(
        null=True, blank=True, help_text="A ship-from-store request not accepted by then is re-routed (the SLA)."
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["location", "status"], name="shipment_location_status"),
            # today's load per location (routing's daily caps): a range scan, not a scan of the day
            models.Index(fields=["location", "created_at"], name="shipment_location_created"),
        ]
        permissions = [("work_shipments", "Can pick, pack and ship at their locations")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"SH-{self.pk:06d}" if self.pk else "SH-new"

    @property
    def packed_grams(self) -> int:
        """The weight of every box packed (0 before packing); uses prefetched boxes when there are."""
        return sum(box.weight_grams for box in self.packages.all())

    @property
    def box_count(self) -> int:
        return len(self.packages.all())


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="shipment_lines")
    sku = models.ForeignKey("inventory.SKU", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="shipmentline_quantity_gt_0")]

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.sku_id} x{self.quantity}"


class RoutingDecision(models.Model):
    """Why an order (or part of it) was sent where it was: the plan, its costs and the runners-up."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="routing_decisions")
    created_at = models.DateTimeField(auto_now_add=True)
    trigger = models.CharField(max_length=40, help_text="new order, re-route, rejection, stock receipt, ...")
    method = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=300)
    total_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    plan = models.JSONField(default=dict)
    alternatives = models.JSONField(default=list)
    elapsed_ms = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.reason}"


class Carrier(TimeStampedModel):
    """A parcel carrier (UPS, FedEx, USPS, a regional courier) with its services."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=80)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CarrierService(models.Model):
    """One service of a carrier (Ground, 2Day, Next Day Air) and the service level it fulfils."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="services")
    code = models.SlugField(max_length=30)
    name = models.CharField(max_length=80)
    level = models.CharField(max_length=10, help_text="standard, express, next_day or same_day")
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["carrier__code", "code"]
        constraints = [models.UniqueConstraint(fields=["carrier", "code"], name="carrierservice_unique_code")]

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.name}"


class RateCardRow(models.Model):
    """Price of a parcel by zone and weight for one service: up to `max_weight_grams`, costs `price`."""

    service = models.ForeignKey(CarrierService, on_delete=models.CASCADE, related_name="rates")
    zone = models.PositiveSmallIntegerField(help_text="USPS-style zone 1-8 (by distance).")
    max_weight_grams = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["service", "zone", "max_weight_grams"]
        constraints = [
            models.UniqueConstraint(fields=["service", "zone", "max_weight_grams"], name="ratecard_unique_cell"),
            models.CheckConstraint(condition=Q(zone__gte=1, zone__lte=8), name="ratecard_zone_1_8"),
        ]

    def __str__(self) -> str:
        return f"{self.service} z{self.zone} ≤{self.max_weight_grams}g ${self.price}"


class TransitTime(models.Model):
    """Business days in transit for a service to a zone."""

    service = models.ForeignKey(CarrierService, on_delete=models.CASCADE, related_name="transit_times")
    zone = models.PositiveSmallIntegerField()
    days = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["service", "zone"]
        constraints = [models.UniqueConstraint(fields=["service", "zone"], name="transit_unique_zone")]

    def __str__(self) -> str:
        return f"{self.service} z{self.zone}: {self.days}d"


class ZoneBand(models.Model):
    """Distance bands that make zones: a destination up to `max_miles` away is in `zone`."""

    zone = models.PositiveSmallIntegerField(unique=True)
    max_miles = models.PositiveIntegerField(unique=True)

    class Meta:
        ordering = ["max_miles"]

    def __str__(self) -> str:
        return f"zone {self.zone} ≤ {self.max_miles} mi"


class CostSettings(models.Model):
    """The merchant's cost figures for routing (one row): handling, packages, penalties."""

    handling_warehouse = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("1.50"))
    handling_store = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("3.50"))
    handling_3pl = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("2.25"))
    handling_dropship = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("4.00"))
    package_cost = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.85"))
    late_penalty_per_day = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("5.00"))
    backorder_penalty_per_unit = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("25.00"))
    consolidation_handling_per_unit = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.50"),
        help_text="Handling of an inbound unit at a consolidation node that is not a hub (hubs have their own).",
    )
    consolidation_processing_days = models.PositiveSmallIntegerField(
        default=1, help_text="Days from the last inbound arrival at such a node until the parcel leaves."
    )

    class Meta:
        verbose_name_plural = "cost settings"
        permissions = [("manage_rates", "Can edit carriers, rate cards and routing rules")]

    def __str__(self) -> str:
        return "Routing cost settings"


class RoutingPolicy(models.Model):
    """The merchant's routing rules, for one channel or (channel empty) for every channel."""

    channel = models.OneToOneField(
        "channels.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="routing_policy"
    )
    excluded_locations = models.ManyToManyField("inventory.Location", blank=True, related_name="+")
    excluded_kinds = models.JSONField(default=list, blank=True, help_text='Location kinds never used, e.g. ["store"].')
    priority_tiers = models.JSONField(
        default=list, blank=True, help_text='Location codes by tier, e.g. [["dal-dc","reno-dc"],["chi-store"]].'
    )
    max_packages = models.PositiveSmallIntegerField(null=True, blank=True)
    keep_together = models.JSONField(
        default=list, blank=True, help_text='SKU groups, e.g. [["BED-FRAME","BED-SLATS"]].'
    )
    ship_from_store_radius_miles = models.PositiveIntegerField(null=True, blank=True)
    allow_consolidation = models.BooleanField(
        default=False,
        help_text="Instead of a split shipment, routing may transfer the missing units to one node and ship one "
        "parcel from there, when that is cheaper and keeps the promise.",
    )

    class Meta:
        verbose_name_plural = "routing policies"

    def __str__(self) -> str:
        return f"Routing policy for {self.channel or 'every channel'}"


class RoutingExclusion(models.Model):
    """A location that must not serve (the rest of) an order again, e.g. because it rejected it.

    Recorded on every rejection so routing can honour it (see `fulfillment.services.reroute`).
    """

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="routing_exclusions")
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    shipment = models.ForeignKey(Shipment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "location"], name="routingexclusion_unique_order_location"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} not from {self.location_id}"


# Store fulfillment (pickups, opening hours, ship-from-store settings), packing and package
# consolidation (lanes, hubs, parcels waiting at a node) live in their own modules; imported last
# because they refer to the models above.
from fulfillment.models.capacity import LOAD_SLOTS, LocationDayLoad  # noqa: E402
from fulfillment.models.consolidation import (  # noqa: E402
    ConsolidationHold,
    ConsolidationHub,
    ConsolidationLeg,
    ConsolidationLegLine,
    HoldStatus,
    LegStatus,
    LinehaulLane,
)
from fulfillment.models.pack_scans import PackScan  # noqa: E402
from fulfillment.models.packing import (  # noqa: E402
    Package,
    PackageStatus,
    PickList,
    PickListStatus,
    TrackingEvent,
    TrackingStatus,
)
from fulfillment.models.routing_terms import (  # noqa: E402
    ChannelLocationPool,
    LocationCostTerms,
    LocationSkuCost,
    ShadowPrice,
)
from fulfillment.models.stores import (  # noqa: E402
    OpeningHours,
    Pickup,
    PickupStatus,
    RejectReason,
    StoreClosure,
    StoreProfile,
)

__all__ = [
    "LOAD_SLOTS",
    "OPEN_SHIPMENT_STATUSES",
    "SHIPMENT_TRANSITIONS",
    "Carrier",
    "CarrierService",
    "ChannelLocationPool",
    "ConsolidationHold",
    "ConsolidationHub",
    "ConsolidationLeg",
    "ConsolidationLegLine",
    "CostSettings",
    "HoldStatus",
    "LegStatus",
    "LinehaulLane",
    "LocationCostTerms",
    "LocationDayLoad",
    "LocationSkuCost",
    "OpeningHours",
    "PackScan",
    "Package",
    "PackageStatus",
    "PickList",
    "PickListStatus",
    "Pickup",
    "PickupStatus",
    "RateCardRow",
    "RejectReason",
    "RoutingDecision",
    "RoutingExclusion",
    "RoutingPolicy",
    "ShadowPrice",
    "Shipment",
    "ShipmentLine",
    "ShipmentStatus",
    "StoreClosure",
    "StoreProfile",
    "TrackingEvent",
    "TrackingStatus",
    "TransitTime",
    "ZoneBand",
]
