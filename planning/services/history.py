"""Daily demand history of every series, read from orders, shipments and the stock ledger.

- SKU x ship-to region: units ordered (order lines, by the day the order was placed), whatever
  became of them later: a cancelled unit was still wanted. A pickup order counts in the region
  of its store.
- SKU x location: units of the order lines routed to that location (shipment lines, by the day
  the order was placed), leaving out rejected and cancelled shipments (their units were routed
  again and count where they went).

A day is censored at a location when its available stock (on hand - reserved, from the ledger)
was zero at any moment of that day, or before the location ever held the SKU; a region's day is
censored when every location that ever held the SKU was censored that day. The forecasting
engine imputes censored days (`planning.forecasting.censoring`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum
from django.db.models.functions import TruncDate

from fulfillment.models import ShipmentLine, ShipmentStatus
from inventory.models import StockLevel, StockMovement
from orders.models import DeliveryMethod, OrderLine
from planning.regions import region_of

LocationKey = tuple[int, int]  # (sku_id, location_id)
RegionKey = tuple[int, str]  # (sku_id, region)


@dataclass
class DemandHistory:
    """Every series' daily units and censored days over `days` days ending on `as_of`."""

    as_of: dt.date
    days: int
    location_units: dict[LocationKey, list[float]] = field(default_factory=dict)
    location_censored: dict[LocationKey, list[bool]] = field(default_factory=dict)
    region_units: dict[RegionKey, list[float]] = field(default_factory=dict)
    region_censored: dict[RegionKey, list[bool]] = field(default_factory=dict)

    @property
    def start(self) -> dt.date:
        return self.as_of - dt.timedelta(days=self.days - 1)

    def index(self, day: dt.date) -> int:
        return (day - self.start).days


def _day_bounds(as_of: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    start = as_of - dt.timedelta(days=days - 1)
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC),
        dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC),
    )


def _region_sales(history: DemandHistory, since: dt.datetime, until: dt.datetime) -> None:
    rows = (
        OrderLine.objects.filter(order__placed_at__gte=since, order__placed_at__lt=until)
        .values(
            "sku_id",
            "order__delivery_method",
            "order__ship_country",
            "order__ship_region",
            "order__ship_postal_code",
            "order__pickup_location__country",
            "order__pickup_location__region",
            "order__pickup_location__postal_code",
            day=TruncDate("order__placed_at", tzinfo=dt.UTC),
        )
        .annotate(units=Sum("quantity"))
    )
    regions: dict[tuple[str, str, str], str] = {}
    for row in rows:
        prefix = (
            "order__pickup_location__" if row["order__delivery_method"] == DeliveryMethod.PICKUP else "order__ship_"
        )
        country = row[f"{prefix}country"] or "US"
        state = row[f"{prefix}region"] or ""
        postal = row[f"{prefix}postal_code"] or ""
        address = (country, state, postal)
        if address not in regions:
            regions[address] = region_of(country=country, state=state, postal_code=postal)
        key = (row["sku_id"], regions[address])
        series = history.region_units.setdefault(key, [0.0] * history.days)
        series[history.index(row["day"])] += row["units"]


def _location_sales(history: DemandHistory, since: dt.datetime, until: dt.datetime) -> None:
    rows = (
        ShipmentLine.objects.filter(shipment__order__placed_at__gte=since, shipment__order__placed_at__lt=until)
        .exclude(shipment__status__in=[ShipmentStatus.CANCELLED, ShipmentStatus.REJECTED])
        .values("sku_id", "shipment__location_id", day=TruncDate("shipment__order__placed_at", tzinfo=dt.UTC))
        .annotate(units=Sum("quantity"))
    )
    for row in rows:
        key = (row["sku_id"], row["shipment__location_id"])
        series = history.location_units.setdefault(key, [0.0] * history.days)
        series[history.index(row["day"])] += row["units"]


def _censored_days(history: DemandHistory, since: dt.datetime, until: dt.datetime) -> None:
    """Mark each (SKU, location) day with no available stock at some moment (see the module docstring)."""
    current = {
        (sku_id, location_id): on_hand - reserved
        for sku_id, location_id, on_hand, reserved in StockLevel.objects.values_list(
            "sku_id", "location_id", "on_hand", "reserved"
        )
    }
    # Walk each series' ledger rows in order: the value before a row is after-minus-delta.
    movements = (
        StockMovement.objects.filter(created_at__gte=since, created_at__lt=until)
        .order_by("sku_id", "location_id", "id")
        .values_list(
            "sku_id", "location_id", "created_at", "on_hand_after", "reserved_after", "on_hand_delta", "reserved_delta"
        )
    )
    stockout_days: dict[LocationKey, set[int]] = defaultdict(set)
    first_available: dict[LocationKey, int] = {}
    opening: dict[LocationKey, int] = {}
    last_seen: dict[LocationKey, tuple[int, int]] = {}  # key -> (day index, available after)
    for sku_id, location_id, at, on_hand, reserved, d_on_hand, d_reserved in movements.iterator(chunk_size=5000):
        key = (sku_id, location_id)
        day = min(history.days - 1, max(0, history.index(at.astimezone(dt.UTC).date())))
        available = on_hand - reserved
        if key not in last_seen:
            before = (on_hand - d_on_hand) - (reserved - d_reserved)
            opening[key] = before
            prev_day, prev_available = 0, before
        else:
            prev_day, prev_available = last_seen[key]
        if prev_available <= 0:  # empty from the last change until this one
            stockout_days[key].update(range(prev_day, day + 1))
        if available <= 0:
            stockout_days[key].add(day)
        elif key not in first_available:
            first_available[key] = day if prev_available <= 0 else prev_day
        last_seen[key] = (day, available)
    keys = set(current) | set(last_seen) | set(history.location_units)
    for key in keys:
        censored = [False] * history.days
        if key in last_seen:
            last_day, last_available = last_seen[key]
            if last_available <= 0:
                stockout_days[key].update(range(last_day, history.days))
            for day in stockout_days[key]:
                censored[day] = True
        elif current.get(key, 0) <= 0:
            censored = [True] * history.days  # no change all along and nothing available: never sellable
        history.location_censored[key] = censored


def _region_censoring(history: DemandHistory) -> None:
    by_sku: dict[int, list[list[bool]]] = defaultdict(list)
    for (sku_id, _), censored in history.location_censored.items():
        by_sku[sku_id].append(censored)
    for key in history.region_units:
        rows = by_sku.get(key[0])
        if not rows:
            history.region_censored[key] = [False] * history.days
            continue
        history.region_censored[key] = [all(row[day] for row in rows) for day in range(history.days)]


def demand_history(*, as_of: dt.date, days: int = 364) -> DemandHistory:
    """Read the daily history of every series over `days` days ending on `as_of` (see the module docstring)."""
    history = DemandHistory(as_of=as_of, days=days)
    since, until = _day_bounds(as_of, days)
    _region_sales(history, since, until)
    _location_sales(history, since, until)
    _censored_days(history, since, until)
    for key, censored in history.location_censored.items():
        history.location_units.setdefault(key, [0.0] * days)
        history.location_censored[key] = censored
    _region_censoring(history)
    return history
