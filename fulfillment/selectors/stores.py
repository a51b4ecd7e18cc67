"""Store reads: store clocks, today's load, the store's queues, pickups, and pickup options.

Everything a store associate reads is scoped to the stores they may see
(`inventory.selectors.visible_location_ids`): another store's pickup or request is a 404.
Each function loads what its page needs in a fixed number of queries.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.http import Http404
from django.utils import timezone

from core.types import AnyUser, user_has_perm
from fulfillment.models import (
    OpeningHours,
    Pickup,
    PickupStatus,
    Shipment,
    ShipmentLine,
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
from inventory.models import Location, LocationKind, StockLevel
from inventory.selectors import visible_location_ids
from orders.models import DeliveryMethod, Order, OrderEvent, OrderEventKind, OrderLine, OrderStatus

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


def _local_day_start(location: Location, now: datetime) -> datetime:
    """Midnight of the location's current local day (US zones change their clocks at 2 a.m., not midnight)."""
    return local(now, location.timezone).replace(hour=0, minute=0, second=0, microsecond=0)


def ship_load_today(locations: Sequence[Location], *, now: datetime | None = None) -> dict[int, int]:
    """Ship orders each location took on since its own local midnight (pickups and rejected work excluded).

    One query whatever the number of locations; what routing compares with `daily_order_capacity`.
    """
    if not locations:
        return {}
    now = now or timezone.now()
    since = Q()
    for location in locations:
        since |= Q(location_id=location.pk, created_at__gte=_local_day_start(location, now))
    rows = (
        Shipment.objects.filter(since)
        .exclude(status__in=DEAD_STATUSES)
        .exclude(order__delivery_method=DeliveryMethod.PICKUP)
        .values("location_id")
        .annotate(n=Count("id"))
        .values_list("location_id", "n")
    )
    return dict(rows)


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


def store_clocks(locations: Sequence[Location], *, now: datetime | None = None) -> dict[int, StoreClock]:
    """Each store's clock: hours, closures from yesterday on, pick settings, days whose pickups are full.

    Three or four queries whatever the number of stores (profiles, hours, closures, pickup load).
    """
    if not locations:
        return {}
    now = now or timezone.now()
    ids = [location.pk for location in locations]
    profiles = {profile.location_id: profile for profile in StoreProfile.objects.filter(location_id__in=ids)}
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
    load = pickup_load_by_day(capped, now=now)
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


# --- The store page -------------------------------------------------------------------------


