"""Reads for orders, scoped to who asks: a channel key sees only its channel's orders.

Staff pages read through the selectors further down: the orders list with its status
counts, one order with everything its page shows, the exceptions queue, and the work
queue of a location (shipments to accept, pick, pack and ship, pick lists, packing
progress). Location staff see only their locations (`inventory.selectors.visible_location_ids`):
anything else is a 404.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from channels.models import Channel
from core.types import AnyUser, user_has_perm
from fulfillment.models import (
    OPEN_SHIPMENT_STATUSES,
    CarrierService,
    RoutingDecision,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from inventory.models import Location
from orders.models import OPEN_STATUSES, Order, OrderEvent, OrderLine, OrderStatus


def _channel_id(user: AnyUser | object) -> int | None:
    channel = getattr(user, "channel", None)
    return channel.pk if channel is not None else None


def order_queryset() -> QuerySet[Order]:
    """Orders with everything the API and pages show, in a constant number of queries."""
    return Order.objects.select_related("channel", "pickup_location").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("sku").order_by("line_number")),
        Prefetch(
            "shipments",
            queryset=Shipment.objects.select_related("location").prefetch_related(
                Prefetch("lines", queryset=ShipmentLine.objects.select_related("sku"))
            ),
        ),
    )


def orders_visible_to(user: AnyUser | object) -> QuerySet[Order]:
    """Every order the caller may read: a channel's own, or all for staff with view_order."""
    channel_id = _channel_id(user)
    if channel_id is not None:
        return order_queryset().filter(channel_id=channel_id)
    if user_has_perm(user, "orders.view_order"):  # type: ignore[arg-type]
        return order_queryset()
    return order_queryset().none()


def order_list(*, user: AnyUser | object, updated_since: datetime | None = None, status: str = "") -> QuerySet[Order]:
    """Orders for a list or a sync, oldest change first when syncing by `updated_since`."""
    qs = orders_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if updated_since is not None:
        return qs.filter(updated_at__gt=updated_since).order_by("updated_at", "id")
    return qs.order_by("-placed_at", "-id")


def order_get(*, user: AnyUser | object, pk: int) -> Order:
    """One order the caller may read, or 404 (another channel's order does not exist for you)."""
    try:
        return orders_visible_to(user).get(pk=pk)
    except Order.DoesNotExist as exc:
        raise Http404("No such order.") from exc


# --- Staff pages: the orders list ----------------------------------------------------------

#: Shipments that still stand (not cancelled or rejected): what an order "ships from".
DEAD_SHIPMENT_STATUSES = (ShipmentStatus.CANCELLED, ShipmentStatus.REJECTED)
_ORDER_NUMBER = re.compile(r"(?:SO-?)?0*(\d{1,9})", re.IGNORECASE)


@dataclass(frozen=True)
class OrderFilters:
    """What the orders list is narrowed to; empty values do not filter."""

    query: str = ""
    status: str = ""
    channel_id: int | None = None
    location_id: int | None = None
    placed_from: date | None = None
    placed_to: date | None = None

    @property
    def active(self) -> bool:
        """True when anything but the status tab narrows the list."""
        return bool(self.query or self.channel_id or self.location_id or self.placed_from or self.placed_to)


def _staff_orders(user: AnyUser | object) -> QuerySet[Order]:
    """Orders a staff user may read, without any prefetching (a channel key reads only its own)."""
    channel_id = _channel_id(user)
    if channel_id is not None:
        return Order.objects.filter(channel_id=channel_id)
    if user_has_perm(user, "orders.view_order"):  # type: ignore[arg-type]
        return Order.objects.all()
    return Order.objects.none()


def _search(query: str) -> Q:
    """An order number (SO-000123, so-123 or 123), an external id, or a customer's name or email."""
    text = query.strip()
    condition = Q(external_id__icontains=text) | Q(customer_name__icontains=text) | Q(customer_email__icontains=text)
    number = _ORDER_NUMBER.fullmatch(text)
    if number:
        condition |= Q(pk=int(number.group(1)))
    return condition


def _filtered(user: AnyUser | object, filters: OrderFilters, *, with_status: bool) -> QuerySet[Order]:
    qs = _staff_orders(user)
    if filters.query.strip():
        qs = qs.filter(_search(filters.query))
    if filters.channel_id:
        qs = qs.filter(channel_id=filters.channel_id)
    if filters.location_id:
        qs = qs.filter(Exists(Shipment.objects.filter(order=OuterRef("pk"), location_id=filters.location_id)))
    if filters.placed_from:
        qs = qs.filter(placed_at__date__gte=filters.placed_from)
    if filters.placed_to:
        qs = qs.filter(placed_at__date__lte=filters.placed_to)
    if with_status and filters.status:
        qs = qs.filter(status=filters.status)
    return qs


