"""Dashboard."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from inventory.selectors import dashboard_figures, ledger_recent


def dashboard(request: HttpRequest) -> HttpResponse:
    """Headline stock figures and the latest ledger rows for the user's locations."""
    figures = dashboard_figures(user=request.user)
    return render(
        request,
        "core/dashboard.html",
        {"figures": figures, "recent": ledger_recent(user=request.user, limit=10)},
    )
