"""The exceptions queue: orders that need a person, store rejections nobody could take, stock
pushes a channel refused, and channel orders held before they became orders."""

from __future__ import annotations

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
from marketplaces.selectors import channel_orders_held
from orders.models import Order, OrderStatus
from ui.selectors.exceptions import CHANNEL_HELD, ROW_KIND_BY_VALUE, row_kind_counts, row_kind_rows, row_kinds_for

EXCEPTIONS_PER_PAGE = 25
#: The order kinds a row can resolve inline, and with which action.
ORDER_KIND_ACTIONS = {"on_hold": "release", "backordered": "reroute", "unroutable": "reroute"}
_CLOSED = (OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


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


def order_row_action(user: Any, kind: str, order: Order) -> str:
    """The inline action that resolves this order's row ("" when none, or the person may not route)."""
    action = ORDER_KIND_ACTIONS.get(kind, "")
    if not action or not user.has_perm("orders.route_order"):
        return ""
    if action == "release":
        return action if order.status == OrderStatus.ON_HOLD else ""
    return action if order.status not in (OrderStatus.ON_HOLD, *_CLOSED) else ""


def exception_kinds(*, user: Any, now: datetime) -> list[dict[str, Any]]:
    """Every kind this person may see, each with its label, help, count and whether its rows are orders.

    Two queries for the order kinds, then one count per row kind.
    """
    counts = order_exception_counts(user=user, now=now)
    kinds = [
        {"value": value, "label": label, "help": help, "count": counts[value], "orders": True}
        for value, label, help in EXCEPTION_KINDS
    ]
    row_counts = row_kind_counts(user=user)
    kinds += [
        {"value": kind.value, "label": kind.label, "help": kind.help, "count": row_counts[kind.value], "orders": False}
        for kind in row_kinds_for(user)
    ]
    return kinds


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def exceptions(request: HttpRequest) -> HttpResponse:
    """Everything that needs a person, a chip and count per kind; each row says why, since when, and
    offers the action that resolves it to those who may take it.

    The number of queries does not grow with the rows: the counts, the page count, the rows
    and (for order kinds) their prefetched lines, shipments and reasons.
    """
    now = timezone.now()
    kinds = exception_kinds(user=request.user, now=now)
    by_value = {row["value"]: row for row in kinds}
    kind = request.GET.get("kind", "")
    if kind not in by_value:
        kind = next((row["value"] for row in kinds if row["count"]), kinds[0]["value"])
    current = by_value[kind]
    if current["orders"]:
        queryset: Any = order_exceptions(user=request.user, kind=kind, now=now)
    else:
        queryset = row_kind_rows(user=request.user, kind=kind)
    page = Paginator(queryset, EXCEPTIONS_PER_PAGE).get_page(request.GET.get("page"))
    if current["orders"]:
        rows = [
            {
                "order": order,
                "detail": _exception_detail(kind, order, now),
                "action": order_row_action(request.user, kind, order),
            }
            for order in page
        ]
    else:
        can_act = request.user.has_perm(ROW_KIND_BY_VALUE[kind].act_permission)
        rows = [{"object": item, "can_act": can_act} for item in page]
    context = {
        "kinds": kinds,
        "kind": kind,
        "current": current,
        "page": page,
        "rows": rows,
        "total": sum(row["count"] for row in kinds),
        # per channel, linking to where the listing is fixed (the chip lists them one by one)
        "channel_held": channel_orders_held() if CHANNEL_HELD in by_value else [],
    }
    return render_page(request, "orders/exceptions.html", context, partial="results")
