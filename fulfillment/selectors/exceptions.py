"""The exceptions queue (orders that need a person) and the dashboard's order figures."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone as dj_timezone

from core.types import AnyUser
from fulfillment.models import (
    OPEN_SHIPMENT_STATUSES,
    Package,
    PackageStatus,
    Shipment,
    TrackingEvent,
    TrackingStatus,
)
from fulfillment.selectors.orders import DEAD_SHIPMENT_STATUSES, orders_for_staff
from inventory.models import Location
from orders.models import OPEN_STATUSES, Order, OrderEvent, OrderEventKind, OrderLine, OrderStatus

EXCEPTION_KINDS: list[tuple[str, str, str]] = [
    ("backordered", "Backordered", "Part of the order waits for stock; the rest is routed."),
    ("unroutable", "Unroutable", "No location could take any of it: every unit waits for stock."),
    ("on_hold", "On hold", "Held by staff: nothing is routed, picked or shipped until released."),
    ("late", "Late", "An open shipment should have shipped or arrived before today."),
    (
        "delivery_problem",
        "Delivery problem",
        "A carrier reported an exception or is returning a parcel to the sender; it is not delivered.",
    ),
]
#: Carrier statuses that need a person while the parcel is not delivered.
DELIVERY_PROBLEM_STATUSES = (TrackingStatus.EXCEPTION, TrackingStatus.RETURN_TO_SENDER)


_CLOSED = (OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


def _exception_condition(kind: str, now: datetime) -> Q:
    waiting = Exists(
        OrderLine.objects.filter(
            order=OuterRef("pk"),
            quantity__gt=F("quantity_allocated") + F("quantity_shipped") + F("quantity_cancelled"),
        )
    )
    standing = Exists(Shipment.objects.filter(order=OuterRef("pk")).exclude(status__in=DEAD_SHIPMENT_STATUSES))
    workable = ~Q(status__in=[*_CLOSED, OrderStatus.ON_HOLD])
    if kind == "backordered":
        return workable & Q(waiting) & Q(standing)
    if kind == "unroutable":
        return workable & Q(waiting) & ~Q(standing)
    if kind == "on_hold":
        return Q(status=OrderStatus.ON_HOLD)
    if kind == "late":
        late = Shipment.objects.filter(order=OuterRef("pk"), status__in=OPEN_SHIPMENT_STATUSES).filter(
            _overdue_at_location(now)
        )
        return ~Q(status__in=_CLOSED) & Q(Exists(late))
    if kind == "delivery_problem":
        return Q(Exists(_problem_boxes().filter(shipment__order=OuterRef("pk"))))
    raise ValueError(kind)


def _problem_boxes() -> QuerySet[Package]:
    """Labelled boxes whose carrier's latest word is a problem (so they are not delivered)."""
    return Package.objects.filter(status=PackageStatus.LABELLED, tracking_status__in=DELIVERY_PROBLEM_STATUSES)


def location_today(location: Location, now: datetime) -> date:
    """Today's date where `location` is: ship-by dates are that location's local dates."""
    return now.astimezone(ZoneInfo(location.timezone)).date()


def _overdue_at_location(now: datetime) -> Q:
    """Shipments whose ship-by or estimated delivery date is before today in their location's time zone.

    Comparing with the server's date would call every evening shipment in New York late once
    UTC has passed midnight; so each time zone in use gets its own "today" (one small query).
    """
    condition = Q(pk__in=[])
    for zone in sorted(set(Location.objects.values_list("timezone", flat=True))):
        today = now.astimezone(ZoneInfo(zone)).date()
        condition |= Q(location__timezone=zone) & (Q(estimated_delivery__lt=today) | Q(ship_by__lt=today))
    return condition


def order_dashboard_figures(*, user: AnyUser | object, now: datetime) -> dict[str, int]:
    """Orders at a glance for the dashboard: placed today, open, and the exceptions that need a person.

    "Today" is the merchant's day (settings.TIME_ZONE). Three queries: one for the order
    counts, two for the exceptions (see `order_exception_counts`).
    """
    midnight = dj_timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = orders_for_staff(user).aggregate(
        placed_today=Count("pk", filter=Q(placed_at__gte=midnight)),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
    )
    return {**counts, **order_exception_counts(user=user, now=now)}


def order_exception_counts(*, user: AnyUser | object, now: datetime) -> dict[str, int]:
    """How many orders need a person, per kind (two queries). An order may be of several kinds."""
    return orders_for_staff(user).aggregate(
        **{kind: Count("pk", filter=_exception_condition(kind, now)) for kind, _, _ in EXCEPTION_KINDS}
    )


def order_exceptions(*, user: AnyUser | object, kind: str, now: datetime) -> QuerySet[Order]:
    """The orders of one exception kind, oldest first, with lines and shipments for the reasons."""
    shipments = Shipment.objects.select_related("location").order_by("pk")
    related = [
        Prefetch("lines", queryset=OrderLine.objects.select_related("sku").order_by("line_number")),
        Prefetch("shipments", queryset=shipments),
    ]
    if kind == "delivery_problem":  # the boxes in trouble and the carrier's latest words about them
        problems = TrackingEvent.objects.filter(status__in=DELIVERY_PROBLEM_STATUSES).order_by("-occurred_at")
        related += [
            Prefetch("shipments__packages", queryset=_problem_boxes().order_by("box_number")),
            Prefetch("shipments__packages__tracking_events", queryset=problems),
        ]
    if kind == "on_hold":  # the "-> On hold" entries, latest first: the first one says why it is held now
        holds = OrderEvent.objects.filter(kind=OrderEventKind.STATUS, data__to=OrderStatus.ON_HOLD).order_by("-pk")
        related.append(Prefetch("events", queryset=holds, to_attr="hold_events"))
    return (
        orders_for_staff(user)
        .filter(_exception_condition(kind, now))
        .select_related("channel")
        .prefetch_related(*related)
        .order_by("placed_at", "id")
    )
