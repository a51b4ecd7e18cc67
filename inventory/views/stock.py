"""The SKU page with its inline stock actions (receive, adjust, count, safety stock), and the SKU form."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from core.errors import DomainError
from core.htmx import is_htmx, render_page
from inventory.catalog_selectors import bin_path_subquery, product_family, product_names, variant_initial
from inventory.forms import SKU_FORM_FIELDS, STOCK_ACTION_FORMS, LedgerFilterForm, SKUForm
from inventory.models import SKU, AdjustmentReason, Location
from inventory.selectors import (
    LOW_STOCK_THRESHOLD,
    GridFilters,
    LedgerFilters,
    grid_locations,
    ledger_for_sku,
    location_get,
    sku_get,
    stock_levels_for_sku,
)
from inventory.services import (
    stock_adjust,
    stock_count,
    stock_receive,
    stock_set_safety_stock,
)
from inventory.services.catalog_variants import sku_save_with_variant
from inventory.signals import sku_panels
from inventory.views._shared import level_atp, model_initial

LEDGER_PER_PAGE = 25


@require_GET
@permission_required("inventory.view_sku", raise_exception=True)
def sku_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A SKU: its details, its levels per location with actions, and its ledger history."""
    sku = sku_get(code=code)
    context = _sku_context(request, sku)
    if not is_htmx(request):
        answers = sku_panels.send(sender=SKU, sku=sku, user=request.user)
        context["panels"] = [panel for _receiver, panel in answers if panel]
        context["family"] = product_family(user=request.user, sku=sku)
    return render_page(request, "inventory/sku_detail.html", context, partial="ledger")


