"""Carrier and service forms, and a service's rate table edited as one grid (zones x weights)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.htmx import is_htmx, render_page
from fulfillment.forms import LEVEL_LABELS, CarrierForm, CarrierServiceForm, grid_from_table, parse_rate_grid
from fulfillment.models import Carrier, CarrierService
from fulfillment.selectors import carrier_get, carrier_service_get, rate_table
from fulfillment.services.rates import (
    ZONES,
    carrier_create,
    carrier_service_create,
    carrier_service_update,
    carrier_update,
    rate_table_set,
)

FORM_TEMPLATE = "fulfillment/carrier_form.html"
RATES_TEMPLATE = "fulfillment/service_rates.html"
#: Service codes that would collide with the carrier's own URLs.
RESERVED_SERVICE_CODES = frozenset({"edit", "services"})


@require_http_methods(["GET", "POST"])
@permission_required("fulfillment.manage_rates", raise_exception=True)
def carrier_create_view(request: HttpRequest) -> HttpResponse:
    """Add a carrier; its services and rate tables come next."""
    return _carrier_form(request, carrier=None)


@require_http_methods(["GET", "POST"])
@permission_required("fulfillment.manage_rates", raise_exception=True)
def carrier_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Rename a carrier or switch it on or off."""
    return _carrier_form(request, carrier=carrier_get(code=code))


def _carrier_form(request: HttpRequest, *, carrier: Carrier | None) -> HttpResponse:
    initial = {"code": carrier.code, "name": carrier.name, "is_active": carrier.is_active} if carrier else {}
    form = CarrierForm(request.POST or None, initial=initial, editing=carrier is not None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if carrier:
                    saved = carrier_update(carrier=carrier, name=data["name"], is_active=data["is_active"])
                else:
                    saved = carrier_create(code=data["code"], name=data["name"], is_active=data["is_active"])
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Carrier {saved.name} {'saved' if carrier else 'added'}.")
                if carrier:
                    return redirect("fulfillment:routing")
                return redirect("fulfillment:service_create", code=saved.code)
        status = 422
    context = {
        "form": form,
        "title": f"Edit {carrier.name}" if carrier else "New carrier",
        "kind": "carrier",
        "carrier": carrier,
        "submit": "Save changes" if carrier else "Add carrier",
    }
    return render(request, FORM_TEMPLATE, context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("fulfillment.manage_rates", raise_exception=True)
def service_create_view(request: HttpRequest, code: str) -> HttpResponse:
    """Add a service to a carrier, then fill its rate table."""
    return _service_form(request, carrier=carrier_get(code=code), service=None)


@require_http_methods(["GET", "POST"])
@permission_required("fulfillment.manage_rates", raise_exception=True)
def service_edit(request: HttpRequest, code: str, service: str) -> HttpResponse:
    """Rename a service, change its level, or switch it on or off."""
    found = carrier_service_get(carrier_code=code, service_code=service)
    return _service_form(request, carrier=found.carrier, service=found)


def _service_form(request: HttpRequest, *, carrier: Carrier, service: CarrierService | None) -> HttpResponse:
    initial = (
        {"code": service.code, "name": service.name, "level": service.level, "is_active": service.is_active}
        if service
        else {}
    )
    form = CarrierServiceForm(request.POST or None, initial=initial, editing=service is not None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if service:
                    saved = carrier_service_update(
                        service=service, name=data["name"], level=data["level"], is_active=data["is_active"]
                    )
                elif data["code"] in RESERVED_SERVICE_CODES:
                    form.add_error("code", f"{data['code']!r} is reserved; choose another code.")
                    saved = None
                else:
                    saved = carrier_service_create(
                        carrier=carrier,
                        code=data["code"],
                        name=data["name"],
                        level=data["level"],
                        is_active=data["is_active"],
                    )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                if saved is not None:
                    verb = "saved" if service else "added: now fill its rate table"
                    messages.success(request, f"{carrier.name} {saved.name} {verb}.")
                    return redirect("fulfillment:service_rates", code=carrier.code, service=saved.code)
        status = 422
    context = {
        "form": form,
        "title": f"Edit {carrier.name} {service.name}" if service else f"New {carrier.name} service",
        "kind": "service",
        "carrier": carrier,
        "service": service,
        "submit": "Save changes" if service else "Add service",
    }
    return render(request, FORM_TEMPLATE, context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("fulfillment.view_carrier", raise_exception=True)
def service_rates(request: HttpRequest, code: str, service: str) -> HttpResponse:
    """A service's rate table and transit days, editable as one grid saved in one POST.

    The whole grid is checked before anything is written: any bad cell is marked where it
    is and listed above the grid, and the table stays as it was. "Add a row" posts the grid
    back with one more blank row, without saving.
    """
    found = carrier_service_get(carrier_code=code, service_code=service)
    can_edit = request.user.has_perm("fulfillment.manage_rates")
    status = 200
    saved_message = ""
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        grid = parse_rate_grid(request.POST)
        if "add_row" in request.POST:
            grid.error = ""
            for row in grid.rows:
                for cell in (row.weight, *row.cells):
                    cell.error = ""
            for cell in grid.transit:
                cell.error = ""
            grid.with_blank_rows(1)
        elif grid.ok:
            try:
                summary = rate_table_set(service=found, rows=grid.inputs, transit_days=grid.transit_days)
            except DomainError as exc:
                grid.add_problems(exc.details.get("problems") or [{"field": exc.field or "", "message": exc.message}])
                status = 422
            else:
                saved_message = (
                    f"Rate table of {found.carrier.name} {found.name} saved: {summary.brackets} weight "
                    f"bracket{'s' if summary.brackets != 1 else ''} in {len(summary.zones)} "
                    f"zone{'s' if len(summary.zones) != 1 else ''}."
                )
                messages.success(request, saved_message)
                if not is_htmx(request):
                    return redirect("fulfillment:service_rates", code=code, service=service)
                grid = grid_from_table(rate_table(service=found))
        else:
            status = 422
        if status == 422 or "add_row" in request.POST:
            grid.with_blank_rows(0 if grid.rows else 1)
    else:
        grid = grid_from_table(rate_table(service=found), blank_rows=1 if can_edit else 0)
    context: dict[str, Any] = {
        "service": found,
        "carrier": found.carrier,
        "level_label": LEVEL_LABELS.get(found.level, found.level),
        "grid": grid,
        "zones": ZONES,
        "can_edit": can_edit,
        "row_count": len(grid.rows),
    }
    return render_page(request, RATES_TEMPLATE, context, partial="grid_card", status=status)
