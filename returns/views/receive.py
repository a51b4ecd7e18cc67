"""Receiving at the dock: scan the RMA or order barcode, confirm the units, receive."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from core.htmx import render_page
from returns.forms import ScanForm
from returns.selectors import receiving_locations, return_find_by_scan
from returns.views._shared import require


@require_GET
def receive_scan(request: HttpRequest) -> HttpResponse:
    """Find the return a parcel belongs to from a scan; one match opens it ready to receive."""
    require(request, "returns.receive_return")
    form = ScanForm(request.GET or None)
    result = None
    if form.is_valid():
        result = return_find_by_scan(user=request.user, code=form.cleaned_data["code"])
        if result.rma is not None:
            return redirect(f"{result.rma.get_absolute_url()}#receive")
    context = {
        "form": form,
        "result": result,
        "locations": receiving_locations(request.user),
        "can_counter": request.user.has_perm("returns.counter_return"),
    }
    return render_page(request, "returns/receive.html", context)
