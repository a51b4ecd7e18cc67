"""Stores as fulfillment nodes: opening hours, closures, pickup and ship-from-store settings, pickups.

A store's clock (opening hours per weekday in its own time zone, minus holiday closures, plus
its pick lead time and pickup cut-off) decides when a pickup can be ready
(`fulfillment.store_hours`). A `Pickup` follows one pickup order at its store:
new -> picking -> ready -> picked up, or expired / cancelled. Its units are the order's
shipments at that store (carrier "pickup"), so stock moves through the same services as any
shipment: reserved when routed, shipped when handed over, released when it expires.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel

#: Defaults for a store without a saved profile.
DEFAULT_PICKUP_LEAD_MINUTES = 60
DEFAULT_HOLD_DAYS = 5
DEFAULT_REMINDER_HOURS = 24
DEFAULT_ACCEPT_SLA_MINUTES = 60


class StoreProfile(TimeStampedModel):
    """How a store works as a fulfillment node: pick lead time, cut-off, hold period, capacity, SLA.

    Ship-from-store capacity is the location's own `daily_order_capacity` (what routing caps),
    and a store that rejects a request for "no capacity" is full for the rest of that local day
    (`ship_full_on`). Pickups have their own daily capacity here: once reached, new pickups are
    promised for the next opening day rather than refused.
    """

    location = models.OneToOneField("inventory.Location", on_delete=models.CASCADE, related_name="store_profile")
    pickup_lead_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_PICKUP_LEAD_MINUTES, help_text="Minutes to pick and set aside a pickup order."
    )
    pickup_cutoff_time = models.TimeField(
        null=True,
        blank=True,
        help_text="Local time after which a pickup is ready the next opening day; empty: closing time minus lead time.",
    )
    hold_days = models.PositiveSmallIntegerField(
        default=DEFAULT_HOLD_DAYS, help_text="Days a ready pickup is held before it expires and its stock is released."
    )
    reminder_hours = models.PositiveSmallIntegerField(
        default=DEFAULT_REMINDER_HOURS, help_text="Hours before the hold ends that the customer is reminded."
    )
    daily_pickup_capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Pickups per day the store can prepare; empty means no limit."
    )
    accept_sla_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_ACCEPT_SLA_MINUTES,
        help_text="Minutes (opening hours) the store has to accept a ship-from-store request before it is re-routed.",
    )
    ship_full_on = models.DateField(
        null=True,
        blank=True,
        help_text="Local day the store rejected a ship-from-store request for lack of capacity: full until midnight.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(hold_days__gte=1), name="storeprofile_hold_days_gte_1"),
            models.CheckConstraint(condition=Q(accept_sla_minutes__gte=1), name="storeprofile_sla_gte_1"),
        ]

    def __str__(self) -> str:
        return f"Store profile of {self.location_id}"


class OpeningHours(models.Model):
    """The hours a store is open on one weekday (0 Monday ... 6 Sunday), in its local time.

    A weekday without a row is a closed day. Hours past midnight are not supported.
    """

    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField()
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["location", "weekday"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.UniqueConstraint(fields=["location", "weekday"], name="openinghours_unique_weekday"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="openinghours_weekday_0_6"),
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="openinghours_closes_after_opens"),
        ]

    def __str__(self) -> str:
        return f"{self.location_id} day {self.weekday}: {self.opens:%H:%M}-{self.closes:%H:%M}"


class StoreClosure(models.Model):
    """A day a store is closed although its weekday has hours (a public holiday, a stocktake)."""

    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["location", "date"]
        constraints = [models.UniqueConstraint(fields=["location", "date"], name="storeclosure_unique_date")]

    def __str__(self) -> str:
        return f"{self.location_id} closed {self.date}"


class PickupStatus(models.TextChoices):
    NEW = "new", "New"
    PICKING = "picking", "Picking"
    READY = "ready", "Ready for pickup"
    PICKED_UP = "picked_up", "Picked up"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


OPEN_PICKUP_STATUSES = frozenset({PickupStatus.NEW, PickupStatus.PICKING, PickupStatus.READY})


class RejectReason(models.TextChoices):
    """Why a store turns down a ship-from-store request; the first two correct its stock."""

    OUT_OF_STOCK = "out_of_stock", "Out of stock"
    DAMAGED = "damaged", "Damaged"
    NO_CAPACITY = "no_capacity", "No capacity"


class Pickup(TimeStampedModel):
    """One pickup order at its store, from "new" to picked up (or expired / cancelled).

    `code` is what the customer shows (typed, or scanned from the QR code in the email).
    `ready_by` is the time promised when the order was placed; `hold_until` is when a ready
    pickup expires. `transfer` is set when staff chose "transfer to store" for missing units.
    """

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="pickup")
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="pickups")
    status = models.CharField(max_length=12, choices=PickupStatus.choices, default=PickupStatus.NEW, db_index=True)
    code = models.CharField(max_length=12, unique=True)
    ready_by = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True, db_index=True)
    ready_notified_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    picked_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=255, blank=True)
    transfer = models.ForeignKey(
        "inventory.Transfer", null=True, blank=True, on_delete=models.SET_NULL, related_name="pickups"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["location", "status"], name="pickup_location_status")]

    def __str__(self) -> str:
        return f"Pickup {self.code} ({self.order_id})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PICKUP_STATUSES
