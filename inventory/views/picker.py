"""The SKU picker's search: matching SKUs as a fragment of options (see `inventory.widgets`)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from inventory.catalog_selectors import sku_picker_matches
from inventory.selectors import location_get

MAX_QUERY = 100


@require_GET
@permission_required("inventory.view_sku", raise_exception=True)
def sku_picker(request: HttpRequest) -> HttpResponse:
    """Up to eight active SKUs matching `q` (code, name, barcode, product) with units on hand.

    `at` is a location code: the units on hand there are shown too, if the user may see it
    (one they may not see is ignored rather than refused, so the picker never tells).
    """
    query = request.GET.get("q", "")[:MAX_QUERY].strip()
    location = None
    if code := request.GET.get("at", "").strip():
        try:
            location = location_get(user=request.user, code=code)
        except Http404:
            location = None
    matches = sku_picker_matches(user=request.user, query=query, location=location)
    context = {"matches": matches, "query": query, "location": location}
    return render(request, "inventory/widgets/sku_picker_results.html", context)
