"""The stock movements list (/lists/movements/): every ledger row at the reader's locations, filtered,
sorted, saved and exported like the other lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET

from core.htmx import render_page
from core.sorting import Sort, sort_from
from inventory.models import Location, MovementKind, StockMovement
from inventory.selectors import visible_location_ids

PER_PAGE = 50
#: Sortable columns; the id is the ledger's order, so "when" sorts by it.
MOVEMENT_SORTS: dict[str, tuple[str, ...]] = {
    "when": ("id",),
    "sku": ("sku__code", "id"),
    "location": ("location__code", "id"),
    "kind": ("kind", "id"),
    "on_hand": ("on_hand_delta", "id"),
}


@dataclass(frozen=True)
class MovementFilters:
    """What the list is narrowed to; values the reader may not see or that do not parse are dropped."""

    sku: str = ""
    location: Location | None = None
    kind: str = ""
    since: date | None = None
    until: date | None = None


def movement_locations(user: Any) -> list[Location]:
    """The locations the reader may filter by (their own, or all), by code (one query)."""
    qs = Location.objects.order_by("code").only("code", "name")
    ids = visible_location_ids(user)
    return list(qs if ids is None else qs.filter(pk__in=ids))


def movement_filters(request: HttpRequest, locations: list[Location]) -> MovementFilters:
    """The list's filters from the URL (the page and its export read them alike)."""
    by_code = {location.code: location for location in locations}
    kind = request.GET.get("kind", "")

    def day(name: str) -> date | None:
        try:
            return parse_date(request.GET.get(name, ""))
        except ValueError:
            return None

    return MovementFilters(
        sku=request.GET.get("sku", "").strip()[:64],
        location=by_code.get(request.GET.get("location", "")),
        kind=kind if kind in MovementKind.values else "",
        since=day("since"),
        until=day("until"),
    )


def movement_sort(request: HttpRequest) -> Sort:
    """The list's order: `?sort=` if it names a column, else newest first."""
    return sort_from(request.GET.get("sort"), columns=MOVEMENT_SORTS, default="-when")


def movement_rows(*, user: Any, filters: MovementFilters, sort: Sort) -> QuerySet[StockMovement]:
    """The ledger rows `user` may see under `filters`, in `sort`, with SKU, location and who (one query)."""
    qs = StockMovement.objects.select_related("sku", "location", "actor")
    ids = visible_location_ids(user)
    if ids is not None:
        qs = qs.filter(location_id__in=ids)
    if filters.sku:
        qs = qs.filter(sku__code=filters.sku)
    if filters.location is not None:
        qs = qs.filter(location=filters.location)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.since:
        qs = qs.filter(created_at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(created_at__date__lte=filters.until)
    return qs.order_by(*sort.order_by())


def movement_list_rows(request: HttpRequest) -> QuerySet[StockMovement]:
    """The rows the list shows for this URL (the export's rows)."""
    filters = movement_filters(request, movement_locations(request.user))
    return movement_rows(user=request.user, filters=filters, sort=movement_sort(request))


@require_GET
@permission_required("inventory.view_stockmovement", raise_exception=True)
def movements(request: HttpRequest) -> HttpResponse:
    """Every stock movement at the reader's locations: filters, sortable columns, saved views, CSV.

    A constant number of queries: the locations, the count, the page of rows, the saved views.
    """
    locations = movement_locations(request.user)
    filters = movement_filters(request, locations)
    sort = movement_sort(request)
    rows = movement_rows(user=request.user, filters=filters, sort=sort)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "sort": sort,
        "filters": filters,
        "locations": locations,
        "kinds": MovementKind.choices,
    }
    return render_page(request, "ui/lists/movements.html", context, partial="results")
