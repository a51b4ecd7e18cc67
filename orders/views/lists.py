"""The orders list (status tabs, search, filters, bulk actions) and the exceptions queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.htmx import render_page
from fulfillment.models import OPEN_SHIPMENT_STATUSES
from fulfillment.services import order_cancel, order_hold, order_release, order_reroute
from orders.forms import BULK_ACTIONS, BulkActionForm, OrderFilterForm
from orders.models import Order, OrderStatus
from orders.selectors import (
    EXCEPTION_KINDS,
    channel_orders_held,
    location_today,
    order_exception_counts,
    order_exceptions,
    order_filter_choices,
    order_search,
    order_status_counts,
    orders_by_ids,
)
from orders.views._shared import refusal, safe_next

ORDERS_PER_PAGE = 25
EXCEPTIONS_PER_PAGE = 25

BULK_SERVICES: dict[str, Callable[..., Any]] = {
    "hold": order_hold,
    "release": order_release,
    "reroute": order_reroute,
    "cancel": order_cancel,
}


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def index(request: HttpRequest) -> HttpResponse:
    """Every order, newest first: a tab per status with its count, search, filters, bulk actions.

    The number of queries does not grow with the page: the status counts (one aggregate),
    the page count, the orders, and their shipments.
    """
    form = OrderFilterForm(request.GET or None, **order_filter_choices())
    filters = form.filters()
    counts = order_status_counts(user=request.user, filters=filters)
    tabs = [{"value": "", "label": "All", "count": counts[""]}] + [
        {"value": value, "label": label, "count": counts[value]} for value, label in OrderStatus.choices
    ]
    page = Paginator(order_search(user=request.user, filters=filters), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "filters": filters,
        "tabs": tabs,
        "page": page,
        "can_route": request.user.has_perm("orders.route_order"),
        "can_cancel": request.user.has_perm("orders.cancel_order"),
        "can_add": request.user.has_perm("orders.add_order"),
    }
    return render_page(request, "orders/list.html", context, partial="results")


@require_POST
@permission_required("orders.view_order", raise_exception=True)
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Hold, release, re-route or cancel the ticked orders, one service call per order.

    Orders the services refuse are named in the one message, with the reason; the others
    are done. The user goes back to the list as it was (its filters and page).
    """
    back = safe_next(request, reverse("orders:index"))
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        problem = next(iter(form.errors.values()))[0]
        messages.error(request, f"Nothing was done: {problem}")
        return redirect(back)
    action = form.cleaned_data["action"]
    verb, permission = BULK_ACTIONS[action]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    service = BULK_SERVICES[action]
    reason = form.cleaned_data["reason"].strip()
    done: list[Order] = []
    refused: list[str] = []
    for order in orders_by_ids(user=request.user, ids=form.cleaned_data["orders"]):
        try:
            service(order=order, actor=request.user, reason=reason)
        except DomainError as exc:
            refused.append(f"{order.number} was not {verb}: {refusal(order.number, exc.message)}")
        else:
            done.append(order)
    text = "; ".join([f"{len(done)} {verb}", *(problem.rstrip(".") for problem in refused)]) + "."
    if not refused:
        messages.success(request, text)
    elif done:
        messages.warning(request, text)
    else:
        messages.error(request, text)
    return redirect(back)


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
    return order.routing_reason


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def exceptions(request: HttpRequest) -> HttpResponse:
    """Orders that need a person: backordered, unroutable, on hold, late; a tab and a count for each."""
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
