"""Stock from returns after inspection: the refurbish bucket and the vendor-return documents."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.htmx import render_page
from returns.forms import ReasonRequiredForm, ReferenceForm
from returns.selectors import refurbish_bucket, refurbish_unit_get, vendor_return_get, vendor_returns_open
from returns.services import refurbish_restock, refurbish_scrap, vendor_return_ship
from returns.views._shared import require


@require_GET
def returned_stock(request: HttpRequest) -> HttpResponse:
    """Units waiting to be refurbished, and units collected for vendors."""
    require(request, "returns.receive_return")
    context = {
        "bucket": list(refurbish_bucket(user=request.user)[:200]),
        "vendor_returns": list(vendor_returns_open(user=request.user)),
    }
    return render_page(request, "returns/stock.html", context)


@require_POST
def refurbish_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Restock a refurbished unit (back to sellable stock) or scrap it with a reason."""
    require(request, "returns.receive_return")
    unit = refurbish_unit_get(user=request.user, pk=pk)
    try:
        if action == "restock":
            refurbish_restock(unit=unit, actor=request.user)
            messages.success(request, f"{unit.line.sku.code} is back in sellable stock at {unit.location.code}.")
        elif action == "scrap":
            form = ReasonRequiredForm(request.POST)
            refurbish_scrap(
                unit=unit, actor=request.user, reason=form.cleaned_data["reason"] if form.is_valid() else ""
            )
            messages.success(request, f"{unit.line.sku.code} from {unit.rma.number} scrapped.")
        else:
            raise Http404("No such action.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("returns:stock")


@require_POST
def vendor_return_ship_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "returns.receive_return")
    document = vendor_return_get(user=request.user, pk=pk)
    form = ReferenceForm(request.POST)
    try:
        vendor_return_ship(
            vendor_return=document,
            actor=request.user,
            reference=form.cleaned_data["reference"] if form.is_valid() else "",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{document.number} shipped to {document.vendor}.")
    return redirect("returns:stock")
