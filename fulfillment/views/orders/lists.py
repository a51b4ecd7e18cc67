"""The orders list (status tabs, search, filters, bulk actions) and the exceptions queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.htmx import render_page
from core.sorting import Sort, sort_from
from fulfillment.selectors.kpi_conditions import KPI_LABELS
from fulfillment.selectors.orders import order_search, order_status_counts, orders_by_ids
from fulfillment.services import order_cancel, order_hold, order_release, order_reroute
from fulfillment.views.orders._shared import refusal, safe_next
from orders.forms import BULK_ACTIONS, BulkActionForm, OrderFilterForm
from orders.models import Order, OrderStatus
from orders.selectors import order_filter_choices

ORDERS_PER_PAGE = 25
EXCEPTIONS_PER_PAGE = 25

#: The orders list's sortable columns (`?sort=total`, `?sort=-placed`); the id breaks ties, so pages never overlap.
ORDER_SORTS: dict[str, tuple[str, ...]] = {
    "order": ("id",),
    "placed": ("placed_at", "id"),
    "customer": ("customer_name", "id"),
    "channel": ("channel__name", "id"),
    "units": ("units", "id"),
    "total": ("grand_total", "id"),
    "status": ("status", "id"),
}
ORDER_DEFAULT_SORT = "-placed"


def order_sort(request: HttpRequest) -> Sort:
    """The order the orders list (and its export) is in: `?sort=` if it names a column, else newest first."""
    return sort_from(request.GET.get("sort"), columns=ORDER_SORTS, default=ORDER_DEFAULT_SORT)


BULK_SERVICES: dict[str, Callable[..., Any]] = {
    "hold": order_hold,
    "release": order_release,
    "reroute": order_reroute,
    "cancel": order_cancel,
}


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def index(request: HttpRequest) -> HttpResponse:
    """Every order, newest first or by the column clicked: a tab per status with its count, search,
    filters, bulk actions, saved views, visible columns and the CSV export.

    The number of queries does not grow with the page: the status counts (one aggregate),
    the page count, the orders, their shipments, their tags, and the list's saved views.
    """
    form = OrderFilterForm(request.GET or None, **order_filter_choices())
    filters = form.filters()
    counts = order_status_counts(user=request.user, filters=filters)
    tabs = [{"value": "", "label": "All", "count": counts[""]}] + [
        {"value": value, "label": label, "count": counts[value]} for value, label in OrderStatus.choices
    ]
    sort = order_sort(request)
    # each row shows the order's tags as chips: one more query for the page, whatever its size
    orders = order_search(user=request.user, filters=filters).prefetch_related("tags").order_by(*sort.order_by())
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filters": filters,
        "tabs": tabs,
        "page": page,
        "sort": sort,
        "can_route": request.user.has_perm("orders.route_order"),
        "can_cancel": request.user.has_perm("orders.cancel_order"),
        "can_add": request.user.has_perm("orders.add_order"),
        "kpi_label": KPI_LABELS.get(filters.kpi, ""),
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
