"""Store clocks and today's load: what routing and the pickup services read about a store.

A store's profile (or the defaults), the ship orders and pickups it took on in its local
day, and its clock (hours, closures, pick lead time, days whose pickups are full). Each
function runs a fixed number of queries whatever the number of stores.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone

from fulfillment.models import (
    LocationDayLoad,
    OpeningHours,
    Pickup,
    PickupStatus,
    ShipmentStatus,
    StoreClosure,
    StoreProfile,
)
from fulfillment.models.stores import (
    DEFAULT_ACCEPT_SLA_MINUTES,
    DEFAULT_HOLD_DAYS,
    DEFAULT_PICKUP_LEAD_MINUTES,
    DEFAULT_REMINDER_HOURS,
)
from fulfillment.store_hours import HORIZON_DAYS, StoreClock, local
from inventory.models import Location, LocationKind

#: Shipments that no longer count against a location's day (turned down or called off).
DEAD_STATUSES = (ShipmentStatus.REJECTED, ShipmentStatus.CANCELLED)


def profile_of(location: Location) -> StoreProfile:
    """The store's saved profile, or the defaults (unsaved). Uses a `select_related` profile if loaded."""
    with contextlib.suppress(StoreProfile.DoesNotExist):
        return location.store_profile
    return StoreProfile(
        location=location,
        pickup_lead_minutes=DEFAULT_PICKUP_LEAD_MINUTES,
        hold_days=DEFAULT_HOLD_DAYS,
        reminder_hours=DEFAULT_REMINDER_HOURS,
        accept_sla_minutes=DEFAULT_ACCEPT_SLA_MINUTES,
    )


def local_day_start(location: Location, now: datetime) -> datetime:
    """Midnight of the location's current local day (US zones change their clocks at 2 a.m., not midnight)."""
    return local(now, location.timezone).replace(hour=0, minute=0, second=0, microsecond=0)


def ship_load_today(locations: Sequence[Location], *, now: datetime | None = None) -> dict[int, int]:
    """Ship orders each location took on since its own local midnight (pickups and rejected work excluded).

    One query whatever the number of locations, and whatever the day's volume: it reads the
    counter the shipment services keep (`fulfillment.models.LocationDayLoad`), a few rows per
    location and day. What routing compares with `daily_order_capacity`. Locations with none are left out.
    """
    if not locations:
        return {}
    now = now or timezone.now()
    # Locations share a handful of time zones, hence of local dates: one condition per date, not per location.
    by_day: dict[date, list[int]] = defaultdict(list)
    zones: dict[str, date] = {}
    for location in locations:
        if location.timezone not in zones:
            zones[location.timezone] = local(now, location.timezone).date()
        by_day[zones[location.timezone]].append(location.pk)
    today = Q()
    for day, ids in by_day.items():
        today |= Q(day=day, location_id__in=ids)
    rows = (
        LocationDayLoad.objects.filter(today)
        .values("location_id")
        .annotate(n=Sum("ship_orders"))
        .filter(n__gt=0)
        .values_list("location_id", "n")
    )
    return dict(rows)


def ship_load_today_sql(location: str, now: str) -> str:
    """`ship_load_today` as a scalar SQL expression, for a statement that reads the locations anyway.

    `location` is the location table's alias, `now` the placeholder of the current instant; the
    expression is NULL where the location has no daily cap (as `ship_load_today` leaves those
    out), else the ship orders it took on since its local midnight (never below 0). The local
    date is PostgreSQL's reading of the same IANA zone the location names.
    """
    load = connection.ops.quote_name(LocationDayLoad._meta.db_table)
    return (
        f"CASE WHEN {location}.daily_order_capacity IS NOT NULL THEN ("  # noqa: S608
        f"SELECT GREATEST(COALESCE(SUM(d.ship_orders), 0), 0) FROM {load} d "
        f"WHERE d.location_id = {location}.id AND d.day = ({now}::timestamptz AT TIME ZONE {location}.timezone)::date"
        ") END"
    )


