"""Each location's ship orders per local day, kept as a counter so routing's capacity read is O(1).

Routing compares a location's `daily_order_capacity` with the ship orders it took on since its
local midnight. Counting shipments made that read grow with the day's volume (a busy location's
count scanned every shipment of its day for every order). The counter is written in the
transaction that creates or cancels a shipment (`fulfillment.services.capacity`), so it is exactly
the count the old query gave: shipments of ship orders created that local day, less those rejected
or cancelled since.

A location's day is split over `LOAD_SLOTS` rows chosen by order id: every order shipping from
the same location would otherwise queue on one row lock until its transaction commits.
"""

from __future__ import annotations

from django.db import models

#: Rows per location and day; the read sums them (a constant, so still O(1) in the day's volume).
LOAD_SLOTS = 8


class LocationDayLoad(models.Model):
    """Ship orders a location took on during one of its local days (one of `LOAD_SLOTS` rows)."""

    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="day_loads")
    day = models.DateField(help_text="The location's local date.")
    slot = models.PositiveSmallIntegerField(default=0)
    ship_orders = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "day", "slot"], name="location_day_load_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.location_id} {self.day} #{self.slot}: {self.ship_orders}"
