"""Return authorisations (RMAs): their statuses and transitions, their lines and the carrier's scans."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from core.models import TimeStampedModel
from returns.models.policies import ReturnPolicy, ReturnReason


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    AUTHORIZED = "authorized", "Authorized"
    IN_TRANSIT = "in_transit", "In transit"
    RECEIVED = "received", "Received"
    INSPECTED = "inspected", "Inspected"
    REFUNDED = "refunded", "Refunded"
    EXCHANGED = "exchanged", "Exchanged"
    CLOSED = "closed", "Closed"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


_R = ReturnStatus
RETURN_TRANSITIONS: dict[str, frozenset[str]] = {
    _R.REQUESTED: frozenset({_R.AUTHORIZED, _R.REJECTED, _R.CANCELLED}),
    _R.AUTHORIZED: frozenset({_R.IN_TRANSIT, _R.RECEIVED, _R.CANCELLED}),
    _R.IN_TRANSIT: frozenset({_R.RECEIVED, _R.CANCELLED}),
    _R.RECEIVED: frozenset({_R.INSPECTED}),
    _R.INSPECTED: frozenset({_R.REFUNDED, _R.EXCHANGED, _R.CLOSED}),
    _R.REFUNDED: frozenset({_R.CLOSED}),
    _R.EXCHANGED: frozenset({_R.REFUNDED, _R.CLOSED}),
    _R.CLOSED: frozenset(),
    _R.REJECTED: frozenset(),
    _R.CANCELLED: frozenset(),
}
#: Returns whose units are still expected (their requested quantity counts against the order).
EXPECTED_STATUSES = frozenset({_R.REQUESTED, _R.AUTHORIZED, _R.IN_TRANSIT})
#: Returns that arrived (what was received counts against the order).
ARRIVED_STATUSES = frozenset({_R.RECEIVED, _R.INSPECTED, _R.REFUNDED, _R.EXCHANGED, _R.CLOSED})
#: Returns a location can still receive.
RECEIVABLE_STATUSES = frozenset({_R.AUTHORIZED, _R.IN_TRANSIT})


class ReturnSource(models.TextChoices):
    STAFF = "staff", "Staff"
    API = "api", "Channel API"
    SELF_SERVICE = "self_service", "Customer self-service"
    IN_STORE = "in_store", "Store counter"


class ReturnMethod(models.TextChoices):
    MAIL = "mail", "Prepaid label"
    IN_STORE = "in_store", "In store"


def _public_token() -> str:
    return secrets.token_urlsafe(18)


class ReturnAuthorization(TimeStampedModel):
    """One return of (part of) one order: its lines, where it goes, its label and its outcome."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="returns")
    policy = models.ForeignKey(ReturnPolicy, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED, db_index=True
    )
    source = models.CharField(max_length=16, choices=ReturnSource.choices)
    method = models.CharField(max_length=10, choices=ReturnMethod.choices, default=ReturnMethod.MAIL)
    hold_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the request waits for staff approval (outside policy)."
    )
    decision_note = models.CharField(max_length=300, blank=True)
    return_location = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="returns"
    )
    routing_reason = models.CharField(max_length=300, blank=True)
    carrier = models.CharField(max_length=40, blank=True)
    service = models.CharField(max_length=40, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True, db_index=True)
    label_format = models.CharField(max_length=8, blank=True)
    label_data = models.TextField(blank=True)
    label_rate = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    label_created_at = models.DateTimeField(null=True, blank=True)
    label_error = models.CharField(max_length=300, blank=True)
    estimated_arrival = models.DateField(null=True, blank=True)
    weight_grams = models.PositiveIntegerField(default=0)
    exchange_order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="exchange_for"
    )
    customer_note = models.CharField(max_length=500, blank=True)
    public_token = models.CharField(max_length=32, unique=True, default=_public_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_label = models.CharField(max_length=120, blank=True, help_text="Who asked, when not a staff user.")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspected_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["return_location", "status"], name="rma_location_status"),
            models.Index(fields=["order", "status"], name="rma_order_status"),
        ]
        permissions = [
            ("approve_return", "Can approve, reject, cancel and close returns"),
            ("receive_return", "Can receive and inspect returns at their locations"),
            ("counter_return", "Can take returns at a store counter"),
            ("manage_refunds", "Can record and retry refunds"),
        ]
        verbose_name = "return authorization"

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The RMA number on the label and the parcel, e.g. RMA-000042 (its barcode)."""
        return f"RMA-{self.pk:06d}" if self.pk else "RMA-new"

    def get_absolute_url(self) -> str:
        return reverse("returns:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status not in (ReturnStatus.CLOSED, ReturnStatus.REJECTED, ReturnStatus.CANCELLED)

    @property
    def needs_approval(self) -> bool:
        return self.status == ReturnStatus.REQUESTED and bool(self.hold_reason)


class ReturnLine(models.Model):
    """Units of one order line coming back, why, and (for an exchange) what the customer wants instead."""

    rma = models.ForeignKey(ReturnAuthorization, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="return_lines")
    sku = models.ForeignKey("inventory.SKU", on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    quantity_received = models.PositiveIntegerField(default=0)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.ForeignKey(ReturnReason, on_delete=models.PROTECT, related_name="lines")
    exchange_sku = models.ForeignKey(
        "inventory.SKU", null=True, blank=True, on_delete=models.PROTECT, related_name="exchange_lines"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["rma", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="returnline_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity")), name="returnline_received_lte_quantity"
            ),
            models.UniqueConstraint(fields=["rma", "order_line"], name="returnline_unique_order_line"),
        ]

    def __str__(self) -> str:
        return f"{self.rma_id}: {self.sku_id} x{self.quantity}"

    @property
    def is_exchange(self) -> bool:
        return self.exchange_sku_id is not None


class ReturnTrackingEvent(models.Model):
    """A carrier scan of a return parcel; each status once."""

    rma = models.ForeignKey(ReturnAuthorization, on_delete=models.CASCADE, related_name="tracking_events")
    status = models.CharField(max_length=20)
    occurred_at = models.DateTimeField()
    description = models.CharField(max_length=255, blank=True)
    location = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["rma", "occurred_at", "id"]
        constraints = [models.UniqueConstraint(fields=["rma", "status"], name="returntracking_unique_status")]

    def __str__(self) -> str:
        return f"{self.rma_id} {self.status}"
