"""The packing bench: scan each unit into the current box, start another box when one is full,
weigh each box (and pick its size from the location's box catalog), pack.

Each scan is checked against the shipment at once: a unit it does not hold, or one too many,
is refused with a clear message and not counted. The scans so far, and where each new box
started, travel with the form, so the page works without JavaScript; htmx swaps just the
progress. "Pack" hands the boxes to `shipment_pack`, which checks them again, and leads to the
shipping page (live rates, labels).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from carriers.models import BoxType
from carriers.selectors import box_types_for
from core.errors import DomainError
from core.htmx import is_htmx, render_page
from fulfillment.models import Shipment, ShipmentStatus
from fulfillment.selectors.order_routing import carrier_service_names
from fulfillment.selectors.order_routing import service_label as name_service
from fulfillment.selectors.work import pack_bench, pack_progress, work_shipment_get
from fulfillment.services import shipment_pack
from fulfillment.services.pack_scans import pack_scan_add
from fulfillment.services.packing import MAX_BOXES, BoxInput, boxes_from_breaks
from fulfillment.services.work import MAX_PACKAGE_WEIGHT_GRAMS, MAX_SCANS
from fulfillment.views.work import WORK, _queue_url
from inventory.models import Location, LocationKind
from orders.models import OrderStatus


class PackForm(forms.Form):
    """The first box's weight, as read from the scale (further boxes have their own fields)."""

    weight_grams = forms.IntegerField(
        label="Box 1 weight (g)",
        min_value=1,
        max_value=MAX_PACKAGE_WEIGHT_GRAMS,
        error_messages={
            "min_value": "Weigh the box: its weight must be more than 0 g.",
            "max_value": f"That is over the {MAX_PACKAGE_WEIGHT_GRAMS:,} g (150 lb) parcel limit; check the scale.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
    )


@dataclass(frozen=True)
class BoxRow:
    """One box on the bench: its number, units so far, chosen type and typed weight."""

    number: int
    units: int
    box_type_id: str
    weight: str
    current: bool


def _posted_breaks(request: HttpRequest) -> list[int]:
    return sorted({int(b) for b in request.POST.getlist("breaks")[:MAX_BOXES] if b.strip().isdigit() and int(b) > 0})


def _shown(request: HttpRequest) -> list[tuple[str, int]]:
    """The scans the page showed, each with its box (from the page's breaks)."""
    codes = [code.strip() for code in request.POST.getlist("scanned")[:MAX_SCANS] if code.strip()]
    breaks = _posted_breaks(request)
    return [(code, 1 + sum(1 for b in breaks if b <= index)) for index, code in enumerate(codes)]


def _breaks(request: HttpRequest, scanned: list[str], kept: list[int]) -> list[int]:
    """Where boxes start: as kept with the scans, plus a box just started and still empty (the page's last break)."""
    opened = len(scanned) in _posted_breaks(request) and bool(scanned) and (not kept or kept[-1] < len(scanned))
    return [*kept, len(scanned)] if opened else list(kept)


def _rows(request: HttpRequest, scanned: list[str], breaks: list[int]) -> list[BoxRow]:
    bounds = [0, *breaks, len(scanned)]
    types = request.POST.getlist("box_type")
    weights = [request.POST.get("weight_grams", ""), *request.POST.getlist("box_weight")]
    count = len(bounds) - 1
    return [
        BoxRow(
            number=index + 1,
            units=bounds[index + 1] - bounds[index],
            box_type_id=types[index] if index < len(types) else "",
            weight=weights[index] if index < len(weights) else "",
            current=index == count - 1,
        )
        for index in range(count)
    ]


def _boxes(request: HttpRequest, scanned: list[str], breaks: list[int], catalog: list[BoxType]) -> list[BoxInput]:
    by_id = {str(box.pk): box for box in catalog}
    weights: list[object] = [request.POST.get("weight_grams", "").strip(), *request.POST.getlist("box_weight")]
    parsed: list[object] = [int(str(w)) if str(w).strip().isdigit() else w for w in weights]
    boxes = boxes_from_breaks(scanned, breaks, parsed)
    types = request.POST.getlist("box_type")
    return [
        dataclasses.replace(box, box_type=by_id.get(types[index]) if index < len(types) else None)
        for index, box in enumerate(boxes)
    ]


def _way_back(location: Location) -> dict[str, str]:
    """Where the pack screen leads back to: a store's own page (phone first), else the location's work queue."""
    if location.kind == LocationKind.STORE:
        return {"queue_url": reverse("fulfillment:pickups") + f"?store={location.code}", "back_label": "Store"}
    return {"queue_url": _queue_url(location, "pack"), "back_label": "Work queue"}


@require_http_methods(["GET", "POST"])
@permission_required(WORK, raise_exception=True)
def work_pack(request: HttpRequest, pk: int) -> HttpResponse:
    """Pack one shipment into one or more boxes: scan every unit, weigh each box, pack."""
    shipment: Shipment = work_shipment_get(user=request.user, pk=pk)
    action = request.POST.get("action", "scan")
    if action == "scan" and not request.POST.get("scan", "").strip() and request.POST.get("weight_grams", "").strip():
        action = "pack"  # Enter in the weight field submits with the form's first button
    code = request.POST.get("scan", "").strip()[:100] if action == "scan" else ""
    if request.method == "POST":  # scans live on the server: a reload or another device resumes from them
        scan_result = pack_scan_add(
            shipment=shipment,
            code=code,
            box_number=len(_posted_breaks(request)) + 1,
            actor=request.user,
            shown=_shown(request),
        )
    scanned, kept = pack_bench(shipment=shipment)
    breaks = _breaks(request, scanned, kept) if request.method == "POST" else kept
    catalog = box_types_for(shipment.location)
    form = PackForm(request.POST if action == "pack" else None, initial={})
    status, last, note = 200, "", ""
    if request.method == "POST" and action == "scan":
        progress = scan_result
        if progress.error:
            status = 422
        elif code:
            last = code
    elif request.method == "POST" and action == "newbox":
        progress = pack_progress(shipment=shipment, scanned=scanned)
        if scanned and (not breaks or breaks[-1] < len(scanned)):
            breaks.append(len(scanned))
            note = f"Box {len(breaks) + 1} started: scan the units that go into it."
        else:
            progress = dataclasses.replace(progress, error="The current box is empty: scan a unit into it first.")
            status = 422
    elif request.method == "POST":
        progress = pack_progress(shipment=shipment, scanned=scanned)
        boxes = _boxes(request, scanned, breaks, catalog)
        if len(boxes) > 1 or form.is_valid():
            try:
                shipment_pack(shipment=shipment, boxes=boxes, actor=request.user)
            except DomainError as exc:
                if exc.field == "weight_grams":
                    form.add_error("weight_grams" if len(boxes) == 1 else None, exc.message)
                else:
                    progress = dataclasses.replace(progress, error=exc.message)
            else:
                total = len(boxes)
                where = f" in {total} boxes" if total > 1 else ""
                messages.success(
                    request, f"{shipment.number} packed: {progress.scanned_units} units{where}. Choose a rate and buy."
                )
                target = reverse("fulfillment:work_ship", args=[shipment.pk])
                return HttpResponseClientRedirect(target) if is_htmx(request) else redirect(target)
        status = 422
    else:
        progress = pack_progress(shipment=shipment, scanned=scanned)
    context = {
        "shipment": shipment,
        "service": name_service(carrier_service_names(), shipment.carrier, shipment.service),
        "progress": progress,
        "form": form,
        "last": last,
        "note": note,
        "breaks": breaks,
        "boxes": _rows(request, progress.scanned, breaks),
        "catalog": catalog,
        "can_pack": shipment.status in (ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING),
        "on_hold": shipment.order.status == OrderStatus.ON_HOLD,
        **_way_back(shipment.location),
    }
    return render_page(request, "fulfillment/work/pack.html", context, partial="state", status=status)
