"""Cycle count sessions: many SKUs of one location counted, then their variances approved.

A session lists the SKUs to count. Counters enter what they find; the on hand the system had
at that moment is stored with the count (`expected`), so stock that moves while the session
is open never turns into a false variance. A supervisor then approves the variances (all, or
line by line, with a reason above the session's threshold); approval posts them to the ledger
through `inventory.services.counts.stock_set_on_hand`, the one path that sets counted stock.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel
from inventory.models.stock import SKU, AdjustmentReason, Location, StockMovement


class CountSessionStatus(models.TextChoices):
    COUNTING = "counting", "Counting"
    SUBMITTED = "submitted", "Waiting for approval"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class CountSession(TimeStampedModel):
    """One count of many SKUs at one location, from counting to approved variances."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="count_sessions")
    status = models.CharField(
        max_length=16, choices=CountSessionStatus.choices, default=CountSessionStatus.COUNTING, db_index=True
    )
    scope = models.CharField(max_length=255, help_text="How the SKUs were chosen, in words.")
    note = models.CharField(max_length=255, blank=True)
    reason_above_units = models.PositiveIntegerField(
        "reason needed above (units)",
        default=5,
        help_text="A variance of more units than this (either way) needs a reason to be approved.",
    )
    reason_above_value = models.DecimalField(
        "reason needed above (value)",
        max_digits=12,
        decimal_places=2,
        default=Decimal("100.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="A variance worth more than this (either way) needs a reason to be approved.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"CC-{self.pk:05d}" if self.pk else "CC-new"


class CountLineStatus(models.TextChoices):
    PENDING = "pending", "Not counted"
    COUNTED = "counted", "Counted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class CountLine(models.Model):
    """One SKU of a count session: what was counted, what the system had then, and the decision."""

    session = models.ForeignKey(CountSession, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=CountLineStatus.choices, default=CountLineStatus.PENDING)
    counted = models.PositiveIntegerField(null=True, blank=True)
    expected = models.IntegerField(null=True, blank=True, help_text="On hand in the system when the line was counted.")
    unit_value = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    # The newest ledger row of the level when counted: rows after it are stock that moved since.
    ledger_mark = models.BigIntegerField(null=True, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    counted_at = models.DateTimeField(null=True, blank=True)
    reason_code = models.CharField(max_length=32, blank=True)
    decision_note = models.CharField(max_length=255, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    movement = models.ForeignKey(StockMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["sku__code"]
        constraints = [
            models.UniqueConstraint(fields=["session", "sku"], name="countline_unique_sku"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(counted__isnull=False, expected__isnull=False),
                name="countline_counted_has_expected",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.sku_id}"

    @property
    def variance(self) -> int | None:
        """Counted minus what the system had when counted; None until counted."""
        if self.counted is None or self.expected is None:
            return None
        return self.counted - self.expected

    @property
    def variance_value(self) -> Decimal | None:
        variance = self.variance
        return None if variance is None else self.unit_value * variance

    @property
    def reason_label(self) -> str:
        """The supervisor's reason in words, e.g. "Lost / missing"."""
        return AdjustmentReason(self.reason_code).label if self.reason_code in AdjustmentReason.values else ""

    @property
    def needs_reason(self) -> bool:
        """Whether approving this variance needs a reason (above the session's units or value threshold)."""
        variance = self.variance
        if not variance:
            return False
        value = abs(self.unit_value * variance)
        return abs(variance) > self.session.reason_above_units or value > self.session.reason_above_value
