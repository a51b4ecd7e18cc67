"""The exceptions queue: orders that need a person, and channel orders held before they became orders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.htmx import render_page
from fulfillment.models import OPEN_SHIPMENT_STATUSES, TrackingStatus
from fulfillment.selectors.exceptions import EXCEPTION_KINDS, location_today, order_exception_counts, order_exceptions
from fulfillment.selectors.stores import hold_reason_of
from fulfillment.services import order_cancel, order_hold, order_release, order_reroute
from marketplaces.selectors import channel_orders_held
from orders.models import Order

ORDERS_PER_PAGE = 25
EXCEPTIONS_PER_PAGE = 25

BULK_SERVICES: dict[str, Callable[..., Any]] = {
    "hold": order_hold,
    "release": order_release,
    "reroute": order_reroute,
    "cancel": order_cancel,
}


def _day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def _exception_detail(kind: str, order: Order, now: datetime) -> str:
    """Why an order is in the queue, from its prefetched lines and shipments."""
    if kind in ("backordered", "unroutable"):
        waiting = [
            f"{line.sku.code} x {line.quantity_backordered}"
            for line in order.lines.all()
            if line.quantity_backordered > 0
        ]
        return "Waiting for stock: " + ", ".join(waiting)
    if kind == "late":
        late = []
        for shipment in order.shipments.all():
            if shipment.status not in OPEN_SHIPMENT_STATUSES:
                continue
            today = location_today(shipment.location, now)
            if shipment.estimated_delivery and shipment.estimated_delivery < today:
                late.append(
                    f"{shipment.number} at {shipment.location.code} was due {_day(shipment.estimated_delivery)}"
                )
            elif shipment.ship_by and shipment.ship_by < today:
                late.append(
                    f"{shipment.number} at {shipment.location.code} should have shipped {_day(shipment.ship_by)}"
                )
        return "; ".join(late)
    if kind == "delivery_problem":
        return _delivery_problems(order)
    if kind == "on_hold":
        reason = hold_reason_of(next(iter(getattr(order, "hold_events", [])), None))
        return f"Held: {reason}" if reason else "Held without a reason given"
    return order.routing_reason


def _delivery_problems(order: Order) -> str:
    """Each box in trouble and what its carrier said, from the prefetched boxes and their events."""
    problems = []
    for shipment in order.shipments.all():
        for box in shipment.packages.all():
            said = next(iter(box.tracking_events.all()), None)
            status = TrackingStatus(box.tracking_status).label
            text = f"{shipment.number} box {box.box_number} ({box.tracking_number}): {status}"
            problems.append(text + (f": {said.description}" if said and said.description else ""))
    return "; ".join(problems)


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def exceptions(request: HttpRequest) -> HttpResponse:
    """Orders that need a person: backordered, unroutable, on hold, late, delivery problems; a tab and count each."""
    now = timezone.now()
    counts = order_exception_counts(user=request.user, now=now)
    kinds = [
        {"value": value, "label": label, "help": help, "count": counts[value]} for value, label, help in EXCEPTION_KINDS
    ]
    kind = request.GET.get("kind", "")
    if kind not in counts:
        kind = next((value for value, _, _ in EXCEPTION_KINDS if counts[value]), EXCEPTION_KINDS[0][0])
    page = Paginator(order_exceptions(user=request.user, kind=kind, now=now), EXCEPTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [{"order": order, "detail": _exception_detail(kind, order, now)} for order in page]
    context = {
        "kinds": kinds,
        "kind": kind,
        "current": next(row for row in kinds if row["value"] == kind),
        "page": page,
        "rows": rows,
        "total": sum(counts.values()),
        "can_route": request.user.has_perm("orders.route_order"),
        "channel_held": channel_orders_held(),
    }
    return render_page(request, "orders/exceptions.html", context, partial="results")
