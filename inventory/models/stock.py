"""Locations, SKUs, stock levels and the append-only stock ledger.

Stock levels are only ever changed by `inventory.services` (row locks in pk order,
`F()` updates, one ledger row per change in the same transaction). The database itself
refuses a level with reserved > on_hand or any negative quantity.
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone as dj_timezone

from core.models import TimeStampedModel
from core.roles import STORE_ASSOCIATE


def validate_timezone(value: str) -> None:
    """Refuse anything that is not an IANA time zone name such as America/Chicago."""
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not a time zone; use a name such as America/Chicago.")


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", "Warehouse"
    STORE = "store", "Store"
    THIRD_PARTY = "3pl", "3PL warehouse"
    DROPSHIP_SUPPLIER = "dropship_supplier", "Dropship supplier"


class Location(TimeStampedModel):
    """A place that holds stock: a warehouse, a store, a 3PL or a dropship supplier."""

    code = models.SlugField(max_length=32, unique=True, help_text="Short unique code, e.g. DAL-DC.")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=32, choices=LocationKind.choices, db_index=True)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(
        max_length=2,
        default="US",
        help_text="ISO 3166-1 alpha-2 code.",
        validators=[RegexValidator(r"^[A-Z]{2}$", "Use a two-letter country code such as US.")],
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    timezone = models.CharField(max_length=64, default="America/New_York", validators=[validate_timezone])
    ships_orders = models.BooleanField(default=True)
    offers_pickup = models.BooleanField(default=False)
    accepts_returns = models.BooleanField(default=False)
    ship_from_store = models.BooleanField(default=False)
    daily_order_capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Orders per day this location can ship; empty means no limit."
    )
    order_cutoff_time = models.TimeField(
        null=True, blank=True, help_text="Local time after which new orders ship the next working day."
    )
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="Lower numbers are preferred when costs are equal."
    )
    is_active = models.BooleanField("active", default=True, db_index=True)

    class Meta:
        ordering = ["code"]
        permissions = [
            ("access_all_locations", "Can see and work on every location"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class SKU(TimeStampedModel):
    """A stock-keeping unit: one sellable item."""

    code = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(max_length=200)
    barcode = models.CharField(
        "barcode (GTIN)",
        max_length=14,
        blank=True,
        db_index=True,
        validators=[RegexValidator(r"^(\d{8}|\d{12,14})$", "A GTIN has 8, 12, 13 or 14 digits.")],
    )
    weight_grams = models.PositiveIntegerField(default=0)
    length_mm = models.PositiveIntegerField(default=0)
    width_mm = models.PositiveIntegerField(default=0)
    height_mm = models.PositiveIntegerField(default=0)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default="USD")
    is_active = models.BooleanField("active", default=True, db_index=True)
    # Customs data, required on international labels.
    hs_code = models.CharField(
        "HS code",
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{6,10}$", "An HS tariff code has 6 to 10 digits.")],
    )
    origin_country = models.CharField("country of origin", max_length=2, blank=True)
    customs_value = models.DecimalField(
        "customs value per unit",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    customs_description = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "SKU"
        verbose_name_plural = "SKUs"
        permissions = [
            ("adjust_stock", "Can receive and adjust stock"),
            ("count_stock", "Can record cycle counts"),
            ("reserve_stock", "Can reserve and release stock"),
            ("import_stock", "Can import stock from CSV"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class StockLevel(models.Model):
    """On hand, reserved, in-transit and quarantined units of one SKU at one location.

    Available-to-promise (ATP) = max(on_hand - reserved - safety_stock, 0).
    `in_transit` counts units shipped by a transfer towards this location, not yet received.
    `quarantined` counts units set apart by quality control (held for inspection, or failed
    and waiting for a disposition). They are not part of `on_hand`: quarantining moves units
    out of on hand, so every ATP formula leaves them out without knowing about them.
    """

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    safety_stock = models.IntegerField(default=0)
    in_transit = models.IntegerField(default=0)
    quarantined = models.IntegerField(default=0, db_default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "sku"], name="stocklevel_unique_location_sku"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stocklevel_reserved_gte_0"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stocklevel_reserved_lte_on_hand"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stocklevel_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(safety_stock__gte=0), name="stocklevel_safety_stock_gte_0"),
            models.CheckConstraint(condition=Q(in_transit__gte=0), name="stocklevel_in_transit_gte_0"),
            models.CheckConstraint(condition=Q(quarantined__gte=0), name="stocklevel_quarantined_gte_0"),
        ]
        indexes = [models.Index(fields=["sku", "location"], name="stocklevel_sku_location")]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.location_id}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> int:
        """Available-to-promise units."""
        return max(self.on_hand - self.reserved - self.safety_stock, 0)

    @property
    def is_low(self) -> bool:
        return self.on_hand > 0 and self.available <= self.safety_stock


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    ADJUSTMENT = "adjustment", "Adjustment"
    COUNT = "count", "Cycle count"
    RESERVE = "reserve", "Reserve"
    RELEASE = "release", "Release"
    SHIP = "ship", "Ship"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_DISPATCHED = "transfer_dispatched", "Transfer on its way in"
    TRANSFER_IN = "transfer_in", "Transfer in"
    RETURN_RESTOCK = "return_restock", "Return restock"
    SAFETY_STOCK = "safety_stock", "Safety stock change"
    # Quality control: units leave on hand for the quarantine bucket, and leave it by one of three ways.
    QUARANTINE = "quarantine", "Quarantine"
    QUARANTINE_RELEASE = "quarantine_release", "Released from quarantine"
    QUARANTINE_SCRAP = "quarantine_scrap", "Scrapped from quarantine"
    RETURN_TO_VENDOR = "return_to_vendor", "Returned to vendor"
    # A dropship supplier tells us what it holds (portal CSV, API, EDI 846): on hand is set to it.
    SUPPLIER_FEED = "supplier_feed", "Supplier inventory feed"


class AdjustmentReason(models.TextChoices):
    DAMAGED = "damaged", "Damaged"
    LOST = "lost", "Lost / missing"
    FOUND = "found", "Found"
    EXPIRED = "expired", "Expired"
    THEFT = "theft", "Theft"
    CORRECTION = "correction", "Data correction"
    SAMPLE = "sample", "Sample / marketing use"


class StockMovement(models.Model):
    """One append-only ledger row: a change of on_hand, reserved, in_transit or quarantined.

    Stores the deltas and the resulting levels, so replaying the rows of a (location, SKU)
    in id order reproduces its current level. PostgreSQL refuses UPDATE and DELETE on this
    table (trigger installed by migration).
    """

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=32, choices=MovementKind.choices, db_index=True)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    in_transit_delta = models.IntegerField(default=0)
    on_hand_after = models.IntegerField()
    reserved_after = models.IntegerField()
    in_transit_after = models.IntegerField(default=0)
    quarantined_delta = models.IntegerField(default=0, db_default=0)
    quarantined_after = models.IntegerField(default=0, db_default=0)
    reason_code = models.CharField(max_length=32, blank=True)
    note = models.CharField(max_length=255, blank=True)
    document_type = models.CharField(max_length=32, blank=True)
    document_id = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["sku", "location", "id"], name="movement_sku_location_id"),
            models.Index(fields=["document_type", "document_id"], name="movement_document"),
        ]

    def __str__(self) -> str:
        deltas = f"on_hand{self.on_hand_delta:+d} reserved{self.reserved_delta:+d}"
        return f"{self.kind} {self.sku_id}@{self.location_id} {deltas}"

    @property
    def document_label(self) -> str:
        return f"{self.document_type} {self.document_id}".strip()


class LocationAccess(models.Model):
    """Grants a user (warehouse operator, store associate) access to one location.

    Users with `inventory.access_all_locations` see every location and need no rows here.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="location_access")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="staff_access")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "location"], name="locationaccess_unique")]
        verbose_name_plural = "location access"

    def __str__(self) -> str:
        return f"{self.user_id} → {self.location_id}"

    def clean(self) -> None:
        """A store associate works in exactly one store (also enforced for admin edits)."""

        if not self.user_id or not self.location_id:
            return
        if not self.user.groups.filter(name=STORE_ASSOCIATE).exists():
            return
        if self.location.kind != LocationKind.STORE:
            raise ValidationError({"location": "A store associate can only be given a store."})
        others = LocationAccess.objects.filter(user_id=self.user_id).exclude(pk=self.pk)
        if others.exists():
            raise ValidationError({"location": "A store associate works in exactly one store; remove the other first."})


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    SHIPPED = "shipped", "In transit"
    # Some units received, the rest still on their way (received later, or closed as a discrepancy).
    PARTIALLY_RECEIVED = "partially_received", "Partially received"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


