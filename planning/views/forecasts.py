"""The forecasts page: every series' forecast with its model, a chart of the chosen one, and
"Recompute now" with a live progress bar (polled by htmx while the run is queued or running,
the same mechanism as a channel's re-sync)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.htmx import is_htmx, render_page
from planning.charts import forecast_chart
from planning.models import ForecastRun, ForecastScope
from planning.regions import region_label
from planning.selectors import forecast_get, forecast_list, forecast_run_latest
from planning.services.forecasts import forecast_run_request

PAGE_SIZE = 50


def _progress_context(run: ForecastRun | None) -> dict[str, object]:
    per_10k = None
    if run is not None and run.seconds and run.series_total:
        per_10k = run.seconds / run.series_total * 10_000
    return {"run": run, "seconds_per_10k": per_10k}


@require_GET
@permission_required("planning.view_demandforecast", raise_exception=True)
def forecast_index(request: HttpRequest) -> HttpResponse:
    """Forecasts per series, filterable, with the selected series charted."""
    scope = request.GET.get("scope", "")
    query = request.GET.get("q", "").strip()[:64]
    fallback_only = request.GET.get("fallback") == "1"
    page = Paginator(forecast_list(scope=scope, query=query, fallback_only=fallback_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    selected = None
    series = request.GET.get("series", "")
    if series.isdigit():
        selected = forecast_get(forecast_id=int(series))
    if selected is None and rows:
        selected = forecast_get(forecast_id=rows[0].pk)
    for row in [*rows, *([selected] if selected else [])]:
        row.where = row.location.code if row.location else region_label(row.region)
    context = {
        "page": page,
        "rows": rows,
        "selected": selected,
        "chart": forecast_chart(selected.recent, selected.points) if selected else None,
        "filters": {"scope": scope, "q": query, "fallback": fallback_only},
        "scopes": ForecastScope.choices,
        "can_run": request.user.has_perm("planning.run_forecasts"),
        **_progress_context(forecast_run_latest()),
    }
    return render_page(request, "planning/forecasts.html", context, partial="results")


@require_GET
@permission_required("planning.view_demandforecast", raise_exception=True)
def forecast_progress(request: HttpRequest) -> HttpResponse:
    """The recompute progress bar (polled by htmx while a run is queued or running)."""
    return render(request, "planning/forecasts.html#progress", _progress_context(forecast_run_latest()))


@require_POST
@permission_required("planning.run_forecasts", raise_exception=True)
def forecast_recompute(request: HttpRequest) -> HttpResponse:
    """Queue a recompute of every forecast now (or show the one already running)."""
    run = forecast_run_request(actor=request.user)
    if is_htmx(request):
        return render(request, "planning/forecasts.html#progress", _progress_context(run))
    messages.success(request, "Recompute queued: the progress shows below; the list refreshes when it is done.")
    return redirect("planning:index")
