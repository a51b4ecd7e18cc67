"""Geometry of the dashboard's server-rendered SVG charts (pure: numbers in, coordinates out).

Bars are HTML rows (`templates/analytics/_bars.html`: label, bar, value), so their text stays
readable at any width where a scaled SVG's would shrink on a phone; the time series is a polyline per
KPI on a 0-100 % axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

LINE_WIDTH = 320
LINE_HEIGHT = 110
LEFT = 44  # room for the axis labels ("100%" at 13 px)
TOP = 8


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
    """Horizontal bars, each `share` percent of the row's width, relative to the largest value.

    Each row needs `key`, `label` and `value_key` (a number or None: no bar, shown as "—").
    """
    values = [float(row[value_key]) if row[value_key] is not None else 0.0 for row in rows]
    peak = max(values, default=0) or 1
    bars = []
    for row, amount in zip(rows, values, strict=True):
        share = round(100 * amount / peak, 1)
        bars.append(
            {
                "row": row,
                "share": max(share, 0.5) if amount else 0,  # a tiny figure still shows a sliver
                "value": "—" if row[value_key] is None else f"{row[value_key]:.1f}%",
            }
        )
    return {"bars": bars}
