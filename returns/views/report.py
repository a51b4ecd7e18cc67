"""Return rate by SKU and returns by reason, with server-rendered SVG bar charts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from core.htmx import render_page
from returns.selectors import RateRow, report_periods, report_since, return_report
from returns.views._shared import require

BAR_AREA = 360


def _bars(rows: list[RateRow], *, value: str) -> dict[str, Any]:
    """Bar geometry for an SVG chart: one row per item, widths relative to the largest value."""
    values = [float(row.rate) if value == "rate" else float(row.returned) for row in rows]
    peak = max(values, default=0) or 1
    bars = []
    for index, (row, amount) in enumerate(zip(rows, values, strict=True)):
        width = round(BAR_AREA * amount / peak, 1)
        bars.append(
            {
                "row": row,
                "y": index * 28,
                "width": max(width, 1.5 if amount else 0),
                "text_x": 180 + max(width, 1.5) + 6,
                "value": f"{row.rate}%" if value == "rate" else str(row.returned),
            }
        )
    return {"bars": bars, "height": max(len(bars) * 28, 28), "area": BAR_AREA}


@require_GET
def return_report_view(request: HttpRequest) -> HttpResponse:
    """Which SKUs come back most (returned / shipped), and why customers return."""
    require(request, "returns.view_returnauthorization")
    periods = report_periods()
    try:
        days = int(request.GET.get("days", "90"))
    except ValueError:
        days = 90
    if days not in {d for d, _ in periods}:
        days = 90
    report = return_report(since=report_since(days))
    context = {
        "report": report,
        "days": days,
        "periods": periods,
        "sku_chart": _bars(report["by_sku"][:12], value="rate"),
        "reason_chart": _bars(report["by_reason"], value="count"),
    }
    return render_page(request, "returns/report.html", context)