def _units() -> Subquery:
    """Units ordered, as a subquery (no join, so filters and prefetches stay exact)."""
    per_order = OrderLine.objects.filter(order=OuterRef("pk")).values("order").annotate(total=Sum("quantity"))
    return Subquery(per_order.values("total"))


def order_search(*, user: AnyUser | object, filters: OrderFilters) -> QuerySet[Order]:
    """The orders list: newest first, each with its channel, units (`units`) and standing shipments.

    Three queries for a page whatever its size: the count, the orders, their shipments.
    """
    live = Shipment.objects.exclude(status__in=DEAD_SHIPMENT_STATUSES).select_related("location").order_by("pk")
    return (
        _filtered(user, filters, with_status=True)
        .select_related("channel")
        .annotate(units=Coalesce(_units(), 0))
        .prefetch_related(Prefetch("shipments", queryset=live, to_attr="live_shipments"))
        .order_by("-placed_at", "-id")
    )


def order_status_counts(*, user: AnyUser | object, filters: OrderFilters) -> dict[str, int]:
    """Orders per status under every filter but the status one, and "" for all (one query)."""
    qs = _filtered(user, filters, with_status=False)
    counts = qs.aggregate(
        all=Count("pk"), **{value: Count("pk", filter=Q(status=value)) for value in OrderStatus.values}
    )
    return {("" if key == "all" else key): value for key, value in counts.items()}


def orders_by_ids(*, user: AnyUser | object, ids: Sequence[int]) -> list[Order]:
    """The orders of a bulk action that the user may read, in number order (others are ignored)."""
    return list(_staff_orders(user).filter(pk__in=list(ids)).order_by("pk"))


def order_filter_choices() -> dict[str, list[Any]]:
    """The channels and the locations the orders list can be filtered by (two queries)."""
    return {
        "channels": list(Channel.objects.order_by("name").only("code", "name")),
        "locations": list(Location.objects.filter(is_active=True).order_by("code").only("code", "name")),
    }


def order_form_choices() -> dict[str, list[Any]]:
    """The enabled channels and the stores that hand over pickups, for the manual order form."""
    return {
        "channels": list(Channel.objects.filter(is_active=True).order_by("name")),
        "pickup_stores": list(
            Location.objects.filter(is_active=True, offers_pickup=True).order_by("name").only("code", "name")
        ),
    }


# --- Staff pages: one order ------------------------------------------------------------------


def order_detail(*, user: AnyUser | object, pk: int) -> Order:
    """One order with everything its page shows, or 404: lines, shipments (location, package,
    lines, tracking), the timeline with who did what, and every routing decision, newest first.

    A constant number of queries, whatever the order holds.
    """
    shipments = (
        Shipment.objects.select_related("location", "package")
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("sku").order_by("pk")),
            "tracking_events",
        )
        .order_by("pk")
    )
    qs = (
        _staff_orders(user)
        .select_related("channel", "pickup_location")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("sku").order_by("line_number")),
            Prefetch("shipments", queryset=shipments),
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("-created_at", "-id")),
            Prefetch("routing_decisions", queryset=RoutingDecision.objects.order_by("-created_at", "-id")),
        )
    )
    try:
        return qs.get(pk=pk)
    except Order.DoesNotExist as exc:
        raise Http404("No such order.") from exc


def carrier_service_names() -> dict[tuple[str, str], str]:
    """How a person names a shipment's service: ("postline", "priority-mail") -> "Postline Priority Mail"."""
    rows = CarrierService.objects.values_list("carrier__code", "code", "carrier__name", "name")
    return {(carrier, code): f"{carrier_name} {name}" for carrier, code, carrier_name, name in rows}


def service_label(names: dict[tuple[str, str], str], carrier: str, service: str) -> str:
    """The service's name, or its codes when the carrier no longer has it."""
    return names.get((carrier, service)) or f"{carrier} {service}".strip()


COST_LABELS = {
    "shipping": "Shipping",
    "handling": "Handling",
    "packages": "Packages",
    "late_penalty": "Late-delivery penalty",
    "backorder_penalty": "Backorder penalty",
}
METHOD_LABELS = {
    "single": "one location, proven cheapest",
    "exact": "split, proven cheapest by enumeration",
    "milp": "proven cheapest by the MILP solver",
    "heuristic": "best plan found within the time budget",
    "greedy": "line-by-line greedy",
}


