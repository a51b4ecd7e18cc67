"""The KPI dashboard (/analytics/) and its CSV export: figures from the daily facts, each a link to its orders."""

from __future__ import annotations

from typing import IO, Any, cast
from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from analytics.charts import bar_chart, line_chart
from analytics.forms import KpiFilterForm
from analytics.kpis import RATE_KPIS, RateFigure, cost_per_order, rates
from analytics.selectors import (
    PERIODS,
    KpiFilters,
    backorder_summary,
    channel_sync_lag,
    facts_freshness,
    forecast_accuracy,
    kpi_by_channel,
    kpi_by_day,
    kpi_by_location,
    kpi_totals,
)
from channels.models import Channel
from core.csv_safe import csv_writer
from core.htmx import render_page
from inventory.models import Location

VIEW_KPIS = "analytics.view_kpis"
KPI_KEYS = {kpi.key for kpi in RATE_KPIS}


def _form(request: HttpRequest) -> KpiFilterForm:
    return KpiFilterForm(
        request.GET or None,
        channels=list(Channel.objects.order_by("name").only("code", "name")),
        locations=list(Location.objects.filter(is_active=True).order_by("code").only("code", "name")),
        today=timezone.localdate(),
    )


def drill_url(filters: KpiFilters, kpi: str, *, location_code: str = "", channel_code: str = "") -> str:
    """The orders list narrowed to the orders behind one figure: the KPI, the placed days, channel, location."""
    query = {"kpi": kpi, "placed_from": filters.start.isoformat(), "placed_to": filters.end.isoformat()}
    channel = channel_code or (filters.channel.code if filters.channel else "")
    location = location_code or (filters.location.code if filters.location else "")
    query.update({key: value for key, value in (("channel", channel), ("location", location)) if value})
    return f"{reverse('orders:index')}?{urlencode(query)}"


def _cells(filters: KpiFilters, figures: dict[str, RateFigure], **codes: str) -> list[dict[str, Any]]:
    """A table row's figures in KPI order, each with the link to its orders."""
    return [{"figure": figures[kpi.key], "url": drill_url(filters, kpi.drill, **codes)} for kpi in RATE_KPIS]


def _filter_query(filters: KpiFilters) -> str:
    query = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    if filters.channel:
        query["channel"] = filters.channel.code
    if filters.location:
        query["location"] = filters.location.code
    return urlencode(query)


@require_GET
@permission_required(VIEW_KPIS, raise_exception=True)
def kpi_dashboard(request: HttpRequest) -> HttpResponse:
    """Fill, split, on-time, no-show and reject rates, cost per order, backorders, sync lag and forecasts.

    Ten queries whatever the range or the number of orders: the filter choices (2); totals, days,
    locations, channels and freshness from the facts (5); the live backorder, sync lag and
    forecast figures (3).
    """
    form = _form(request)
    filters = form.filters()
    now = timezone.now()
    totals = kpi_totals(filters)
    daily = [(row["day"], rates(row)) for row in kpi_by_day(filters)]
    figures = rates(totals)
    cards = [
        {
            "figure": figures[kpi.key],
            "drill": drill_url(filters, kpi.drill),
            "chart": line_chart([(day, day_rates[kpi.key].percent) for day, day_rates in daily]),
        }
        for kpi in RATE_KPIS
    ]
    metric = request.GET.get("metric", "")
    metric = metric if metric in KPI_KEYS else "fill_rate"
    locations = [
        {**row, "rates": rates(row), "cost": cost_per_order(row)} for row in kpi_by_location(filters) if row["code"]
    ]
    for row in locations:
        row["cells"] = _cells(filters, row["rates"], location_code=row["code"])
    channels = [{**row, "rates": rates(row)} for row in kpi_by_channel(filters)]
    for row in channels:
        row["cells"] = _cells(filters, row["rates"], channel_code=row["code"])
    location_chart = bar_chart(
        [{"key": row["code"], "label": row["name"], "percent": row["rates"][metric].percent} for row in locations]
    )
    context: dict[str, Any] = {
        "form": form,
        "period": form.period(),
        "filters": filters,
        "periods": PERIODS,
        "cards": cards,
        "orders": totals["orders"] or 0,
        "cost": cost_per_order(totals),
        "locations": locations,
        "location_chart": location_chart,
        "metric": metric,
        "metric_label": next(kpi.label for kpi in RATE_KPIS if kpi.key == metric),
        "kpis": RATE_KPIS,
        "channels": channels,
        "backorders": backorder_summary(channel=filters.channel, now=now),
        "sync_lag": channel_sync_lag(channel=filters.channel, now=now),
        "forecast": forecast_accuracy(location=filters.location),
        "freshness": facts_freshness(),
        "query": _filter_query(filters),
        "backordered_url": f"{reverse('orders:index')}?status=backordered",
    }
    return render_page(request, "analytics/dashboard.html", context, partial="results")


@require_GET
@permission_required(VIEW_KPIS, raise_exception=True)
def kpi_export(request: HttpRequest) -> HttpResponse:
    """The dashboard's figures per day as CSV (spreadsheet-safe), for the same filters."""
    filters = _form(request).filters()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kpis-{filters.start}-{filters.end}.csv"'
    writer = csv_writer(cast(IO[str], response))  # HttpResponse is a file-like text sink
    writer.writerow(
        [
            "day",
            "channel",
            "location",
            "orders",
            *(column for kpi in RATE_KPIS for column in (f"{kpi.key}_percent", f"{kpi.key}_of")),
            "costed_orders",
            *(
                f"{side}_{part}_per_order"
                for side in ("planned", "actual")
                for part in ("shipping", "handling", "packages")
            ),
        ]
    )
    channel = filters.channel.code if filters.channel else "all"
    location = filters.location.code if filters.location else "all"
    for row in kpi_by_day(filters):
        figures, cost = rates(row), cost_per_order(row)
        writer.writerow(
            [
                row["day"].isoformat(),
                channel,
                location,
                row.get("orders") or 0,
                *(
                    value
                    for kpi in RATE_KPIS
                    for value in (
                        "" if figures[kpi.key].percent is None else figures[kpi.key].percent,
                        figures[kpi.key].total,
                    )
                ),
                cost.orders,
                *(cost.planned[part] for part in ("shipping", "handling", "packages")),
                *(cost.actual[part] for part in ("shipping", "handling", "packages")),
            ]
        )
    return response
