"""Inventory staff pages: the grid, SKU and location pages, inline stock actions, transfers, CSV in and out.

Each view parses its input, calls one selector or service, and renders the full page, or a
named partial of it when htmx asks. Location codes and transfer ids always go through the
selectors, so anything outside the user's locations is a 404, whatever the URL says.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from typing import IO, Any, cast
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from core.errors import DomainError
from core.views import is_htmx, render_page
from inventory.forms import (
    LOCATION_FORM_FIELDS,
    PER_PAGE_CHOICES,
    SKU_FORM_FIELDS,
    STOCK_ACTION_FORMS,
    TRANSFER_STATUS_TABS,
    GridFilterForm,
    ImportForm,
    LedgerFilterForm,
    LevelFilterForm,
    LineRow,
    LocationForm,
    SKUForm,
    TransferForm,
    blank_line_rows,
    parse_transfer_lines,
)
from inventory.models import SKU, AdjustmentReason, Location, LocationKind, StockLevel, Transfer, TransferStatus
from inventory.selectors import (
    LOW_STOCK_THRESHOLD,
    GridFilters,
    LedgerFilters,
    grid_levels,
    grid_locations,
    inventory_grid_skus,
    ledger_for_sku,
    ledger_recent,
    location_get,
    location_list,
    sku_get,
    stock_levels_at_location,
    stock_levels_for_sku,
    transfer_get,
    transfer_list,
    visible_location_ids,
)
from inventory.services import (
    lines_by_sku_code,
    location_create,
    location_update,
    sku_create,
    sku_update,
    stock_adjust,
    stock_count,
    stock_export_csv,
    stock_import_csv,
    stock_receive,
    stock_set_safety_stock,
    transfer_cancel,
    transfer_create,
    transfer_receive,
    transfer_ship,
)

LEDGER_PER_PAGE = 25
LEVELS_PER_PAGE = 50
TRANSFERS_PER_PAGE = 25
EXPORT_BATCH = 2000


# --- Grid and CSV ------------------------------------------------------------------------------


@require_GET
@permission_required("inventory.view_stocklevel", raise_exception=True)
def grid(request: HttpRequest) -> HttpResponse:
    """SKU rows x location columns, each cell ATP with on hand / reserved; searchable and paginated.

    The number of queries is the same whatever the page size: locations, SKU count, SKU page,
    and one query for every cell on the page.
    """
    locations = list(grid_locations(user=request.user, filters=GridFilters()))
    form = GridFilterForm(request.GET or None, locations=locations)
    chosen = {loc.code: loc for loc in locations}.get(form.value("location", ""))
    filters = GridFilters(
        query=form.value("q", ""),
        location_id=chosen.pk if chosen else None,
        kind=form.value("kind", ""),
        low_stock=bool(form.value("low", False)),
    )
    columns = [
        loc
        for loc in locations
        if (not filters.kind or loc.kind == filters.kind) and (chosen is None or loc.pk == chosen.pk)
    ]
    paginator = Paginator(inventory_grid_skus(user=request.user, filters=filters), form.value("per_page", 50))
    page = paginator.get_page(request.GET.get("page"))
    levels = grid_levels(sku_ids=[sku.pk for sku in page], location_ids=[loc.pk for loc in columns])
    rows = []
    for sku in page:
        cells = [levels.get((sku.pk, loc.pk)) for loc in columns]
        rows.append({"sku": sku, "cells": cells, "total": sum(_atp(cell) for cell in cells if cell is not None)})
    context = {
        "form": form,
        "columns": columns,
        "rows": rows,
        "page": page,
        "filtered": any([filters.query, filters.location_id, filters.kind, filters.low_stock]),
        "low_threshold": LOW_STOCK_THRESHOLD,
        "per_page_choices": PER_PAGE_CHOICES,
    }
    return render_page(request, "inventory/grid.html", context, partial="results")


def _atp(level: StockLevel) -> int:
    """The annotated available-to-promise of a level from a selector."""
    return int(getattr(level, "atp", level.available))


@require_GET
@permission_required("inventory.view_stocklevel", raise_exception=True)
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Stream every stock level the user may see as CSV, in batches, without building it in memory."""
    response = StreamingHttpResponse(_csv_chunks(_export_levels(request.user)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stock-levels-{date.today():%Y-%m-%d}.csv"'
    return response


def _export_levels(user: Any) -> QuerySet[StockLevel]:
    """Levels at the user's locations with location and SKU loaded (a read the selectors lack)."""
    levels = StockLevel.objects.select_related("location", "sku").order_by("location__code", "sku__code")
    ids = visible_location_ids(user)
    return levels if ids is None else levels.filter(location_id__in=ids)


def _csv_chunks(levels: QuerySet[StockLevel]) -> Iterator[str]:
    """Yield the export in batches; only the first batch keeps the header row."""
    rows = levels.iterator(chunk_size=EXPORT_BATCH)
    first = True
    while True:
        batch = list(islice(rows, EXPORT_BATCH))
        if not batch and not first:
            return
        out = io.StringIO()
        stock_export_csv(levels=batch, out=out)
        text = out.getvalue()
        yield text if first else text.split("\n", 1)[1]
        first = False
        if len(batch) < EXPORT_BATCH:
            return


@require_http_methods(["GET", "POST"])
@permission_required("inventory.import_stock", raise_exception=True)
def import_stock(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of stock levels; show a row-by-row error report (nothing written) or a summary."""
    form = ImportForm()
    report = None
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = stock_import_csv(stream=cast(IO[bytes], form.cleaned_data["file"]), actor=request.user)
            except DomainError as exc:
                form.add_error("file", exc.message)
        if report is not None and report.ok:
            messages.success(
                request,
                f"Imported {report.rows} rows: {report.changed} changed, {report.unchanged} already right.",
            )
            form = ImportForm()
        elif report is not None:
            count = len(report.errors)
            messages.error(request, f"Nothing was imported: {count} problem{'' if count == 1 else 's'} in the file.")
            status = 422
        else:
            status = 422
    context = {"form": form, "report": report, "errors": report.errors[:500] if report else []}
    return render_page(request, "inventory/import.html", context, partial="panel", status=status)


# --- SKU page and inline stock actions ------------------------------------------------------------


@require_GET
@permission_required("inventory.view_sku", raise_exception=True)
def sku_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A SKU: its details, its levels per location with actions, and its ledger history."""
    sku = sku_get(code=code)
    return render_page(request, "inventory/sku_detail.html", _sku_context(request, sku), partial="ledger")


def _sku_context(
    request: HttpRequest, sku: SKU, *, ledger_query: QueryDict | None = None, open_form: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything the SKU page shows: levels, locations not stocked yet, totals, a ledger page."""
    user = request.user
    levels = list(stock_levels_for_sku(user=user, sku=sku))
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
            "atp": sum(_atp(level) for level in levels),
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
    return QueryDict(urlsplit(current).query)


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
    initial = _model_initial(sku, [*SKU_FORM_FIELDS, "is_active"]) if sku else {}
    form = SKUForm(request.POST or None, initial=initial, editing=sku is not None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = sku_update(sku=sku, **form.service_data()) if sku else sku_create(**form.service_data())
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"SKU {saved.code} {'saved' if sku else 'created'}.")
                return redirect("inventory:sku_detail", code=saved.code)
        status = 422
    return render(request, "inventory/sku_form.html", {"form": form, "sku": sku}, status=status)


def _model_initial(instance: Any, names: Iterable[str]) -> dict[str, Any]:
    """A form's initial values read from a model instance."""
    return {name: getattr(instance, name) for name in names}


# --- Locations ----------------------------------------------------------------------------------


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
    levels = stock_levels_at_location(location=location, query=cleaned.get("q", ""), low_only=cleaned.get("low", False))
    page = Paginator(levels, LEVELS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "location": location,
        "form": form,
        "page": page,
        "filtered": bool(cleaned.get("q") or cleaned.get("low")),
        "recent": ledger_recent(user=request.user, location=location, limit=15),
        "low_threshold": LOW_STOCK_THRESHOLD,
    }
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
    initial = _model_initial(location, LOCATION_FORM_FIELDS) if location else {}
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


# --- Transfers ----------------------------------------------------------------------------------


@require_GET
@permission_required("inventory.view_transfer", raise_exception=True)
def transfer_list_view(request: HttpRequest) -> HttpResponse:
    """Transfers touching the user's locations, with a tab per status and its count."""
    status = request.GET.get("status", "")
    status = status if status in TransferStatus.values else ""
    counts = _transfer_status_counts(request.user)
    tabs = [
        {"value": value, "label": label, "count": counts.get(value, 0) if value else sum(counts.values())}
        for value, label in TRANSFER_STATUS_TABS
    ]
    page = Paginator(transfer_list(user=request.user, status=status), TRANSFERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {"transfer": t, "lines": len(t.lines.all()), "units": sum(line.quantity for line in t.lines.all())}
        for t in page
    ]
    context = {"page": page, "rows": rows, "tabs": tabs, "status": status}
    return render(request, "inventory/transfer_list.html", context)


def _transfer_status_counts(user: Any) -> dict[str, int]:
    """How many visible transfers are in each status (one grouped query; wanted as a selector)."""
    rows = transfer_list(user=user).prefetch_related(None).order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def _active_locations() -> QuerySet[Location]:
    """Every active location: any of them may receive a transfer (wanted as a selector)."""
    return Location.objects.filter(is_active=True).order_by("code")


@require_http_methods(["GET", "POST"])
@permission_required("inventory.manage_transfers", raise_exception=True)
def transfer_create_view(request: HttpRequest) -> HttpResponse:
    """Create a transfer: from one of the user's locations to any active location, with its lines."""
    sources = list(grid_locations(user=request.user, filters=GridFilters()))
    destinations = list(_active_locations())
    choices = {"sources": sources, "destinations": destinations}
    status = 200
    if request.method != "POST":
        form = TransferForm(initial={"source": request.GET.get("source", "")}, **choices)
        rows, lines_error = blank_line_rows(), ""
    elif "add_line" in request.POST:
        form = TransferForm(initial=request.POST.dict(), **choices)
        parsed = parse_transfer_lines(request.POST, extra_rows=1)
        rows, lines_error = [LineRow(row.sku, row.quantity) for row in parsed.rows], ""
    else:
        form = TransferForm(request.POST, **choices)
        parsed = parse_transfer_lines(request.POST)
        rows, lines_error = parsed.rows, parsed.error
        if form.is_valid() and parsed.ok:
            by_code = {loc.code: loc for loc in destinations}
            try:
                transfer = transfer_create(
                    source=location_get(user=request.user, code=form.cleaned_data["source"]),
                    destination=by_code[form.cleaned_data["destination"]],
                    lines=lines_by_sku_code(parsed.pairs),
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except DomainError as exc:
                if exc.field in ("source", "destination"):
                    form.add_error(exc.field, exc.message)
                else:
                    lines_error = exc.message
            else:
                units = sum(quantity for _, quantity in parsed.pairs)
                messages.success(
                    request,
                    f"{transfer.number} created: {units} units reserved at {transfer.source.code} "
                    f"for {transfer.destination.code}.",
                )
                return redirect("inventory:transfer_detail", pk=transfer.pk)
        status = 422
    context = {"form": form, "rows": rows, "lines_error": lines_error}
    return render(request, "inventory/transfer_form.html", context, status=status)


@require_GET
@permission_required("inventory.manage_transfers", raise_exception=True)
def transfer_line_row(request: HttpRequest) -> HttpResponse:
    """One more blank line row for the transfer form (htmx "Add line")."""
    return render(request, "inventory/transfer_form.html#line_row", {"row": LineRow()})


@require_GET
@permission_required("inventory.view_transfer", raise_exception=True)
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One transfer: route, lines, timeline and the actions its status allows."""
    transfer = transfer_get(user=request.user, pk=pk)
    context = {"transfer": transfer, **_transfer_permissions(request.user, transfer)}
    context["units"] = sum(line.quantity for line in transfer.lines.all())
    return render(request, "inventory/transfer_detail.html", context)


def _transfer_permissions(user: Any, transfer: Transfer) -> dict[str, bool]:
    """Ship and cancel happen at the source, receive at the destination."""
    if not user.has_perm("inventory.manage_transfers"):
        return {"can_ship": False, "can_receive": False}
    ids = visible_location_ids(user)
    at_source = ids is None or transfer.source_id in ids
    at_destination = ids is None or transfer.destination_id in ids
    requested = transfer.status == TransferStatus.REQUESTED
    return {
        "can_ship": at_source and requested,
        "can_receive": at_destination and transfer.status == TransferStatus.SHIPPED,
    }


TRANSFER_ACTIONS = {
    "ship": (transfer_ship, "can_ship", "{number} shipped: its units are now in transit to {destination}."),
    "receive": (transfer_receive, "can_receive", "{number} received at {destination}: its units are on hand."),
    "cancel": (transfer_cancel, "can_ship", "{number} cancelled: its units are available again at {source}."),
}


@require_POST
@permission_required("inventory.manage_transfers", raise_exception=True)
def transfer_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Ship, receive or cancel a transfer, then go back to it with a message (refusals included)."""
    transfer = transfer_get(user=request.user, pk=pk)
    service, permission, template = TRANSFER_ACTIONS[action]
    if not _transfer_permissions(request.user, transfer)[permission]:
        messages.error(
            request, f"{transfer.number} cannot be {_past(action)} from your locations in its current state."
        )
        return redirect("inventory:transfer_detail", pk=transfer.pk)
    try:
        service(transfer=transfer, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        names = {"number": transfer.number, "source": transfer.source.code, "destination": transfer.destination.code}
        messages.success(request, template.format(**names))
    return redirect("inventory:transfer_detail", pk=transfer.pk)


def _past(action: str) -> str:
    """The past participle of a transfer action, for messages."""
    return {"ship": "shipped", "receive": "received", "cancel": "cancelled"}[action]
