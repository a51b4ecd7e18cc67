"""Bins: where a SKU sits at a location, set inline on the location's stock list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.htmx import is_htmx
from inventory.selectors import location_get, sku_get
from inventory.services.catalog_variants import bin_set


@require_POST
@permission_required("inventory.adjust_stock", raise_exception=True)
def bin_set_view(request: HttpRequest, code: str, sku_code: str) -> HttpResponse:
    """Set (or clear, when empty) the SKU's bin at the location.

    htmx gets the row's bin form back, saying "Saved" or why not (422); a plain browser goes
    back to the location page with the same message.
    """
    location = location_get(user=request.user, code=code)
    sku = sku_get(code=sku_code)
    typed = request.POST.get("path", "")
    error, status = "", 200
    try:
        saved = bin_set(location=location, sku=sku, path=typed)
    except DomainError as exc:
        error, status, path = exc.message, 422, typed.strip()
    else:
        path = saved.path if saved else ""
    if not is_htmx(request):
        if error:
            messages.error(request, f"The bin of {sku.code} was not saved: {error}")
        else:
            where = f"in bin {path}" if path else "without a bin"
            messages.success(request, f"{sku.code} is now {where} at {location.code}.")
        return redirect("inventory:location_detail", code=location.code)
    row = {"sku": sku, "sku_id": sku.pk, "bin_path": path}
    context = {"location": location, "level": row, "bin_error": error, "bin_saved": not error, "can_set_bins": True}
    return render(request, "inventory/location_detail.html#bin_cell", context, status=status)
