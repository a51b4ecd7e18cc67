"""What a transfer's receipt found wrong: units short, over or damaged, who recorded it and why.

The stock itself moves in the ledger (`inventory.services.transfers.transfer_receive`); a
discrepancy row is the audit record a person reads: expected against received, the reason
typed at the dock, and the ledger rows of the same transfer document show the units.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from inventory.models.stock import Transfer, TransferLine


class DiscrepancyKind(models.TextChoices):
    SHORT = "short", "Short (never arrived)"
    OVER = "over", "Over (more than shipped)"
    DAMAGED = "damaged", "Damaged on arrival"


class TransferDiscrepancy(models.Model):
    """One difference between what a transfer line shipped and what its destination received."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="discrepancies")
    line = models.ForeignKey(TransferLine, on_delete=models.CASCADE, related_name="discrepancies")
    kind = models.CharField(max_length=16, choices=DiscrepancyKind.choices)
    quantity = models.PositiveIntegerField()
    expected = models.PositiveIntegerField(help_text="Units the line shipped.")
    received = models.PositiveIntegerField(help_text="Good units received on the line when this was recorded.")
    note = models.CharField(max_length=255)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="transferdiscrepancy_quantity_gt_0")]

    def __str__(self) -> str:
        return f"{self.transfer_id}: {self.kind} {self.quantity}"
