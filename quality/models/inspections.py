"""Inspection rules, inspections with their units and photos, the quarantine lots and their dispositions.

Units that wait for an inspection or failed one sit in the location's quarantine bucket
(`inventory.StockLevel.quarantined`, moved there through the ledger); a `QuarantineLot` says which
units those are, why, and what became of them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel
from inventory.models import SKU, Location


class SampleMode(models.TextChoices):
    EVERY_UNIT = "all", "Every unit"
    UNITS = "units", "A number of units"
    PERCENT = "percent", "A percentage of the units"


class QcRule(TimeStampedModel):
    """When to inspect, how many units, and what to check.

    A rule applies to one SKU or every SKU (optionally only those priced at or above
    `min_unit_price`: high-value goods), at the locations it lists or at every location. A
    partner's rule is a rule listing the partner's locations. Where several rules fit, the most
    specific one wins (SKU and locations, then SKU, then locations, then neither), then the one
    that inspects more.
    """

    name = models.CharField(max_length=120)
    sku = models.ForeignKey(SKU, null=True, blank=True, on_delete=models.CASCADE, related_name="qc_rules")
    locations = models.ManyToManyField(Location, blank=True, related_name="qc_rules")
    min_unit_price = models.DecimalField(
        "minimum unit price",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Only SKUs priced at or above this (high-value goods). Empty: any price.",
    )
    on_inbound = models.BooleanField(
        "inspect inbound", default=True, help_text="Supplier receipts, transfers in, 3PL inbound."
    )
    before_ship = models.BooleanField("inspect before shipping", default=False)
    sample_mode = models.CharField(max_length=8, choices=SampleMode.choices, default=SampleMode.EVERY_UNIT)
    sample_size = models.PositiveIntegerField(default=1, help_text="Units, or percent, depending on the sample mode.")
    checklist = models.JSONField(default=list, help_text="The questions an inspector answers for each unit.")
    photograph_units = models.BooleanField(
        "photograph each unit", default=False, help_text="Units that pass get a photo request each."
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "QC rule"
        permissions = [
            ("inspect", "Can inspect units and dispose of quarantined ones"),
            ("photograph", "Can take and upload product photos"),
            ("manage_quality", "Can set QC rules, the defect policy, and approve photos"),
        ]

    def __str__(self) -> str:
        return self.name


class InspectionTrigger(models.TextChoices):
    INBOUND = "inbound", "Inbound receipt"
    BEFORE_SHIP = "before_ship", "Before shipping"


class InspectionStatus(models.TextChoices):
    OPEN = "open", "To inspect"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Units failed"


class Inspection(TimeStampedModel):
    """Units of one SKU at one location to inspect (a sample of a receipt, or a shipment's units).

    `held_quantity` units of an inbound sample wait in quarantine until the result is recorded.
    `origin` is where the goods came from (a transfer's source); defect rates count a unit
    against it, or against `location` when there is none.
    """

    rule = models.ForeignKey(QcRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="inspections")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="inspections")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="inspections")
    origin = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    trigger = models.CharField(max_length=12, choices=InspectionTrigger.choices)
    document_type = models.CharField(max_length=32, blank=True)
    document_id = models.CharField(max_length=64, blank=True)
    shipment = models.ForeignKey(
        "fulfillment.Shipment", null=True, blank=True, on_delete=models.CASCADE, related_name="inspections"
    )
    received_quantity = models.PositiveIntegerField()
    sample_quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    held_quantity = models.PositiveIntegerField(default=0)
    checklist = models.JSONField(default=list)
    status = models.CharField(
        max_length=8, choices=InspectionStatus.choices, default=InspectionStatus.OPEN, db_index=True
    )
    passed_units = models.PositiveIntegerField(default=0)
    failed_units = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspected_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["location", "status"], name="inspection_location_status")]
        constraints = [
            models.CheckConstraint(condition=Q(sample_quantity__gte=1), name="inspection_sample_gte_1"),
            models.CheckConstraint(
                condition=Q(passed_units__lte=F("sample_quantity")) & Q(failed_units__lte=F("sample_quantity")),
                name="inspection_results_within_sample",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"QC-{self.pk:05d}" if self.pk else "QC-new"

    @property
    def document_label(self) -> str:
        """The receipt's document as staff know it ("Transfer TR-00012", "po 4411"; a receipt typed in: "Receipt")."""
        if self.document_type in ("", "manual"):
            return "Receipt"
        if self.document_type == "transfer" and self.document_id:
            return f"Transfer TR-{int(self.document_id):05d}" if self.document_id.isdigit() else "Transfer"
        return f"{self.document_type} {self.document_id}".strip()


class InspectionUnit(models.Model):
    """One inspected unit: passed or failed, and which checklist questions it failed."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="units")
    number = models.PositiveIntegerField()
    passed = models.BooleanField()
    failed_checks = models.JSONField(default=list, help_text="The checklist questions this unit failed.")
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["inspection", "number"]
        constraints = [models.UniqueConstraint(fields=["inspection", "number"], name="inspectionunit_unique_number")]

    def __str__(self) -> str:
        return f"{self.inspection_id} unit {self.number}: {'pass' if self.passed else 'fail'}"


def _inspection_photo_path(instance: InspectionPhoto, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"quality/inspections/{instance.inspection_id}/{uuid.uuid4().hex}.{extension}"


class InspectionPhoto(models.Model):
    """A photo taken at an inspection (served only to staff who may see the inspection)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    unit = models.ForeignKey(InspectionUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    image = models.ImageField(upload_to=_inspection_photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=40)
    size_bytes = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200, blank=True)
    content_sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspection", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "content_sha256"], name="inspectionphoto_unique_content")
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}: {self.original_name or self.image.name}"


class QuarantineLot(models.Model):
    """Units of one SKU at one location in quarantine for one reason, until they are disposed of.

    `quantity_open` of them are still in the location's quarantine bucket.
    """

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="quarantine_lots")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="quarantine_lots")
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="quarantine_lots"
    )
    quantity = models.PositiveIntegerField()
    quantity_open = models.PositiveIntegerField()
    reason = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_open__lte=F("quantity")), name="quarantinelot_open_lte_qty")
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"QL-{self.pk:05d}" if self.pk else "QL-new"


