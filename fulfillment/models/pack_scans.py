"""The packing bench's scans, kept on the server while a shipment is being packed.

A reload, a dropped connection or another device at the bench resumes from "2 of 3 scanned"
instead of starting over. The rows are the bench's working state: packing the shipment moves
its codes onto the boxes (`Package.scanned`) and clears them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fulfillment.models import Shipment


class PackScan(models.Model):
    """One unit scanned into a box of a shipment being packed."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="pack_scans")
    box_number = models.PositiveSmallIntegerField(default=1)
    code = models.CharField(max_length=100, help_text="The barcode or SKU code as scanned.")
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scanned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=models.Q(box_number__gte=1), name="pack_scan_box_from_1")]

    def __str__(self) -> str:
        return f"{self.shipment_id} box {self.box_number}: {self.code}"
