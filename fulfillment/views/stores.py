"""Ship-from-store requests (accept, reject with a reason) and a store's settings page.

Requests need `fulfillment.work_shipments` and are scoped to the user's stores (a 404
otherwise). The settings page needs `inventory.change_location` and a store the user may see.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.htmx import render_page
from fulfillment.forms import RejectRequestForm, StoreSettingsForm
from fulfillment.selectors.stores import profile_of, store_request_get
from fulfillment.services import shipment_accept, store_request_reject, store_settings_update, store_ship_full_clear
from inventory.models import LocationKind
from inventory.selectors import location_get

WORK = "fulfillment.work_shipments"


def _home(code: str) -> str:
    return reverse("fulfillment:pickups") + f"?store={code}"


@require_POST
@permission_required(WORK, raise_exception=True)
def store_request_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """The store takes on a ship-from-store request: it moves to the store's pick and pack work."""
    shipment = store_request_get(user=request.user, pk=pk)
    try:
        shipment_accept(shipment=shipment, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{shipment.number} accepted. Pick it, then pack and ship it from Work queue.")
    return redirect(_home(shipment.location.code))


@require_POST
@permission_required(WORK, raise_exception=True)
def store_request_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The store turns a request down with a reason; its units go to the next best location now."""
    shipment = store_request_get(user=request.user, pk=pk)
    form = RejectRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose why you cannot ship it: out of stock, damaged or no capacity.")
        return redirect(_home(shipment.location.code))
    try:
        rejection = store_request_reject(
            shipment=shipment, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"], actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        moved = rejection.routing is not None and rejection.routing.shipments
        where = ", ".join(s.location.code for s in rejection.routing.shipments) if moved and rejection.routing else ""
        corrected = form.cleaned_data["reason"] in ("out_of_stock", "damaged")
        messages.success(
            request,
            f"{shipment.number} rejected"
            + (" and your stock corrected" if corrected else "")
            + (f"; re-routed to {where}." if moved else "; the units wait for stock elsewhere."),
        )
    return redirect(_home(shipment.location.code))


@require_http_methods(["GET", "POST"])
@permission_required("inventory.change_location", raise_exception=True)
def store_settings(request: HttpRequest, code: str) -> HttpResponse:
    """A store's opening hours, closed days, pickup settings, capacities and accept SLA."""
    location = location_get(user=request.user, code=code)
    if location.kind != LocationKind.STORE:
        messages.error(request, f"{location.code} is not a store: it has no pickup or ship-from-store settings.")
        return redirect("inventory:location_detail", code=location.code)
    profile = profile_of(location)
    form = StoreSettingsForm(request.POST or None, initial=StoreSettingsForm.initial_for(location, profile))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                store_settings_update(location=location, settings=form.settings(), actor=request.user)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Store settings of {location.code} saved.")
                return redirect("inventory:location_detail", code=location.code)
        status = 422
    return render_page(request, "fulfillment/stores/settings.html", {"form": form, "location": location}, status=status)


@require_POST
@permission_required(WORK, raise_exception=True)
def store_ship_full_clear_view(request: HttpRequest, code: str) -> HttpResponse:
    """The store takes ship-from-store orders again today (it had rejected one for no capacity)."""
    location = location_get(user=request.user, code=code)  # 404 outside the user's stores
    if store_ship_full_clear(location=location, actor=request.user):
        messages.success(request, f"{location.name} takes ship-from-store orders again today.")
    else:
        messages.info(request, f"{location.name} was not marked full: nothing to change.")
    return redirect(_home(location.code))