class DispositionAction(models.TextChoices):
    RELEASE = "release", "Release to stock"
    SCRAP = "scrap", "Scrap"
    RETURN_TO_VENDOR = "return_to_vendor", "Return to vendor"


class Disposition(models.Model):
    """What became of some of a lot's units (each one a ledger movement with the lot as document)."""

    lot = models.ForeignKey(QuarantineLot, on_delete=models.CASCADE, related_name="dispositions")
    action = models.CharField(max_length=20, choices=DispositionAction.choices)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    vendor_reference = models.CharField(max_length=80, blank=True, help_text="RMA or claim number from the vendor.")
    note = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lot", "id"]

    def __str__(self) -> str:
        return f"{self.lot_id}: {self.action} x{self.quantity}"


class QualityPolicy(models.Model):
    """The merchant's defect policy (one row): exclude partner locations from routing above a defect rate."""

    exclude_above_percent = models.DecimalField(
        "exclude above defect rate (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="A partner location whose failed units exceed this share is not routed to. Empty: off.",
    )
    window_days = models.PositiveIntegerField("over the last (days)", default=30)
    minimum_units = models.PositiveIntegerField(
        "after at least (inspected units)", default=20, help_text="Fewer inspected units say too little to exclude."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "quality policy"

    def __str__(self) -> str:
        return "Quality policy"


class DefectExclusion(models.Model):
    """A location quality excluded from routing for its defect rate, and the routing policies it was added to.

    Only the policies recorded here are changed back when the rate drops: an exclusion staff
    set by hand is never lifted by quality.
    """

    location = models.OneToOneField(Location, on_delete=models.CASCADE, related_name="defect_exclusion")
    policies = models.ManyToManyField("fulfillment.RoutingPolicy", blank=True, related_name="+")
    inspected_units = models.PositiveIntegerField()
    failed_units = models.PositiveIntegerField()
    rate_percent = models.DecimalField(max_digits=5, decimal_places=2)
    since = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["location"]

    def __str__(self) -> str:
        return f"{self.location_id} excluded at {self.rate_percent}%"
