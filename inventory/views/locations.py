"""Location pages: the list with stock totals, one location's stock and movements, the location form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import DomainError
from core.htmx import is_htmx, render_page
from inventory.catalog_selectors import bin_path_subquery
from inventory.forms import LOCATION_FORM_FIELDS, LevelFilterForm, LocationForm
from inventory.models import Location, LocationKind
from inventory.selectors import (
    LOW_STOCK_THRESHOLD,
    ledger_recent,
    location_get,
    location_list,
    stock_levels_at_location,
)
from inventory.services import location_create, location_update
from inventory.signals import location_panels
from inventory.views._shared import model_initial

LEVELS_PER_PAGE = 50


@require_GET
@permission_required("inventory.view_location", raise_exception=True)
def location_list_view(request: HttpRequest) -> HttpResponse:
    """The user's locations with stock totals, filtered by kind."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in LocationKind.values else ""
    locations = list(location_list(user=request.user, kind=kind))
    context = {
        "locations": locations,
        "kind": kind,
        "kinds": [("", "All"), *LocationKind.choices],
        "totals": {
            "on_hand": sum(loc.total_on_hand for loc in locations),  # type: ignore[attr-defined]
            "reserved": sum(loc.total_reserved for loc in locations),  # type: ignore[attr-defined]
        },
    }
    return render(request, "inventory/location_list.html", context)


@require_GET
@permission_required("inventory.view_location", raise_exception=True)
def location_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One location: details, capabilities, its stock (searchable, paginated) and recent movements."""
    location = location_get(user=request.user, code=code)
    form = LevelFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    levels = stock_levels_at_location(
        location=location, query=cleaned.get("q", ""), low_only=cleaned.get("low", False)
    ).annotate(bin_path=bin_path_subquery(sku_ref="sku_id", location_id=location.pk))
    page = Paginator(levels, LEVELS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "location": location,
        "form": form,
        "page": page,
        "filtered": bool(cleaned.get("q") or cleaned.get("low")),
        "recent": ledger_recent(user=request.user, location=location, limit=15),
        "low_threshold": LOW_STOCK_THRESHOLD,
        "can_set_bins": request.user.has_perm("inventory.adjust_stock"),
    }
    if not is_htmx(request):
        answers = location_panels.send(sender=Location, location=location, user=request.user)
        context["panels"] = [panel for _receiver, panel in answers if panel]
    return render_page(request, "inventory/location_detail.html", context, partial="levels")


@require_http_methods(["GET", "POST"])
@permission_required("inventory.add_location", raise_exception=True)
def location_create_view(request: HttpRequest) -> HttpResponse:
    """Create a location; a US ZIP code fills its coordinates, city, state and time zone."""
    return _location_form(request, location=None)


@require_http_methods(["GET", "POST"])
@permission_required("inventory.change_location", raise_exception=True)
def location_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit a location (scoped: a location the user may not see is a 404)."""
    return _location_form(request, location=location_get(user=request.user, code=code))


def _location_form(request: HttpRequest, *, location: Location | None) -> HttpResponse:
    """The location form: the service validates, geocodes and saves; refusals land on the field."""
    initial = model_initial(location, LOCATION_FORM_FIELDS) if location else {}
    form = LocationForm(request.POST or None, initial=initial, editing=location is not None)
    title = f"Edit {location.code}" if location else "New location"
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = (
                    location_update(location=location, **form.service_data())
                    if location
                    else location_create(**form.service_data())
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Location {saved.code} {'saved' if location else 'created'}.")
                return redirect("inventory:location_detail", code=saved.code)
        status = 422
    context = {"form": form, "location": location, "title": title}
    return render(request, "inventory/location_form.html", context, status=status)
