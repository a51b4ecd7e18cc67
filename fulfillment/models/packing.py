"""Work at a location: pick lists, the boxes a shipment is packed into (each with its label), and tracking."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.db.models import Q

from fulfillment.models import Shipment


class PickListStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class PickList(models.Model):
    """A batch of accepted shipments at one location, picked in one walk (printable)."""

    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="picklists")
    shipments = models.ManyToManyField(Shipment, related_name="picklists")
    status = models.CharField(max_length=8, choices=PickListStatus.choices, default=PickListStatus.OPEN, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["location", "status"], name="picklist_location_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The number printed on the list, e.g. PL-000042."""
        return f"PL-{self.pk:06d}" if self.pk else "PL-new"


#: Public tracking pages of the national carriers, by the carrier name a label carries.
PUBLIC_TRACKING_PAGES = {
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "ups": "https://www.ups.com/track?tracknum={}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={}",
    "dhl": "https://www.dhl.com/en/express/tracking.html?AWB={}",
}


class PackageStatus(models.TextChoices):
    PACKED = "packed", "Packed"
    BUYING = "buying", "Buying label"  # a purchase is in flight or timed out: look it up before retrying
    LABELLED = "labelled", "Label bought"
    VOID_PENDING = "void_pending", "Void requested"
    VOIDED = "voided", "Voided"


class Package(models.Model):
    """One box of a shipment: what was scanned into it, its size and weight, and its label once bought.

    A shipment has one or more boxes (`box_number` 1, 2, ...), each with its own label and
    tracking number. Packing again after a re-pick replaces the boxes and drops labels not used.
    Labels are files on the configured storage (`label_file`); `label_data` keeps ZPL text too.
    """

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="packages")
    box_number = models.PositiveSmallIntegerField(default=1)
    box_type = models.ForeignKey("carriers.BoxType", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    length_cm = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal(0))
    width_cm = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal(0))
    height_cm = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal(0))
    weight_grams = models.PositiveIntegerField()
    scanned = models.JSONField(default=list, help_text="The codes scanned into this box, in order.")
    packed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    packed_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=PackageStatus.choices, default=PackageStatus.PACKED)
    account = models.ForeignKey(
        "carriers.CarrierAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="packages",
        help_text="The carrier account the label was bought on (blank: the built-in carrier).",
    )
    carrier = models.CharField(max_length=40, blank=True)
    service = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True, db_index=True)
    tracking_url = models.URLField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=80, blank=True)
    purchase_quote = models.JSONField(
        default=dict, blank=True, help_text="The rate being bought (to look it up after a timeout)."
    )
    provider_shipment_id = models.CharField(max_length=80, blank=True)
    provider_label_id = models.CharField(max_length=80, blank=True)
    label_format = models.CharField(max_length=8, blank=True, help_text="zpl, pdf or png")
    label_data = models.TextField(blank=True, help_text="ZPL text, when the label is ZPL.")
    label_file = models.FileField(upload_to="labels/%Y/%m/", blank=True)
    label_rate = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    label_currency = models.CharField(max_length=3, blank=True, default="USD")
    label_created_at = models.DateTimeField(null=True, blank=True)
    return_tracking_number = models.CharField(max_length=64, blank=True)
    return_label_file = models.FileField(upload_to="labels/returns/%Y/%m/", blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    refund_status = models.CharField(max_length=20, blank=True)
    refund_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    manifest = models.ForeignKey(
        "carriers.Manifest", null=True, blank=True, on_delete=models.SET_NULL, related_name="packages"
    )
    tracking_status = models.CharField(max_length=20, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shipment_id", "box_number"]
        constraints = [
            models.CheckConstraint(condition=Q(weight_grams__gt=0), name="package_weight_gt_0"),
            models.UniqueConstraint(fields=["shipment", "box_number"], name="package_unique_box"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}/{self.box_number}: {self.weight_grams} g {self.tracking_number}".strip()

    @property
    def public_tracking_url(self) -> str:
        """Where a person follows the parcel: the carrier's link, else its public tracking page."""
        if self.tracking_url:
            return self.tracking_url
        page = PUBLIC_TRACKING_PAGES.get(self.carrier.lower())
        return page.format(quote(self.tracking_number)) if page and self.tracking_number else ""


class TrackingStatus(models.TextChoices):
    LABEL_CREATED = "label_created", "Label created"
    PICKED_UP = "picked_up", "Picked up"
    IN_TRANSIT = "in_transit", "In transit"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    EXCEPTION = "exception", "Exception"
    RETURN_TO_SENDER = "return_to_sender", "Returned to sender"


class TrackingEvent(models.Model):
    """One scan event the carrier reported for a parcel; each status is stored once per parcel."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_events")
    package = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.CASCADE, related_name="tracking_events"
    )
    occurred_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=TrackingStatus.choices)
    description = models.CharField(max_length=255, blank=True)
    location = models.CharField(max_length=120, blank=True, help_text="Where the carrier scanned it (free text).")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shipment", "occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "status"],
                condition=Q(package__isnull=True),
                name="trackingevent_unique_shipment_status",
            ),
            models.UniqueConstraint(
                fields=["package", "status"],
                condition=Q(package__isnull=False),
                name="trackingevent_unique_package_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.status} @ {self.occurred_at:%Y-%m-%d %H:%M}"