def _money(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0.00")


def _iso_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class RoutingExplanation:
    """A routing decision as a person reads it: why, how, what it costs, and what else was possible."""

    decision: RoutingDecision
    method_label: str
    costs: list[tuple[str, Decimal]]
    shipments: list[dict[str, Any]]
    backorders: list[tuple[str, int]]
    alternatives: list[dict[str, Any]]


def routing_explanation(
    decision: RoutingDecision, service_names: dict[tuple[str, str], str] | None = None
) -> RoutingExplanation:
    """Read a stored decision's plan and runners-up (no query; names from `carrier_service_names`)."""
    plan = decision.plan if isinstance(decision.plan, dict) else {}
    breakdown = plan.get("cost_breakdown") or {}
    costs = [
        (COST_LABELS.get(key, key.replace("_", " ").capitalize()), _money(value)) for key, value in breakdown.items()
    ]
    shipments = [
        {
            "location": row.get("location", ""),
            "lines": sorted((row.get("lines") or {}).items()),
            "service_label": service_label(service_names or {}, row.get("carrier", ""), row.get("service", "")),
            "cost": _money(row.get("cost")),
            "zone": row.get("zone"),
            "miles": row.get("distance_miles"),
            "weight_grams": row.get("weight_grams"),
            "estimated_delivery": _iso_date(row.get("estimated_delivery")),
        }
        for row in plan.get("shipments") or []
    ]
    alternatives = []
    for row in decision.alternatives or []:
        total = _money(row.get("total_cost"))
        alternatives.append(
            {
                "locations": row.get("locations") or [],
                "total_cost": total,
                "extra": total - decision.total_cost,
                "packages": row.get("packages"),
                "backordered_units": row.get("backordered_units") or 0,
                "summary": row.get("summary", ""),
            }
        )
    return RoutingExplanation(
        decision=decision,
        method_label=METHOD_LABELS.get(decision.method, decision.method),
        costs=costs,
        shipments=shipments,
        backorders=sorted((plan.get("backorders") or {}).items()),
        alternatives=alternatives,
    )


# --- Staff pages: the exceptions queue -------------------------------------------------------

EXCEPTION_KINDS: list[tuple[str, str, str]] = [
    ("backordered", "Backordered", "Part of the order waits for stock; the rest is routed."),
    ("unroutable", "Unroutable", "No location could take any of it: every unit waits for stock."),
    ("on_hold", "On hold", "Held by staff: nothing is routed, picked or shipped until released."),
    ("late", "Late", "An open shipment should have shipped or arrived before today."),
]
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
    raise ValueError(kind)


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
    from django.utils import timezone as dj_timezone

    midnight = dj_timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = _staff_orders(user).aggregate(
        placed_today=Count("pk", filter=Q(placed_at__gte=midnight)),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
    )
    return {**counts, **order_exception_counts(user=user, now=now)}


def channel_orders_held() -> list[dict[str, Any]]:
    """Channel orders held before they became orders (a SKU not listed, a line we cannot read), per channel.

    They are not orders yet, so they cannot sit in the exceptions queue itself; the queue
    points to each channel's page, where they are listed with their reasons (one query).
    """
    from marketplaces.models import ChannelOrder, ChannelOrderStatus

    return list(
        ChannelOrder.objects.filter(status=ChannelOrderStatus.HELD)
        .values("channel__code", "channel__name")
        .annotate(count=Count("pk"))
        .order_by("channel__code")
    )


def order_exception_counts(*, user: AnyUser | object, now: datetime) -> dict[str, int]:
    """How many orders need a person, per kind (two queries). An order may be of several kinds."""
    return _staff_orders(user).aggregate(
        **{kind: Count("pk", filter=_exception_condition(kind, now)) for kind, _, _ in EXCEPTION_KINDS}
    )


def order_exceptions(*, user: AnyUser | object, kind: str, now: datetime) -> QuerySet[Order]:
    """The orders of one exception kind, oldest first, with lines and shipments for the reasons."""
    shipments = Shipment.objects.select_related("location").order_by("pk")
    return (
        _staff_orders(user)
        .filter(_exception_condition(kind, now))
        .select_related("channel")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("sku").order_by("line_number")),
            Prefetch("shipments", queryset=shipments),
        )
        .order_by("placed_at", "id")
    )