class Transfer(TimeStampedModel):
    """Moves stock between two locations: requested (reserved at source) → shipped → received."""

    source = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="transfers_out")
    destination = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="transfers_in")
    status = models.CharField(
        max_length=24, choices=TransferStatus.choices, default=TransferStatus.REQUESTED, db_index=True
    )
    note = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=F("destination")), name="transfer_source_not_destination")
        ]
        permissions = [("manage_transfers", "Can create, ship and receive transfers")]

    def __str__(self) -> str:
        return f"TR-{self.pk}"

    @property
    def number(self) -> str:
        return f"TR-{self.pk:05d}" if self.pk else "TR-new"


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # What the destination has accounted for so far (transfer receipts): good units on hand
    # (more than shipped when over-shipped), units that arrived damaged and were written off,
    # and units closed as never arrived. Each is also in the ledger and `TransferDiscrepancy`.
    received_quantity = models.PositiveIntegerField(default=0, db_default=0)
    damaged_quantity = models.PositiveIntegerField(default=0, db_default=0)
    short_quantity = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transfer", "sku"], name="transferline_unique_sku"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transferline_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} x{self.quantity}"

    @property
    def outstanding(self) -> int:
        """Units shipped and still on their way: neither received, written off as damaged, nor closed short."""
        return max(self.quantity - self.received_quantity - self.damaged_quantity - self.short_quantity, 0)

    @property
    def over_quantity(self) -> int:
        """Units that arrived beyond what was shipped."""
        return max(self.received_quantity + self.damaged_quantity - self.quantity, 0)


class StockChange(models.Model):
    """The stock change feed: a SKU's on hand or reserved changed at a location.

    Insert-only, written by the same statement or transaction as the level and its ledger row
    (every path of `inventory.services.stock` that changes on hand or reserved), so a reader
    that consumes the feed never misses a committed change and never sees a rolled-back one.
    Appending takes no lock another writer waits for: no foreign keys (no lock on the SKU or
    location rows), no upsert. Apps above inventory consume it (the marketplace sync engine
    turns it into stock pushes) and delete the rows they have handled.
    """

    id = models.BigAutoField(primary_key=True)
    location_id = models.BigIntegerField()
    sku_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=dj_timezone.now)

    def __str__(self) -> str:
        return f"{self.location_id}/{self.sku_id} at {self.created_at:%H:%M:%S}"
