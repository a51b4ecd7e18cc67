"""The quarantine list: units set apart at the user's locations, and their dispositions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from quality.forms import DispositionForm
from quality.models import DispositionAction
from quality.selectors import (
    quarantine_lot_get,
    quarantine_lots_closed,
    quarantine_lots_open,
    sku_primary_image_urls,
)
from quality.services import quarantine_dispose
from quality.views._shared import chosen_location

INSPECT = "quality.inspect"


def _page(
    request: HttpRequest, *, failed: tuple[int, DispositionForm] | None = None, status: int = 200
) -> HttpResponse:
    chosen = chosen_location(request)
    lots = list(quarantine_lots_open(user=request.user, location_id=chosen.pk if chosen else None))
    images = sku_primary_image_urls({lot.sku_id for lot in lots})
    rows = []
    for lot in lots:
        if failed and failed[0] == lot.pk:
            form = failed[1]
        else:
            form = DispositionForm(
                initial={"quantity": lot.quantity_open, "action": DispositionAction.RETURN_TO_VENDOR},
                prefix=f"lot{lot.pk}",
            )
        rows.append({"lot": lot, "form": form, "image": images.get(lot.sku_id)})
    context = {
        "rows": rows,
        "chosen": chosen,
        "closed": quarantine_lots_closed(user=request.user),
        "total_units": sum(lot.quantity_open for lot in lots),
    }
    return render(request, "quality/quarantine.html", context, status=status)


@require_GET
@permission_required(INSPECT, raise_exception=True)
def quarantine_list(request: HttpRequest) -> HttpResponse:
    """Open lots with a disposition form each; lots closed lately with what became of them."""
    return _page(request)


@require_POST
@permission_required(INSPECT, raise_exception=True)
def quarantine_dispose_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Release, scrap or return to vendor some units of a lot (each a ledger movement)."""
    lot = quarantine_lot_get(user=request.user, pk=pk)
    form = DispositionForm(request.POST, prefix=f"lot{lot.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            disposition = quarantine_dispose(
                lot=lot,
                action=data["action"],
                quantity=data["quantity"],
                actor=request.user,
                note=data.get("note") or "",
                vendor_reference=data.get("vendor_reference") or "",
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                f"{lot.number}: {disposition.quantity} x {lot.sku.code} — {disposition.get_action_display().lower()}.",
            )
            return redirect(f"{reverse('quality:quarantine')}#lot-{lot.pk}")
    return _page(request, failed=(lot.pk, form), status=422)
