"""The QC queue (inspections to do, by location; made for a phone at the receiving dock), the
inspection form, inspection photos, and the before-ship check of a shipment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import DomainError
from fulfillment.models import Shipment
from inventory.models import SKU
from inventory.selectors import visible_location_ids
from quality.forms import InspectionForm
from quality.models import InspectionPhoto, InspectionStatus
from quality.selectors import (
    inspection_get,
    inspection_queue_locations,
    inspections_open,
    inspections_recent,
    quarantine_lots_open,
    shipment_qc_remaining,
    sku_primary_image_url,
    sku_primary_image_urls,
)
from quality.services import inspection_record, shipment_inspections_open, shipment_qc_pass
from quality.views._shared import chosen_location

INSPECT = "quality.inspect"


@require_GET
@permission_required(INSPECT, raise_exception=True)
def qc_queue(request: HttpRequest) -> HttpResponse:
    """Inspections to do at the user's locations (one location with ?location=CODE), oldest first."""
    chosen = chosen_location(request)
    inspections = list(inspections_open(user=request.user, location_id=chosen.pk if chosen else None))
    images = sku_primary_image_urls({inspection.sku_id for inspection in inspections})
    context = {
        "rows": [{"inspection": i, "image": images.get(i.sku_id)} for i in inspections],
        "locations": inspection_queue_locations(user=request.user),
        "chosen": chosen,
        "recent": inspections_recent(user=request.user, limit=8),
        "quarantined_lots": quarantine_lots_open(user=request.user).count(),
    }
    return render(request, "quality/queue.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(INSPECT, raise_exception=True)
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One inspection: the form while it is open (pass or fail per unit, photos, note), then its results."""
    inspection = inspection_get(user=request.user, pk=pk)
    is_open = inspection.status == InspectionStatus.OPEN
    form = InspectionForm(request.POST or None, request.FILES or None, inspection=inspection) if is_open else None
    status = 200
    if request.method == "POST":
        if form is None:
            messages.info(request, f"{inspection.number} was already recorded.")
            return redirect("quality:inspection", pk=inspection.pk)
        if form.is_valid():
            try:
                recorded = inspection_record(
                    inspection=inspection,
                    results=form.results(),
                    actor=request.user,
                    note=form.cleaned_data.get("note") or "",
                    photos=form.cleaned_data.get("photos") or [],
                )
            except DomainError as exc:
                form.add_error("photos" if exc.field == "photos" else None, exc.message)
            else:
                if recorded.failed_units:
                    messages.warning(
                        request,
                        f"{recorded.number}: {recorded.failed_units} of {recorded.sample_quantity} units failed and "
                        "went to quarantine; the others are back in stock.",
                    )
                else:
                    messages.success(request, f"{recorded.number}: all {recorded.sample_quantity} units passed.")
                if recorded.shipment_id:
                    return redirect("quality:shipment_check", pk=recorded.shipment_id)
                return redirect(f"{reverse('quality:queue')}?location={recorded.location.code}")
        status = 422
    questions = inspection.checklist
    context = {
        "inspection": inspection,
        "form": form,
        "image": sku_primary_image_url(inspection.sku),
        "photos": list(inspection.photos.all()),
        "units": [
            {"unit": unit, "failed": [questions[i] for i in unit.failed_checks if 0 <= i < len(questions)]}
            for unit in (inspection.units.all() if not is_open else ())
        ],
        "lots": list(inspection.quarantine_lots.all()),
    }
    return render(request, "quality/inspection.html", context, status=status)


@require_GET
@permission_required(INSPECT, raise_exception=True)
def inspection_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A photo taken at an inspection, only to inspectors who may see its location."""
    photo = InspectionPhoto.objects.filter(pk=pk).first()
    if photo is None:
        raise Http404("No such photo.")
    inspection_get(user=request.user, pk=photo.inspection_id)  # 404 outside the user's locations
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _shipment(request: HttpRequest, pk: int) -> Shipment:
    shipment = Shipment.objects.select_related("order", "location").filter(pk=pk).first()
    ids = visible_location_ids(request.user)
    if shipment is None or (ids is not None and shipment.location_id not in ids):
        raise Http404("No such shipment.")
    return shipment


@require_http_methods(["GET", "POST"])
@permission_required(INSPECT, raise_exception=True)
def shipment_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Before shipping high-value goods: what still needs inspecting, and the way to inspect or pass it."""
    shipment = _shipment(request, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "pass":
                shipment_qc_pass(shipment=shipment, actor=request.user, note=request.POST.get("note", "")[:2000])
                messages.success(request, f"{shipment.number}: every unit passed inspection; it can be packed.")
                return redirect("fulfillment:work_pack", pk=shipment.pk)
            opened = shipment_inspections_open(shipment=shipment)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("quality:shipment_check", pk=shipment.pk)
        if opened:
            return redirect("quality:inspection", pk=opened[0].pk)
        return redirect("quality:shipment_check", pk=shipment.pk)
    remaining = shipment_qc_remaining(shipment)
    skus = SKU.objects.in_bulk(list(remaining))
    images = sku_primary_image_urls(remaining)
    context = {
        "shipment": shipment,
        "remaining": [
            {"sku": skus[sku_id], "units": units, "image": images.get(sku_id)} for sku_id, units in remaining.items()
        ],
        "inspections": list(shipment.inspections.select_related("sku").order_by("id")),
    }
    return render(request, "quality/shipment_check.html", context)
