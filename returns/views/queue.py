"""The returns queue: status tabs with counts, search, location filter."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from core.htmx import render_page
from core.sorting import Sort, sort_from
from inventory.models import Location
from returns.selectors import ReturnFilters, queue_locations, return_queue, return_status_counts
from returns.views._shared import QUEUE_TABS, context_flags, require

PAGE_SIZE = 50

#: The queue's sortable columns (`?sort=-units`); the id breaks ties.
RETURN_SORTS: dict[str, tuple[str, ...]] = {
    "rma": ("id",),
    "order": ("order_id", "id"),
    "customer": ("order__customer_name", "id"),
    "location": ("return_location__code", "id"),
    "units": ("unit_count", "id"),
    "status": ("status", "id"),
    "requested": ("created_at", "id"),
}


def return_sort(request: HttpRequest) -> Sort:
    """The queue's order (and its export's): `?sort=` if it names a column, else newest first."""
    return sort_from(request.GET.get("sort"), columns=RETURN_SORTS, default="-requested")


def return_filters(request: HttpRequest) -> tuple[ReturnFilters, str, list[Location], Location | None]:
    """The queue's filters from the URL (the page and its export read them alike): the filters, the tab,
    the locations offered and the one chosen. Unknown values are ignored."""
    tab = request.GET.get("status", "")
    if tab not in {value for value, _ in QUEUE_TABS}:
        tab = ""
    locations = queue_locations(request.user)
    location_code = request.GET.get("location", "")
    location = next((loc for loc in locations if loc.code == location_code), None)
    filters = ReturnFilters(
        query=request.GET.get("q", "")[:100],
        status="" if tab == "approval" else tab,
        location_id=location.pk if location else None,
        needs_approval=tab == "approval",
    )
    return filters, tab, locations, location


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The queue for staff who read returns; the counter for a store associate."""
    if not request.user.has_perm("returns.view_returnauthorization"):
        if request.user.has_perm("returns.counter_return"):
            return redirect("returns:counter")
        require(request, "returns.view_returnauthorization")
    filters, tab, locations, location = return_filters(request)
    sort = return_sort(request)
    counts = return_status_counts(user=request.user, filters=filters)
    rows = return_queue(user=request.user, filters=filters).order_by(*sort.order_by())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "sort": sort,
        "tabs": [{"value": value, "label": label, "count": counts.get(value, 0)} for value, label in QUEUE_TABS],
        "tab": tab,
        "query": filters.query,
        "locations": locations,
        "location_code": location.code if location else "",
        **context_flags(request.user),
    }
    return render_page(request, "returns/queue.html", context, partial="results")
