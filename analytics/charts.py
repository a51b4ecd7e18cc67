"""Geometry of the dashboard's server-rendered SVG charts (pure: numbers in, coordinates out).

Bars use the shape of `templates/returns/_bar_chart.html` (rows with y, width, text_x, value),
so that template draws them; the time series is a polyline per KPI on a 0-100 % axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

LINE_WIDTH = 320
LINE_HEIGHT = 110
LEFT = 38  # room for the axis labels
TOP = 8
BAR_LEFT = 180
BAR_AREA = 360
BAR_STEP = 28


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    day: date
    value: float


def line_chart(series: Sequence[tuple[date, float | None]]) -> dict[str, Any]:
    """A percentage per day as SVG coordinates; days without a figure break the line (no zero dip).

    Returns `segments` (polyline point strings), `points` (for hover titles), the grid lines
    at 0, 50 and 100 % and the first and last day for the x axis.
    """
    plot_w, plot_h = LINE_WIDTH - LEFT - 8, LINE_HEIGHT - TOP - 20
    step = plot_w / max(len(series) - 1, 1)
    segments: list[list[Point]] = [[]]
    points: list[Point] = []
    for index, (day, value) in enumerate(series):
        if value is None:
            if segments[-1]:
                segments.append([])
            continue
        point = Point(round(LEFT + index * step, 1), round(TOP + plot_h * (1 - value / 100), 1), day, value)
        segments[-1].append(point)
        points.append(point)
    grid = []
    for level in (0, 50, 100):
        y = round(TOP + plot_h * (1 - level / 100), 1)
        grid.append({"y": y, "label": f"{level}%", "label_y": y + 4})
    return {
        "width": LINE_WIDTH,
        "height": LINE_HEIGHT,
        "left": LEFT,
        "label_x": LEFT - 4,
        "right": LINE_WIDTH - 8,
        "segments": [" ".join(f"{p.x},{p.y}" for p in segment) for segment in segments if segment],
        "singles": [segment[0] for segment in segments if len(segment) == 1],
        "points": points,
        "grid": grid,
        "first": series[0][0] if series else None,
        "last": series[-1][0] if series else None,
        "axis_y": LINE_HEIGHT - 4,
        "empty": not points,
    }


def bar_chart(rows: Sequence[dict[str, Any]], *, value_key: str = "percent") -> dict[str, Any]:
    """Horizontal bars, widths relative to the largest value, in `returns/_bar_chart.html`'s shape.

    Each row needs `key`, `label` and `value_key` (a number or None: no bar, shown as "—").
    """
    values = [float(row[value_key]) if row[value_key] is not None else 0.0 for row in rows]
    peak = max(values, default=0) or 1
    bars = []
    for index, (row, amount) in enumerate(zip(rows, values, strict=True)):
        width = round(BAR_AREA * amount / peak, 1)
        shown = "—" if row[value_key] is None else f"{row[value_key]:.1f}%"
        bars.append(
            {
                "row": row,
                "y": index * BAR_STEP,
                "width": max(width, 1.5 if amount else 0),
                "text_x": BAR_LEFT + max(width, 1.5) + 6,
                "value": shown,
            }
        )
    return {"bars": bars, "height": max(len(bars) * BAR_STEP, BAR_STEP), "area": BAR_AREA}
