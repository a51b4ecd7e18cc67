"""Dashboard, sign-out, and the helper every staff page uses to answer full pages or htmx partials."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from inventory.selectors import LOW_STOCK_THRESHOLD, dashboard_figures, ledger_recent


def is_htmx(request: HttpRequest) -> bool:
    """True for an htmx request that wants a fragment.

    A history restore and a boosted link or form (hx-boost swaps the whole body) want the full page.
    """
    details = getattr(request, "htmx", None)
    return bool(details) and not (details.history_restore_request or details.boosted)  # type: ignore[union-attr]


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the full page, or only `template#partial` when htmx asks for it.

    The response varies on HX-Request so a browser cache never shows a fragment as a page.
    """
    name = f"{template}#{partial}" if partial and is_htmx(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def dashboard(request: HttpRequest) -> HttpResponse:
    """Headline stock figures, on hand vs reserved by location kind, and the latest ledger rows."""
    figures = dashboard_figures(user=request.user)
    orders = None
    if request.user.has_perm("orders.view_order"):
        from orders.selectors import order_dashboard_figures

        orders = order_dashboard_figures(user=request.user, now=timezone.now())
    return render(
        request,
        "core/dashboard.html",
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
    from inventory.models import LocationKind

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
