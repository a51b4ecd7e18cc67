"""Reads of orders with their shipments, scoped to who asks: a channel key sees only its channel's orders.

The API's order list and detail, and the staff pages: the orders list with its status
counts and one order with everything its page shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from core.types import AnyUser, user_has_perm
from fulfillment.models import (
    RoutingDecision,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
)
from fulfillment.selectors.kpi_conditions import KPI_LABELS, order_kpi_condition
from orders.models import Order, OrderEvent, OrderLine, OrderStatus
from orders.selectors import OrderFilters


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


#: Shipments that still stand (not cancelled or rejected): what an order "ships from".
DEAD_SHIPMENT_STATUSES = (ShipmentStatus.CANCELLED, ShipmentStatus.REJECTED)


_ORDER_NUMBER = re.compile(r"(?:SO-?)?0*(\d{1,9})", re.IGNORECASE)


def orders_for_staff(user: AnyUser | object) -> QuerySet[Order]:
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
    qs = orders_for_staff(user)
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
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    if filters.kpi in KPI_LABELS:  # unknown values are ignored, like every other filter
        qs = qs.filter(order_kpi_condition(filters.kpi, location_id=filters.location_id))
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
    return list(orders_for_staff(user).filter(pk__in=list(ids)).order_by("pk"))


def order_detail(*, user: AnyUser | object, pk: int) -> Order:
    """One order with everything its page shows, or 404: lines, shipments (location, package,
    lines, tracking), the timeline with who did what, and every routing decision, newest first.

    A constant number of queries, whatever the order holds.
    """
    shipments = (
        Shipment.objects.select_related("location")
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("sku").order_by("pk")),
            Prefetch("tracking_events", queryset=TrackingEvent.objects.select_related("package")),
            "packages",
        )
        .order_by("pk")
    )
    qs = (
        orders_for_staff(user)
        .select_related("channel", "pickup_location", "pickup__location", "pickup__picked_up_by")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("sku").order_by("line_number")),
            Prefetch("shipments", queryset=shipments),
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("-created_at", "-id")),
            Prefetch("routing_decisions", queryset=RoutingDecision.objects.order_by("-created_at", "-id")),
            "tags",
        )
    )
    try:
        return qs.get(pk=pk)
    except Order.DoesNotExist as exc:
        raise Http404("No such order.") from exc
