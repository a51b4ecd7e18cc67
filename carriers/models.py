"""Carrier accounts a location may ship with, the boxes it packs into, end-of-day manifests and
the webhook events already taken (deduplication).

Labels themselves are rows of `fulfillment.Package` (one per box); this app knows carriers,
not orders.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel
from inventory.models import Location


class Provider(models.TextChoices):
    EASYPOST = "easypost", "EasyPost"
    SHIPPO = "shippo", "Shippo"
    UPS = "ups", "UPS"
    BUILTIN = "builtin", "Built-in test carrier"


class LabelFormat(models.TextChoices):
    PDF = "pdf", "PDF (4x6)"
    ZPL = "zpl", "ZPL (thermal printer)"


class CarrierAccount(TimeStampedModel):
    """One account with a carrier or an aggregator, and the locations allowed to ship with it.

    `base_url` blank means the provider's production address; `sandbox://<name>` is served by the
    in-product sandbox of that provider. Credentials are encrypted (`core.crypto`).
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    provider = models.CharField(max_length=16, choices=Provider.choices)
    base_url = models.CharField(max_length=300, blank=True)
    credentials = models.TextField(blank=True, help_text="Encrypted; see core.crypto.")
    locations = models.ManyToManyField(Location, blank=True, related_name="carrier_accounts")
    label_format = models.CharField(max_length=8, choices=LabelFormat.choices, default=LabelFormat.PDF)
    is_active = models.BooleanField("active", default=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True)
    last_check_message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        permissions = [("manage_carrier_accounts", "Can manage carrier accounts")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()})"


class BoxType(models.Model):
    """A box a location packs into: inner dimensions (cm), its own weight and the most it holds."""

    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="box_types",
        help_text="Blank: every location may use it.",
    )
    name = models.CharField(max_length=80)
    length_cm = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))])
    width_cm = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))])
    height_cm = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))])
    tare_grams = models.PositiveIntegerField(default=0)
    max_weight_grams = models.PositiveIntegerField(default=30_000)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["length_cm", "width_cm", "height_cm", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(length_cm__gt=0) & Q(width_cm__gt=0) & Q(height_cm__gt=0), name="boxtype_dims_gt_0"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.length_cm} x {self.width_cm} x {self.height_cm} cm)"


class Manifest(models.Model):
    """The end-of-day form for one account at one location: the labels it covers can no longer be voided."""

    account = models.ForeignKey(CarrierAccount, on_delete=models.PROTECT, related_name="manifests")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="manifests")
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)
    provider_id = models.CharField(max_length=80, blank=True)
    parcels = models.PositiveIntegerField(default=0)
    document = models.FileField(upload_to="manifests/%Y/%m/", blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"MF-{self.pk:06d}" if self.pk else "MF-new"

    @property
    def number(self) -> str:
        return str(self)


class WebhookEvent(models.Model):
    """A carrier webhook already taken: the same event delivered again changes nothing."""

    account = models.ForeignKey(CarrierAccount, on_delete=models.CASCADE, related_name="webhook_events")
    event_id = models.CharField(max_length=120)
    tracking_number = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "event_id"], name="carrier_webhookevent_unique")]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.event_id}"
