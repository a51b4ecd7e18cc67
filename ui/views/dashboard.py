"""Cross-app pages: the dashboard (stock and orders at a glance) and sign-out with a message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fulfillment.selectors.exceptions import order_dashboard_figures
from inventory.models import LocationKind
from inventory.selectors import LOW_STOCK_THRESHOLD, dashboard_figures, ledger_recent


def dashboard(request: HttpRequest) -> HttpResponse:
    """Headline stock figures, on hand vs reserved by location kind, and the latest ledger rows."""
    figures = dashboard_figures(user=request.user)
    orders = None
    if request.user.has_perm("orders.view_order"):
        orders = order_dashboard_figures(user=request.user, now=timezone.now())
    return render(
        request,
        "ui/dashboard.html",
        {
            "figures": figures,
            "orders": orders,
            "chart": _kind_chart(figures["by_kind"]),
            "recent": ledger_recent(user=request.user, limit=10),
            "low_threshold": LOW_STOCK_THRESHOLD,
        },
    )


def _kind_chart(by_kind: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bars for the chart: each kind's on hand and reserved as a percentage of the largest on hand."""
    labels = dict(LocationKind.choices)
    peak = max((row["on_hand"] or 0 for row in by_kind), default=0) or 1
    return [
        {
            "kind": row["location__kind"],
            "label": labels.get(row["location__kind"], row["location__kind"]),
            "on_hand": row["on_hand"] or 0,
            "reserved": row["reserved"] or 0,
            "on_hand_pct": round(100 * (row["on_hand"] or 0) / peak, 1),
            "reserved_pct": round(100 * (row["reserved"] or 0) / peak, 1),
        }
        for row in by_kind
    ]


@require_POST
def logout_view(request: HttpRequest) -> HttpResponseBase:
    """Sign out (POST only) and say so on the login page.

    Mounted at /accounts/logout/ ahead of `django.contrib.auth.urls` so the sign-out gets a
    message; Django's own LogoutView does the work.
    """
    was_signed_in = request.user.is_authenticated
    response = LogoutView.as_view()(request)
    if was_signed_in:
        messages.success(request, "You have signed out.")
    return response
