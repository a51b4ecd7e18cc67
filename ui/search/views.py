"""The search page (/search/?q=...): the full results page, or the header's live results for htmx."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from core.htmx import is_htmx, render_page
from core.roles import is_supplier_session
from ui.search.selectors import global_search


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search everything the user may see; a text that names exactly one thing opens it.

    Typing in the header box asks htmx for the live results only; pressing Enter (or any
    request without JavaScript) loads this page, which jumps straight to a single match.
    A supplier's session is refused: the portal is all it sees.
    """
    if is_supplier_session(request):
        raise PermissionDenied
    results = global_search(user=request.user, query=request.GET.get("q", ""))
    live = is_htmx(request)
    if not live and results.only_hit is not None:
        return redirect(results.only_hit.url)
    return render_page(request, "ui/search.html", {"results": results}, partial="results")