def _sku_context(
    request: HttpRequest, sku: SKU, *, ledger_query: QueryDict | None = None, open_form: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything the SKU page shows: levels, locations not stocked yet, totals, a ledger page."""
    user = request.user
    levels = list(stock_levels_for_sku(user=user, sku=sku).annotate(bin_path=bin_path_subquery(sku_ref="sku_id")))
    stocked = {level.location_id for level in levels}
    others = [loc for loc in grid_locations(user=user, filters=GridFilters()) if loc.pk not in stocked]
    if open_form and open_form["location"].pk not in stocked | {loc.pk for loc in others}:
        others.append(open_form["location"])  # an inactive location: show the form and its refusal
    query = request.GET if ledger_query is None else ledger_query
    ledger_locations = [level.location for level in levels]
    ledger_form = LedgerFilterForm(query or None, locations=ledger_locations)
    cleaned = ledger_form.cleaned_data if ledger_form.is_bound and ledger_form.is_valid() else {}
    chosen = {loc.code: loc for loc in ledger_locations}.get(cleaned.get("location") or "")
    filters = LedgerFilters(
        location_id=chosen.pk if chosen else None,
        kind=cleaned.get("kind") or "",
        since=cleaned.get("since"),
        until=cleaned.get("until"),
    )
    ledger_page = Paginator(ledger_for_sku(user=user, sku=sku, filters=filters), LEDGER_PER_PAGE).get_page(
        query.get("page")
    )
    return {
        "sku": sku,
        "levels": levels,
        "others": others,
        "totals": {
            "on_hand": sum(level.on_hand for level in levels),
            "reserved": sum(level.reserved for level in levels),
            "in_transit": sum(level.in_transit for level in levels),
            "quarantined": sum(level.quarantined for level in levels),
            "atp": sum(level_atp(level) for level in levels),
        },
        "ledger_form": ledger_form,
        "ledger_page": ledger_page,
        "ledger_query": query.copy(),
        "ledger_filtered": bool(cleaned and any(cleaned.values())),
        "open_form": open_form,
        "low_threshold": LOW_STOCK_THRESHOLD,
        **_stock_permissions(user),
    }


def _stock_permissions(user: Any) -> dict[str, bool]:
    """Which inline stock actions the user may take."""
    can_adjust = user.has_perm("inventory.adjust_stock")
    return {"can_adjust": can_adjust, "can_count": can_adjust or user.has_perm("inventory.count_stock")}


def _current_query(request: HttpRequest) -> QueryDict:
    """The query string of the page htmx sent the request from (keeps the ledger filters)."""
    current = request.headers.get("HX-Current-URL", "")
    try:
        return QueryDict(urlsplit(current).query)
    except ValueError:  # a hand-made header; the filters are a nicety, not worth an error
        return QueryDict()


STOCK_ACTION_LABELS = {
    "receive": "Receive stock",
    "adjust": "Adjust stock",
    "count": "Record a count",
    "safety": "Set safety stock",
}


@require_http_methods(["GET", "POST"])
def stock_action(request: HttpRequest, code: str, location_code: str, action: str) -> HttpResponse:
    """Receive, adjust, count or set safety stock of one SKU at one location.

    GET shows the form (a fragment for htmx, the SKU page with the form open otherwise). A valid
    POST calls the service; htmx gets the refreshed levels, ledger and message, a plain browser
    is redirected to the SKU page. A refused POST shows the form again with the reason next to
    the field, status 422, and nothing written.
    """
    if action not in STOCK_ACTION_FORMS:
        raise Http404("No such stock action.")
    _require_stock_permission(request.user, action)
    sku = sku_get(code=code)
    location = location_get(user=request.user, code=location_code)
    form_class = STOCK_ACTION_FORMS[action]
    auto_id = f"{action}-{location.code}-%s"
    level = stock_levels_for_sku(user=request.user, sku=sku).filter(location=location).first()
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, auto_id=auto_id)
        if form.is_valid():
            try:
                message = _apply_stock_action(action, form.cleaned_data, sku=sku, location=location, actor=request.user)
            except DomainError as exc:
                target = exc.field if exc.field in form.fields else next(iter(form.fields))
                form.add_error(target, exc.message)
            else:
                messages.success(request, message)
                if not is_htmx(request):
                    return redirect("inventory:sku_detail", code=sku.code)
                context = _sku_context(request, sku, ledger_query=_current_query(request))
                return render_page(request, "inventory/sku_detail.html", context, partial="stock_updated")
        status = 422
    else:
        initial = {"safety_stock": level.safety_stock} if action == "safety" and level else {}
        form = form_class(auto_id=auto_id, initial=initial)
    open_form = {
        "action": action,
        "title": STOCK_ACTION_LABELS[action],
        "form": form,
        "location": location,
        "level": level,
        "url": reverse("inventory:stock_" + action, kwargs={"code": sku.code, "location_code": location.code}),
    }
    if is_htmx(request):
        response = render(
            request, "inventory/sku_detail.html#stock_form", {"sku": sku, "open_form": open_form}, status=status
        )
        if request.method == "POST":
            retarget(response, f"#drawer-{location.code}")
            reswap(response, "innerHTML")
        return response
    context = _sku_context(request, sku, open_form=open_form)
    return render(request, "inventory/sku_detail.html", context, status=status)


def _require_stock_permission(user: Any, action: str) -> None:
    """Receive, adjust and safety stock need adjust_stock; a count needs count_stock or adjust_stock."""
    allowed = _stock_permissions(user)["can_count" if action == "count" else "can_adjust"]
    if not allowed:
        raise PermissionDenied("You may not change stock this way.")


def _apply_stock_action(action: str, data: dict[str, Any], *, sku: SKU, location: Location, actor: Any) -> str:
    """Call the stock service for the action; returns the message to show on success."""
    where = f"{sku.code} at {location.code}"
    if action == "receive":
        movement = stock_receive(location=location, sku=sku, quantity=data["quantity"], note=data["note"], actor=actor)
        return f"Received {data['quantity']} units of {where}. On hand is now {movement.on_hand_after}."
    if action == "adjust":
        movement = stock_adjust(
            location=location,
            sku=sku,
            delta=data["delta"],
            reason_code=data["reason_code"],
            note=data["note"],
            actor=actor,
        )
        reason = AdjustmentReason(data["reason_code"]).label.lower()
        return f"Adjusted {where} by {data['delta']:+d} ({reason}). On hand is now {movement.on_hand_after}."
    if action == "count":
        movement = stock_count(location=location, sku=sku, counted=data["counted"], note=data["note"], actor=actor)
        return (
            f"Count recorded for {where}: {data['counted']} units (variance {movement.on_hand_delta:+d}). "
            f"On hand is now {movement.on_hand_after}."
        )
    level = stock_set_safety_stock(location=location, sku=sku, safety_stock=data["safety_stock"], actor=actor)
    return f"Safety stock of {where} is now {level.safety_stock}."


@require_http_methods(["GET", "POST"])
@permission_required("inventory.add_sku", raise_exception=True)
def sku_create_view(request: HttpRequest) -> HttpResponse:
    """Create a SKU."""
    return _sku_form(request, sku=None)


@require_http_methods(["GET", "POST"])
@permission_required("inventory.change_sku", raise_exception=True)
def sku_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit a SKU's details (its code stays)."""
    return _sku_form(request, sku=sku_get(code=code))


def _sku_form(request: HttpRequest, *, sku: SKU | None) -> HttpResponse:
    """The SKU form: the service validates and saves; its refusals land on the field at fault."""
    initial = {**model_initial(sku, [*SKU_FORM_FIELDS, "is_active"]), **variant_initial(sku=sku)} if sku else {}
    form = SKUForm(request.POST or None, initial=initial, editing=sku is not None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = sku_save_with_variant(sku=sku, **form.service_data())
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"SKU {saved.code} {'saved' if sku else 'created'}.")
                return redirect("inventory:sku_detail", code=saved.code)
        status = 422
    context = {"form": form, "sku": sku, "product_names": product_names()}
    return render(request, "inventory/sku_form.html", context, status=status)
