"""Product photography: requests for the photo station, and the photos it uploads for approval.

Photos are files on the configured storage (`STORAGES["default"]`), so any web node serves them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel
from inventory.models import SKU, Location
from quality.models.inspections import InspectionUnit


class PhotoReason(models.TextChoices):
    NEW_ITEM = "new_item", "New item"
    LISTING_REFRESH = "listing_refresh", "Listing refresh"
    INSPECTED_UNIT = "inspected_unit", "Inspected unit"


class PhotoRequestStatus(models.TextChoices):
    OPEN = "open", "To photograph"
    SUBMITTED = "submitted", "Awaiting approval"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class PhotoRequest(TimeStampedModel):
    """Photos wanted of a SKU (a new item, a listing refresh) or of one inspected unit."""

    sku = models.ForeignKey(SKU, on_delete=models.CASCADE, related_name="photo_requests")
    reason = models.CharField(max_length=20, choices=PhotoReason.choices)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Where the unit is."
    )
    inspection_unit = models.ForeignKey(
        InspectionUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="photo_requests"
    )
    note = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=12, choices=PhotoRequestStatus.choices, default=PhotoRequestStatus.OPEN, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One open request per SKU and reason (a second click, or a second trigger, finds the first).
            models.UniqueConstraint(
                fields=["sku", "reason"],
                condition=Q(status__in=["open", "submitted"], inspection_unit__isnull=True),
                name="photorequest_one_open_per_sku_reason",
            ),
            models.UniqueConstraint(fields=["inspection_unit"], name="photorequest_one_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.reason} ({self.status})"


class PhotoStatus(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


def _product_photo_path(instance: ProductPhoto, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"quality/skus/{instance.sku_id}/{uuid.uuid4().hex}.{extension}"


class ProductPhoto(models.Model):
    """A photo of a SKU (or of one inspected unit of it): pending until approved or rejected.

    The same file is kept once per SKU. At most one approved photo per SKU is its primary image,
    the one the back office shows for it.
    """

    sku = models.ForeignKey(SKU, on_delete=models.CASCADE, related_name="photos")
    request = models.ForeignKey(PhotoRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    inspection_unit = models.ForeignKey(
        InspectionUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="product_photos"
    )
    image = models.ImageField(upload_to=_product_photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=40)
    size_bytes = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200, blank=True)
    content_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=PhotoStatus.choices, default=PhotoStatus.PENDING, db_index=True)
    is_primary = models.BooleanField(default=False)
    rejection_reason = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sku", "-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "content_sha256"], name="productphoto_unique_content"),
            models.UniqueConstraint(fields=["sku"], condition=Q(is_primary=True), name="productphoto_one_primary"),
            models.CheckConstraint(
                condition=Q(is_primary=False) | Q(status="approved"), name="productphoto_primary_is_approved"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.original_name or self.image.name} ({self.status})"
