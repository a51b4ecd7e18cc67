"""Returns: policies, return authorisations (RMAs), their lines and units, refunds, vendor returns.

A return authorisation moves along `RETURN_TRANSITIONS` (enforced by
`returns.services.rma_transition`): requested -> authorized -> in_transit -> received ->
inspected -> refunded / exchanged -> closed, or rejected / cancelled before anything arrived.
Every received unit is one `ReturnUnit`, inspected once: its condition and its disposition
(restock, refurbish, scrap, return to vendor, transfer). Units that go back to sellable stock
do so only through `inventory.services` (ledger kind `return_restock`).
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from core.models import TimeStampedModel


class OutOfWindow(models.TextChoices):
    REFUSE = "refuse", "Refuse"
    HOLD = "hold", "Hold for staff approval"


class ReturnPolicy(TimeStampedModel):
    """How a channel takes returns (channel empty: every channel without its own policy)."""

    channel = models.OneToOneField(
        "channels.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="return_policy"
    )
    window_days = models.PositiveSmallIntegerField(
        default=30, validators=[MaxValueValidator(3650)], help_text="Days from delivery the customer may return."
    )
    late_action = models.CharField(
        "after the window",
        max_length=8,
        choices=OutOfWindow.choices,
        default=OutOfWindow.REFUSE,
        help_text="What happens to a request after the window (up to the grace days when held).",
    )
    grace_days = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(365)],
        help_text="Days after the window during which a late request is held for approval instead of refused.",
    )
    non_returnable_skus = models.ManyToManyField("inventory.SKU", blank=True, related_name="+")
    restocking_fee_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent of the item price kept on units whose reason or condition carries the fee.",
    )
    fee_on_opened = models.BooleanField(
        default=False, help_text="Also charge the restocking fee on units inspected as opened."
    )
    refund_tax = models.BooleanField(default=True, help_text="Refund the order's tax in proportion to the items.")
    instant_exchange_min_orders = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Customers with at least this many delivered orders on the channel get their exchange shipped "
        "at once; empty: exchanges ship when the return is received.",
    )

    class Meta:
        verbose_name_plural = "return policies"
        permissions = [("manage_return_policies", "Can edit return policies and reasons")]
        constraints = [
            # One default policy (channel empty): COALESCE makes the empty channel a value the index compares.
            models.UniqueConstraint(Coalesce("channel", Value(0)), name="returnpolicy_one_default"),
        ]

    def __str__(self) -> str:
        return f"Return policy for {self.channel or 'every channel'}"


class ReturnReason(models.Model):
    """A reason a customer may give, under one policy, and what it costs them."""

    policy = models.ForeignKey(ReturnPolicy, on_delete=models.CASCADE, related_name="reasons")
    code = models.SlugField(max_length=32)
    label = models.CharField(max_length=80)
    customer_pays_shipping = models.BooleanField(default=False)
    restocking_fee = models.BooleanField(default=False, help_text="Units returned for this reason carry the fee.")
    needs_approval = models.BooleanField(default=False, help_text="Requests with this reason wait for staff.")
    is_active = models.BooleanField("offered", default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["policy", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["policy", "code"], name="returnreason_unique_code")]

    def __str__(self) -> str:
        return self.label


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
        from django.urls import reverse

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
