"""Pickup options for shop front ends: stores near a customer that can have a basket ready, and when.

A store without the whole basket says when a warehouse transfer could bring it; the same
transfer helpers (`transfer_sources`, `transfer_eta`, `atp_at`) serve "transfer to store".
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from core.geo import haversine_miles
from fulfillment.routing.costs import add_transit_days, ship_date, zone_for_miles
from fulfillment.selectors.cost_model import cost_model_load
from fulfillment.selectors.stores.clocks import profile_of, store_clocks
from fulfillment.store_hours import hours_label, local, pickup_ready_by
from inventory.models import Location, LocationKind, StockLevel

DEFAULT_RADIUS_MILES = 50
MAX_RADIUS_MILES = 500
MAX_OPTIONS = 20


@dataclass(frozen=True)
class TransferOption:
    """The basket can reach the store from a warehouse: from where, when it arrives, when it is ready."""

    source: Location
    arrives_on: date
    ready_by: datetime | None


@dataclass(frozen=True)
class PickupOption:
    """One store near the customer and when it can have the whole basket ready."""

    store: Location
    distance_miles: float
    in_stock: bool
    ready_by: datetime | None
    cutoff: str
    hold_days: int
    hours_today: str
    transfer: TransferOption | None = None
    missing: dict[str, int] = field(default_factory=dict)


def atp_at(location_ids: Sequence[int], sku_ids: Sequence[int]) -> dict[int, dict[int, int]]:
    """Available-to-promise per location and SKU (one query)."""
    rows = (
        StockLevel.objects.filter(location_id__in=list(location_ids), sku_id__in=list(sku_ids))
        .annotate(atp=Greatest(F("on_hand") - F("reserved") - F("safety_stock"), Value(0)))
        .filter(atp__gt=0)
        .values_list("location_id", "sku_id", "atp")
    )
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for location_id, sku_id, atp in rows:
        found[location_id][sku_id] = atp
    return found


def nearby_pickup_stores(lat: float, lon: float, radius_miles: float) -> list[tuple[Location, float]]:
    """Active stores offering pickup within the radius, nearest first (one query)."""
    stores = Location.objects.filter(is_active=True, offers_pickup=True, latitude__isnull=False).select_related(
        "store_profile"
    )
    found = []
    for store in stores:
        miles = haversine_miles(lat, lon, float(store.latitude or 0), float(store.longitude or 0))
        if miles <= radius_miles:
            found.append((store, miles))
    found.sort(key=lambda item: (item[1], item[0].code))
    return found


def transfer_sources() -> list[Location]:
    """Company warehouses that can send stock to a store (one query)."""
    return list(
        Location.objects.filter(
            is_active=True, kind=LocationKind.WAREHOUSE, latitude__isnull=False, longitude__isnull=False
        ).order_by("priority", "code")
    )


def round_miles(miles: float) -> float:
    return math.floor(miles * 10 + 0.5) / 10


def transfer_transit_days(miles: float) -> int:
    """Delivery days a warehouse-to-store transfer takes: the fastest standard card for the zone.

    Falls back to one day per two zones when no card serves it.
    """
    model = cost_model_load()
    zone = zone_for_miles(miles, model.zone_bands)
    days = [
        card.transit_days[zone] for card in model.rate_cards if card.level == "standard" and zone in card.transit_days
    ]
    return min(days) if days else 1 + zone // 2


def transfer_eta(source: Location, store: Location, *, now: datetime) -> date:
    """The local day a transfer requested now from `source` reaches `store` (the source's cut-off applies)."""
    miles = haversine_miles(
        float(source.latitude or 0),
        float(source.longitude or 0),
        float(store.latitude or 0),
        float(store.longitude or 0),
    )
    return add_transit_days(ship_date(now, source.timezone, source.order_cutoff_time), transfer_transit_days(miles))


def pickup_options(
    *,
    latitude: float,
    longitude: float,
    basket: dict[int, int],
    sku_codes: dict[int, str],
    radius_miles: float = DEFAULT_RADIUS_MILES,
    limit: int = MAX_OPTIONS,
    now: datetime | None = None,
) -> list[PickupOption]:
    """Stores near a point that can have the whole basket ready, and when; the others say when a
    warehouse transfer could bring it. Stores that can do neither are left out.

    A fixed number of queries whatever the number of stores: stores, stock at stores, the store
    clocks (3-4), warehouses, stock at warehouses.
    """

    now = now or timezone.now()
    nearby = nearby_pickup_stores(latitude, longitude, radius_miles)[: max(limit * 3, limit)]
    if not nearby:
        return []
    stores = [store for store, _ in nearby]
    stock = atp_at([s.pk for s in stores], list(basket))
    clocks = store_clocks(stores, now=now)
    sources: list[Location] | None = None
    source_stock: dict[int, dict[int, int]] = {}
    options: list[PickupOption] = []
    for store, miles in nearby:
        clock = clocks[store.pk]
        profile = profile_of(store)
        missing = {sku: qty - stock[store.pk].get(sku, 0) for sku, qty in basket.items()}
        missing = {sku: qty for sku, qty in missing.items() if qty > 0}
        today = local(now, store.timezone).date()
        option = PickupOption(
            store=store,
            distance_miles=round_miles(miles),
            in_stock=not missing,
            ready_by=None,
            cutoff=clock.day_cutoff(today).strftime("%H:%M") if clock.is_open_day(today, for_pickup=False) else "",
            hold_days=profile.hold_days,
            hours_today=hours_label(clock.hours, today.weekday()),
        )
        if not missing:
            ready = pickup_ready_by(clock, now)
            if ready is not None:
                options.append(dataclasses.replace(option, ready_by=ready))
            continue
        if sources is None:
            sources = transfer_sources()
            source_stock = atp_at([s.pk for s in sources], list(basket))
        best: TransferOption | None = None
        for source in sources:
            if any(source_stock[source.pk].get(sku, 0) < qty for sku, qty in missing.items()):
                continue
            arrives = transfer_eta(source, store, now=now)
            start = datetime.combine(arrives, time(0, 0), tzinfo=clock.zone)
            ready = pickup_ready_by(clock, max(start, now))
            if ready is None:
                continue
            if best is None or best.ready_by is None or ready < best.ready_by:
                best = TransferOption(source=source, arrives_on=arrives, ready_by=ready)
        if best is not None:
            named = {sku_codes[sku]: qty for sku, qty in missing.items()}
            options.append(dataclasses.replace(option, ready_by=best.ready_by, transfer=best, missing=named))
    return options[:limit]