def _store_ids(user: AnyUser | object) -> set[int] | None:
    cached = getattr(user, "_store_location_ids", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    ids = visible_location_ids(user)  # type: ignore[arg-type]
    with contextlib.suppress(AttributeError):
        user._store_location_ids = ids  # type: ignore[union-attr]
    return ids


def user_stores(*, user: AnyUser | object) -> list[Location]:
    """The active stores whose pickups and requests the user may work, by code (one query)."""
    if not user_has_perm(user, "fulfillment.work_shipments"):  # type: ignore[arg-type]
        return []
    qs = Location.objects.filter(is_active=True, kind=LocationKind.STORE).select_related("store_profile")
    ids = _store_ids(user)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(qs.order_by("code"))


def store_get(*, user: AnyUser | object, code: str) -> Location:
    """A store the user may work, by code, or 404."""
    for store in user_stores(user=user):
        if store.code == code:
            return store
    raise Http404("No such store.")


@dataclass(frozen=True)
class StoreCounts:
    """The live counters of a store page."""

    new: int
    picking: int
    ready: int
    expiring: int
    requests: int
    overdue: int
    to_ship: int
    ship_load: int
    ship_capacity: int | None
    pickups_today: int
    pickup_capacity: int | None
    ship_full_declared: bool = False

    @property
    def ship_full(self) -> bool:
        """Routing sends the store no more ship orders today: its cap is reached or it said "no capacity"."""
        at_cap = self.ship_capacity is not None and self.ship_load >= self.ship_capacity
        return self.ship_full_declared or at_cap

    @property
    def ship_load_percent(self) -> int:
        if not self.ship_capacity:
            return 0
        return min(100, round(100 * self.ship_load / self.ship_capacity))

    @property
    def pickup_load_percent(self) -> int:
        if not self.pickup_capacity:
            return 0
        return min(100, round(100 * self.pickups_today / self.pickup_capacity))


def store_counts(*, store: Location, now: datetime | None = None) -> StoreCounts:
    """Pickups per status, open requests (and how many are past their SLA), today's load against the caps.

    Three queries: pickups, shipments, pickups promised today.
    """
    now = now or timezone.now()
    soon = now + timedelta(hours=profile_of(store).reminder_hours)
    pickups = Pickup.objects.filter(location=store).aggregate(
        new=Count("pk", filter=Q(status=PickupStatus.NEW)),
        picking=Count("pk", filter=Q(status=PickupStatus.PICKING)),
        ready=Count("pk", filter=Q(status=PickupStatus.READY)),
        expiring=Count("pk", filter=Q(status=PickupStatus.READY, hold_until__lte=soon)),
    )
    start = _local_day_start(store, now)
    ships = (
        Shipment.objects.filter(location=store)
        .exclude(order__delivery_method=DeliveryMethod.PICKUP)
        .aggregate(
            requests=Count("pk", filter=Q(status=ShipmentStatus.REQUESTED)),
            overdue=Count("pk", filter=Q(status=ShipmentStatus.REQUESTED, accept_by__lt=now)),
            to_ship=Count(
                "pk",
                filter=Q(status__in=[ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING, ShipmentStatus.PACKED]),
            ),
            load=Count("pk", filter=Q(created_at__gte=start) & ~Q(status__in=DEAD_STATUSES)),
        )
    )
    profile = profile_of(store)
    today = local(now, store.timezone).date()
    pickups_today = pickup_load_by_day([store], now=now).get(store.pk, {}).get(today, 0)
    return StoreCounts(
        new=pickups["new"],
        picking=pickups["picking"],
        ready=pickups["ready"],
        expiring=pickups["expiring"],
        requests=ships["requests"],
        overdue=ships["overdue"],
        to_ship=ships["to_ship"],
        ship_load=ships["load"],
        ship_capacity=store.daily_order_capacity,
        pickups_today=pickups_today,
        pickup_capacity=profile.daily_pickup_capacity,
        ship_full_declared=profile.ship_full_on is not None and profile.ship_full_on == today,
    )


def _pickup_related(qs: QuerySet[Pickup]) -> QuerySet[Pickup]:
    lines = OrderLine.objects.select_related("sku").order_by("line_number")
    return qs.select_related("order", "location", "transfer", "picked_up_by").prefetch_related(
        Prefetch("order__lines", queryset=lines)
    )


PICKUP_QUEUE_STATUSES = (PickupStatus.NEW, PickupStatus.PICKING, PickupStatus.READY)


def store_pickups(*, store: Location, statuses: Iterable[str] = PICKUP_QUEUE_STATUSES) -> QuerySet[Pickup]:
    """A store's pickups in these statuses, the most urgent first, with order and lines (three queries)."""
    return _pickup_related(Pickup.objects.filter(location=store, status__in=list(statuses))).order_by(
        F("ready_by").asc(nulls_last=True), "pk"
    )


def store_requests(*, store: Location) -> QuerySet[Shipment]:
    """Ship-from-store requests waiting for the store's answer, the nearest SLA first (two queries)."""
    return (
        Shipment.objects.filter(location=store, status=ShipmentStatus.REQUESTED)
        .exclude(order__delivery_method=DeliveryMethod.PICKUP)
        .select_related("order")
        .prefetch_related(Prefetch("lines", queryset=ShipmentLine.objects.select_related("sku").order_by("pk")))
        .order_by(F("accept_by").asc(nulls_last=True), "pk")
    )


def pickup_get(*, user: AnyUser | object, pk: int) -> Pickup:
    """A pickup at one of the user's stores with its order, lines and shipments, or 404."""
    if not user_has_perm(user, "fulfillment.work_shipments"):  # type: ignore[arg-type]
        raise Http404("No such pickup.")
    qs = Pickup.objects.all()
    ids = _store_ids(user)
    if ids is not None:
        qs = qs.filter(location_id__in=ids)
    shipments = Shipment.objects.filter(location_id=F("order__pickup_location_id")).prefetch_related(
        Prefetch("lines", queryset=ShipmentLine.objects.select_related("sku").order_by("pk"))
    )
    try:
        return _pickup_related(qs).prefetch_related(Prefetch("order__shipments", queryset=shipments)).get(pk=pk)
    except Pickup.DoesNotExist as exc:
        raise Http404("No such pickup.") from exc


def order_hold_reason(order: Order) -> str:
    """Why staff put the order on hold, from its latest "-> On hold" timeline entry (one query)."""
    event = (
        OrderEvent.objects.filter(order=order, kind=OrderEventKind.STATUS, data__to=OrderStatus.ON_HOLD)
        .order_by("-pk")
        .first()
    )
    if event is None:
        return ""
    _, _, reason = event.message.partition(": ")
    return reason.strip()


def store_request_get(*, user: AnyUser | object, pk: int) -> Shipment:
    """A ship-from-store request (a ship order's shipment at one of the user's stores), or 404."""
    if not user_has_perm(user, "fulfillment.work_shipments"):  # type: ignore[arg-type]
        raise Http404("No such request.")
    qs = Shipment.objects.filter(location__kind=LocationKind.STORE).exclude(
        order__delivery_method=DeliveryMethod.PICKUP
    )
    ids = _store_ids(user)
    if ids is not None:
        qs = qs.filter(location_id__in=ids)
    try:
        return qs.select_related("order", "location").get(pk=pk)
    except Shipment.DoesNotExist as exc:
        raise Http404("No such request.") from exc


# --- Pickup options for shop front ends -----------------------------------------------------

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
    from core.geo import haversine_miles

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
    from fulfillment.routing.costs import zone_for_miles
    from fulfillment.services.routing import cost_model_load

    model = cost_model_load()
    zone = zone_for_miles(miles, model.zone_bands)
    days = [
        card.transit_days[zone] for card in model.rate_cards if card.level == "standard" and zone in card.transit_days
    ]
    return min(days) if days else 1 + zone // 2


def transfer_eta(source: Location, store: Location, *, now: datetime) -> date:
    """The local day a transfer requested now from `source` reaches `store` (the source's cut-off applies)."""
    from core.geo import haversine_miles
    from fulfillment.routing.costs import add_transit_days, ship_date

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
    from datetime import datetime as _dt
    from datetime import time as _time

    from fulfillment.store_hours import hours_label, pickup_ready_by

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
            start = _dt.combine(arrives, _time(0, 0), tzinfo=clock.zone)
            ready = pickup_ready_by(clock, max(start, now))
            if ready is None:
                continue
            if best is None or best.ready_by is None or ready < best.ready_by:
                best = TransferOption(source=source, arrives_on=arrives, ready_by=ready)
        if best is not None:
            named = {sku_codes[sku]: qty for sku, qty in missing.items()}
            options.append(dataclasses.replace(option, ready_by=best.ready_by, transfer=best, missing=named))
    return options[:limit]


@dataclass(frozen=True)
class StorePanel:
    """What a store's location page shows about it as a fulfillment node."""

    profile: StoreProfile
    hours: list[tuple[str, str]]
    closures: list[StoreClosure]
    counts: StoreCounts
    ready_by_now: datetime | None


def store_panel(*, location: Location, now: datetime | None = None) -> StorePanel | None:
    """The store card of a location page (None for other kinds): hours, closures, settings, today's load.

    A fixed number of queries.
    """
    from fulfillment.store_hours import WEEKDAY_NAMES, hours_label, pickup_ready_by

    if location.kind != LocationKind.STORE:
        return None
    now = now or timezone.now()
    clock = store_clocks([location], now=now)[location.pk]
    closures = list(StoreClosure.objects.filter(location=location, date__gte=local(now, location.timezone).date())[:10])
    return StorePanel(
        profile=profile_of(location),
        hours=[(WEEKDAY_NAMES[day], hours_label(clock.hours, day)) for day in range(7)],
        closures=closures,
        counts=store_counts(store=location, now=now),
        ready_by_now=pickup_ready_by(clock, now) if clock.hours else None,
    )