def ship_full_today(locations: Sequence[Location], *, now: datetime | None = None) -> set[int]:
    """The locations that rejected a ship-from-store request for "no capacity" earlier in their local day.

    Routing treats them as full (capacity left 0) until their local midnight, whatever their
    cap and today's count. No query when the locations were loaded with `select_related("store_profile")`.
    """
    now = now or timezone.now()
    full = set()
    for location in locations:
        if location.kind != LocationKind.STORE:
            continue
        profile = profile_of(location)
        if profile.ship_full_on is not None and profile.ship_full_on == local(now, location.timezone).date():
            full.add(location.pk)
    return full


def pickup_load_by_day(locations: Sequence[Location], *, now: datetime | None = None) -> dict[int, dict[date, int]]:
    """Pickups promised per local day at each location, from today on (cancelled ones excluded). One query."""
    if not locations:
        return {}
    now = now or timezone.now()
    by_id = {location.pk: location for location in locations}
    rows = (
        Pickup.objects.filter(location_id__in=list(by_id), ready_by__gte=now - timedelta(days=1))
        .exclude(status=PickupStatus.CANCELLED)
        .values_list("location_id", "ready_by")
    )
    load: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for location_id, ready_by in rows:
        if ready_by is None:
            continue
        load[location_id][local(ready_by, by_id[location_id].timezone).date()] += 1
    return load


def _profiles(locations: Sequence[Location]) -> dict[int, StoreProfile]:
    """Each store's profile: the one loaded with it (routing joins them) or, for the rest, read (one query)."""
    loaded = Location.store_profile.related
    profiles = {location.pk: profile_of(location) for location in locations if loaded.is_cached(location)}
    missing = [location.pk for location in locations if location.pk not in profiles]
    if missing:
        profiles.update({p.location_id: p for p in StoreProfile.objects.filter(location_id__in=missing)})
    return profiles


def store_clocks(
    locations: Sequence[Location], *, now: datetime | None = None, pickups: bool = True
) -> dict[int, StoreClock]:
    """Each store's clock: hours, closures from yesterday on, pick settings, days whose pickups are full.

    Two to four queries whatever the number of stores (profiles unless loaded with the stores,
    hours, closures, pickup load). Without `pickups` the clock leaves out which days' pickups
    are full (no pickup-load query): enough for what counts only open minutes, like the accept
    deadline of a ship-from-store request.
    """
    if not locations:
        return {}
    now = now or timezone.now()
    ids = [location.pk for location in locations]
    profiles = _profiles(locations)
    hours: dict[int, dict[int, tuple]] = defaultdict(dict)
    for row in OpeningHours.objects.filter(location_id__in=ids):
        hours[row.location_id][row.weekday] = (row.opens, row.closes)
    first_day = (now - timedelta(days=1)).date()
    closed: dict[int, set[date]] = defaultdict(set)
    for location_id, day in StoreClosure.objects.filter(
        location_id__in=ids, date__gte=first_day, date__lte=first_day + timedelta(days=HORIZON_DAYS + 2)
    ).values_list("location_id", "date"):
        closed[location_id].add(day)
    capped = [loc for loc in locations if (p := profiles.get(loc.pk)) is not None and p.daily_pickup_capacity]
    load = pickup_load_by_day(capped, now=now) if pickups else {}
    clocks = {}
    for location in locations:
        profile = profiles.get(location.pk) or profile_of(location)
        cap = profile.daily_pickup_capacity
        full = frozenset(day for day, n in load.get(location.pk, {}).items() if cap and n >= cap)
        clocks[location.pk] = StoreClock(
            timezone=location.timezone,
            hours=dict(hours.get(location.pk, {})),
            closed_dates=frozenset(closed.get(location.pk, set())),
            lead_minutes=profile.pickup_lead_minutes,
            cutoff=profile.pickup_cutoff_time,
            full_dates=full,
        )
    return clocks
