"""Reads of the planning app: the stored demand forecasts, as other code needs them.

`regional_demand` and `location_demand` are what routing's look-ahead reads: expected units
per day over the next `days` days, per (SKU, ship-to region) or (SKU, location). Series with no
stored forecast are simply absent (an empty dict when nothing has been computed yet); callers
treat an absent series as no expected demand.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from planning.models import DemandForecast, ForecastRun, ForecastScope


def _forecasts(scope: str, sku_ids: Iterable[int]) -> QuerySet[DemandForecast]:
    return DemandForecast.objects.filter(scope=scope, sku_id__in=list(sku_ids)).only(
        "sku_id", "location_id", "region", "daily_mean", "points"
    )


def regional_demand(sku_ids: Iterable[int], days: int) -> dict[tuple[int, str], float]:
    """Expected units per day over the next `days` days, per (sku_id, ship-to region code)."""
    return {(f.sku_id, f.region): f.mean_over(days) for f in _forecasts(ForecastScope.REGION, sku_ids)}


def location_demand(sku_ids: Iterable[int], days: int) -> dict[tuple[int, int], float]:
    """Expected units per day over the next `days` days, per (sku_id, location_id) it ships from."""
    return {
        (f.sku_id, f.location_id): f.mean_over(days)
        for f in _forecasts(ForecastScope.LOCATION, sku_ids)
        if f.location_id is not None
    }


def forecast_run_latest() -> ForecastRun | None:
    """The most recent forecast run (for the page's progress and 'last computed')."""
    return ForecastRun.objects.order_by("-id").first()
