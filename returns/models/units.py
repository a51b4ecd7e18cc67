"""Received units and what inspection decided for them, their photos, and the return-to-vendor documents."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel
from returns.models.authorizations import ReturnAuthorization, ReturnLine


class Condition(models.TextChoices):
    NEW = "new", "New, unopened"
    OPENED = "opened", "Opened, as new"
    DAMAGED = "damaged", "Damaged"
    DEFECTIVE = "defective", "Defective"


class Disposition(models.TextChoices):
    RESTOCK = "restock", "Restock (sellable)"
    REFURBISH = "refurbish", "Refurbish"
    SCRAP = "scrap", "Scrap"
    VENDOR = "vendor", "Return to vendor"
    TRANSFER = "transfer", "Transfer to another location"


class ReturnUnit(models.Model):
    """One received unit, inspected once: its condition and where it went.

    Refurbish units stay in the returns app's non-sellable bucket (`restocked_at` empty) until
    a staff action restocks them through the ledger.
    """

    rma = models.ForeignKey(ReturnAuthorization, on_delete=models.CASCADE, related_name="units")
    line = models.ForeignKey(ReturnLine, on_delete=models.CASCADE, related_name="units")
    sequence = models.PositiveSmallIntegerField(help_text="1, 2, ... within the line.")
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    condition = models.CharField(max_length=10, choices=Condition.choices, blank=True)
    disposition = models.CharField(max_length=10, choices=Disposition.choices, blank=True, db_index=True)
    note = models.CharField(max_length=300, blank=True)
    scrap_reason = models.CharField(max_length=200, blank=True)
    transfer = models.ForeignKey(
        "inventory.Transfer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vendor_return = models.ForeignKey(
        "returns.VendorReturn", null=True, blank=True, on_delete=models.SET_NULL, related_name="units"
    )
    inspected_at = models.DateTimeField(null=True, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    restocked_at = models.DateTimeField(null=True, blank=True, help_text="When it went back to sellable stock.")

    class Meta:
        ordering = ["rma", "line", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["line", "sequence"], name="returnunit_unique_sequence"),
            models.CheckConstraint(
                condition=~Q(disposition="scrap") | ~Q(scrap_reason=""), name="returnunit_scrap_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["location", "disposition"], name="returnunit_location_disp")]

    def __str__(self) -> str:
        return f"{self.rma_id}/{self.line_id}#{self.sequence}"

    @property
    def inspected(self) -> bool:
        return bool(self.disposition)

    @property
    def in_refurbish_bucket(self) -> bool:
        return self.disposition == Disposition.REFURBISH and self.restocked_at is None


def _photo_path(instance: ReturnPhoto, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"returns/{instance.rma_id}/{secrets.token_hex(8)}.{suffix}"


class ReturnPhoto(models.Model):
    """A photo taken at inspection, stored with the return (served only to staff who may see it)."""

    rma = models.ForeignKey(ReturnAuthorization, on_delete=models.CASCADE, related_name="photos")
    unit = models.ForeignKey(ReturnUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    image = models.ImageField(upload_to=_photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=40)
    size_bytes = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200, blank=True)
    content_sha256 = models.CharField(
        max_length=64, blank=True, help_text="The file's SHA-256: the same photo is kept once per return."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rma", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rma", "content_sha256"], condition=~Q(content_sha256=""), name="returnphoto_unique_content"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rma_id}: {self.original_name or self.image.name}"


class VendorReturnStatus(models.TextChoices):
    OPEN = "open", "Collecting units"
    SHIPPED = "shipped", "Shipped to vendor"


class VendorReturn(TimeStampedModel):
    """A return-to-vendor document: units collected at one location for one vendor, then shipped."""

    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="vendor_returns")
    vendor = models.CharField(max_length=120)
    status = models.CharField(
        max_length=8, choices=VendorReturnStatus.choices, default=VendorReturnStatus.OPEN, db_index=True
    )
    reference = models.CharField(max_length=100, blank=True, help_text="The vendor's RA number or tracking.")
    shipped_at = models.DateTimeField(null=True, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "vendor"],
                condition=Q(status="open"),
                name="vendorreturn_one_open_per_vendor",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"RTV-{self.pk:05d}" if self.pk else "RTV-new"
