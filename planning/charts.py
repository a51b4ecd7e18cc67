"""The forecast chart's geometry: recent history, the forecast line and its interval band, as SVG points.

Plain numbers in, strings of SVG coordinates out; the template draws them (`planning/_chart.html`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 712, 12, 190


@dataclass
class ForecastChart:
    history: str = ""
    forecast: str = ""
    band: str = ""
    censored: list[dict[str, float]] = field(default_factory=list)
    grid: list[dict[str, Any]] = field(default_factory=list)
    today_x: float = 0.0
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM
    history_days: int = 0
    horizon_days: int = 0
    empty: bool = True


def _nice_top(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return float(step)
    return float(int(value * 1.2) + 1)


def forecast_chart(recent: list[list[Any]], points: list[list[float]]) -> ForecastChart:
    """Lay out `recent` ([units, censored] per day) followed by `points` ([mean, lower, upper] per day)."""
    days = len(recent) + len(points)
    if days < 2:
        return ForecastChart()
    top_value = _nice_top(max([float(r[0]) for r in recent] + [float(p[2]) for p in points] + [1.0]))
    step = (RIGHT - LEFT) / (days - 1)

    def x(i: int) -> float:
        return round(LEFT + i * step, 1)

    def y(v: float) -> float:
        return round(BOTTOM - (BOTTOM - TOP) * max(0.0, v) / top_value, 1)

    start = len(recent)
    # The forecast line starts from the last observed day so the two lines join.
    joined = ([(start - 1, float(recent[-1][0]))] if recent else []) + [
        (start + i, float(p[0])) for i, p in enumerate(points)
    ]
    upper = [f"{x(start + i)},{y(p[2])}" for i, p in enumerate(points)]
    lower = [f"{x(start + i)},{y(p[1])}" for i, p in reversed(list(enumerate(points)))]
    return ForecastChart(
        history=" ".join(f"{x(i)},{y(float(r[0]))}" for i, r in enumerate(recent)),
        forecast=" ".join(f"{x(i)},{y(v)}" for i, v in joined),
        band=" ".join(upper + lower),
        censored=[{"x": x(i), "y": y(float(r[0]))} for i, r in enumerate(recent) if r[1]],
        grid=[{"y": y(top_value * k / 4), "label": f"{top_value * k / 4:g}"} for k in range(5)],
        today_x=x(start) if points else x(days - 1),
        history_days=len(recent),
        horizon_days=len(points),
        empty=False,
    )
