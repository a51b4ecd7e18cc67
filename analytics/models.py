"""Daily fulfillment facts: one row per (day an order was placed, channel, location), and the refresh mark.

A row with no location holds the channel's day over every location (each order once); a row
with a location holds the orders that location shipped (or was asked to ship) for, so an order
split between two locations counts in both of theirs. The dashboard reads these rows only;
`analytics.services.facts_refresh` rewrites the days that changed.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q


def _money() -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))


class DailyFact(models.Model):
    """What happened to the orders placed on `day` in one channel, at one location (or all: null)."""

    day = models.DateField()
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    orders = models.PositiveIntegerField(default=0)
    routed = models.PositiveIntegerField(default=0, help_text="Orders routing planned at least once.")
    filled_first = models.PositiveIntegerField(default=0, help_text="Routed complete the first time, never again.")
    split = models.PositiveIntegerField(default=0, help_text="Orders in more than one shipment.")
    shipped = models.PositiveIntegerField(default=0, help_text="Shipments shipped, with a ship-by day.")
    shipped_late = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0, help_text="Shipments delivered, with a promise.")
    delivered_late = models.PositiveIntegerField(default=0)
    pickups_closed = models.PositiveIntegerField(default=0, help_text="Pickups collected or expired.")
    pickups_no_show = models.PositiveIntegerField(default=0)
    store_requests = models.PositiveIntegerField(default=0)
    store_rejected = models.PositiveIntegerField(default=0)
    costed_orders = models.PositiveIntegerField(default=0, help_text="Orders shipped in full: their costs below.")
    planned_shipping = _money()
    planned_handling = _money()
    planned_packages = _money()
    actual_shipping = _money()
    actual_handling = _money()
    actual_packages = _money()
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "channel_id", "location_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "location"], condition=Q(location__isnull=False), name="dailyfact_unique_at"
            ),
            models.UniqueConstraint(
                fields=["day", "channel"], condition=Q(location__isnull=True), name="dailyfact_unique_all"
            ),
        ]
        indexes = [models.Index(fields=["location", "day"], name="dailyfact_location_day")]
        permissions = [("view_kpis", "Can see the fulfillment KPI dashboard and export it")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel_id}/{self.location_id or 'all'}: {self.orders} orders"


class RefreshMark(models.Model):
    """How far the facts are up to date: changes after `changes_until` are not in them yet."""

    name = models.CharField(max_length=40, unique=True)
    changes_until = models.DateTimeField(null=True, blank=True)
    days_refreshed = models.PositiveIntegerField(default=0, help_text="Days rewritten by the last run.")
    ran_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.changes_until}"
