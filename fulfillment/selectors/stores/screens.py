"""The store associate's screens: the store page (counters, queues), a pickup, a request; the store card.

Everything a store associate reads is scoped to the stores they may see
(`inventory.selectors.visible_location_ids`): another store's pickup or request is a 404.
Each function loads what its page needs in a fixed number of queries. `store_panel` is the
store card of a location page.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from core.types import AnyUser, user_has_perm
from fulfillment.models import Pickup, PickupStatus, Shipment, ShipmentLine, ShipmentStatus, StoreClosure, StoreProfile
from fulfillment.selectors.stores.clocks import (
    DEAD_STATUSES,
    local_day_start,
    pickup_load_by_day,
    profile_of,
    store_clocks,
)
from fulfillment.store_hours import WEEKDAY_NAMES, hours_label, local, pickup_ready_by
from inventory.models import Location, LocationKind
from inventory.selectors import visible_location_ids
from orders.models import DeliveryMethod, Order, OrderEvent, OrderEventKind, OrderLine, OrderStatus


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
    start = local_day_start(store, now)
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


def store_requests_to_pack(*, store: Location) -> QuerySet[Shipment]:
    """Ship-from-store requests the store accepted and has still to pack, the earliest ship-by first (one query)."""
    return (
        Shipment.objects.filter(location=store, status__in=(ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING))
        .exclude(order__delivery_method=DeliveryMethod.PICKUP)
        .select_related("order")
        .order_by(F("ship_by").asc(nulls_last=True), "pk")
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
    return hold_reason_of(event)


def hold_reason_of(event: OrderEvent | None) -> str:
    """The reason typed with a "-> On hold" timeline entry ("" without one): its text after "status: "."""
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
