"""The returns queue: status tabs with counts, search, location filter."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from core.htmx import render_page
from returns.selectors import ReturnFilters, queue_locations, return_queue, return_status_counts
from returns.views._shared import QUEUE_TABS, context_flags, require

PAGE_SIZE = 50


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The queue for staff who read returns; the counter for a store associate."""
    if not request.user.has_perm("returns.view_returnauthorization"):
        if request.user.has_perm("returns.counter_return"):
            return redirect("returns:counter")
        require(request, "returns.view_returnauthorization")
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
    counts = return_status_counts(user=request.user, filters=filters)
    page = Paginator(return_queue(user=request.user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "tabs": [{"value": value, "label": label, "count": counts.get(value, 0)} for value, label in QUEUE_TABS],
        "tab": tab,
        "query": filters.query,
        "locations": locations,
        "location_code": location.code if location else "",
        **context_flags(request.user),
    }
    return render_page(request, "returns/queue.html", context, partial="results")
