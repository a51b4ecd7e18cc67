"""The refund a return gives, recorded for the channel to execute."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel
from returns.models.authorizations import ReturnAuthorization


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending to channel"
    SENT = "sent", "Sent to channel"
    EXECUTED = "executed", "Executed"
    FAILED = "failed", "Failed"


class Refund(TimeStampedModel):
    """The money a return gives back, computed by `returns.refunds`, for the channel to execute.

    `returns.services.refund_dispatch` is the one place that hands it to the channel.
    """

    rma = models.OneToOneField(ReturnAuthorization, on_delete=models.PROTECT, related_name="refund")
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    items_amount = models.DecimalField(max_digits=12, decimal_places=2)
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    restocking_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    return_shipping = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    breakdown = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    channel_reference = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="refund_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} for {self.rma_id}"
