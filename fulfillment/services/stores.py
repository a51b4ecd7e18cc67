"""Store settings: opening hours, closures, pick lead time, hold period, capacities, accept SLA.

`store_settings_update` is what the store settings page calls. Ship-from-store capacity is
the location's `daily_order_capacity` (routing's cap), saved through `inventory.services`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from core.errors import ValidationFailed
from core.types import AnyUser
from fulfillment.models import OpeningHours, StoreClosure, StoreProfile
from fulfillment.selectors.stores import profile_of, store_clocks
from fulfillment.store_hours import WEEKDAY_NAMES, accept_deadline, local
from inventory.models import Location, LocationKind
from inventory.services import location_update

MAX_LEAD_MINUTES = 24 * 60
MAX_HOLD_DAYS = 60
MAX_SLA_MINUTES = 24 * 60
MAX_CLOSURES = 100


@dataclass(frozen=True)
class StoreSettings:
    """Everything the store settings page edits. `hours` maps weekday (0 Monday) to (opens, closes) or None."""

    pickup_lead_minutes: int
    pickup_cutoff_time: time | None
    hold_days: int
    reminder_hours: int
    daily_pickup_capacity: int | None
    accept_sla_minutes: int
    ship_capacity: int | None
    hours: Mapping[int, tuple[time, time] | None]
    closures: Sequence[tuple[date, str]] = ()


def _check(settings: StoreSettings) -> None:
    """Refuse values a store cannot work with, naming the field."""
    if not 0 <= settings.pickup_lead_minutes <= MAX_LEAD_MINUTES:
        raise ValidationFailed("Lead time is 0 to 1,440 minutes.", field="pickup_lead_minutes")
    if not 1 <= settings.hold_days <= MAX_HOLD_DAYS:
        raise ValidationFailed(f"Hold a pickup 1 to {MAX_HOLD_DAYS} days.", field="hold_days")
    if not 0 <= settings.reminder_hours < settings.hold_days * 24:
        raise ValidationFailed(
            "Remind the customer before the hold ends (fewer hours than the hold).", field="reminder_hours"
        )
    if not 1 <= settings.accept_sla_minutes <= MAX_SLA_MINUTES:
        raise ValidationFailed("The accept SLA is 1 to 1,440 minutes.", field="accept_sla_minutes")
    for name in ("daily_pickup_capacity", "ship_capacity"):
        value = getattr(settings, name)
        if value is not None and value < 0:
            raise ValidationFailed("A capacity cannot be negative; leave it empty for no limit.", field=name)
    for weekday, window in settings.hours.items():
        if weekday not in range(7):
            raise ValidationFailed("Weekdays are 0 (Monday) to 6 (Sunday).", field="hours")
        if window is not None and window[1] <= window[0]:
            raise ValidationFailed(
                f"{WEEKDAY_NAMES[weekday]}: closing time must be after opening time.", field=f"hours_{weekday}"
            )
    if len(settings.closures) > MAX_CLOSURES:
        raise ValidationFailed(f"At most {MAX_CLOSURES} closure days at a time.", field="closures")


def store_settings_update(
    *, location: Location, settings: StoreSettings, actor: AnyUser | None, now: datetime | None = None
) -> StoreProfile:
    """Save a store's pickup and ship-from-store settings, its weekly hours and its closures (all or nothing).

    The weekly hours are replaced as given (a weekday with None is closed). Closures from
    today on (the store's local day) are replaced by the given ones; past closures stay as history.
    """
    if location.kind != LocationKind.STORE:
        raise ValidationFailed(f"{location.code} is not a store.", field="location")
    _check(settings)
    with transaction.atomic():
        profile, _ = StoreProfile.objects.select_for_update().get_or_create(location=location)
        profile.pickup_lead_minutes = settings.pickup_lead_minutes
        profile.pickup_cutoff_time = settings.pickup_cutoff_time
        profile.hold_days = settings.hold_days
        profile.reminder_hours = settings.reminder_hours
        profile.daily_pickup_capacity = settings.daily_pickup_capacity
        profile.accept_sla_minutes = settings.accept_sla_minutes
        profile.save()
        OpeningHours.objects.filter(location=location).delete()
        OpeningHours.objects.bulk_create(
            [
                OpeningHours(location=location, weekday=weekday, opens=window[0], closes=window[1])
                for weekday, window in sorted(settings.hours.items())
                if window is not None
            ]
        )
        today = local(now or timezone.now(), location.timezone).date()  # the store's own day, not the server's
        StoreClosure.objects.filter(location=location, date__gte=today).delete()
        StoreClosure.objects.bulk_create(
            [
                StoreClosure(location=location, date=day, reason=reason[:120])
                for day, reason in dict(settings.closures).items()
                if day >= today
            ]
        )
        if location.daily_order_capacity != settings.ship_capacity:
            location_update(location=location, daily_order_capacity=settings.ship_capacity)
    return profile


def store_ship_full_clear(*, location: Location, actor: AnyUser | None) -> bool:
    """The store can ship again today after all: forget its "no capacity" for the day.

    Routing reads `StoreProfile.ship_full_on`, so the very next order may come here again
    (its daily cap, if any, still applies). True if the store had been declared full.
    """
    with transaction.atomic():
        cleared = StoreProfile.objects.filter(location=location, ship_full_on__isnull=False).update(ship_full_on=None)
    return bool(cleared)


def store_request_deadline(*, location: Location, now: datetime | None = None) -> datetime | None:
    """When a ship-from-store request created now must be accepted (None for a location that is not a store)."""

    if location.kind != LocationKind.STORE:
        return None
    now = now or timezone.now()
    # the SLA counts open minutes only: whether the store's pickups are full that day does not matter
    clock = store_clocks([location], now=now, pickups=False)[location.pk]
    return accept_deadline(clock, now, profile_of(location).accept_sla_minutes)


def hold_until(*, ready_at: datetime, hold_days: int) -> datetime:
    """When a pickup that became ready at `ready_at` expires."""
    return ready_at + timedelta(days=hold_days)
