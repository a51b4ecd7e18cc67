"""Reads of the planning app: the stored demand forecasts, as other code needs them.

`regional_demand` and `location_demand` are what routing's look-ahead reads: expected units
per day over the next `days` days, per (SKU, ship-to region) or (SKU, location). Series with no
stored forecast are simply absent (an empty dict when nothing has been computed yet); callers
treat an absent series as no expected demand.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from planning.models import DemandForecast, ForecastRun, ForecastScope, ProposalStatus, ReplenishmentProposal


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


def forecast_list(*, scope: str = "", query: str = "", fallback_only: bool = False) -> QuerySet[DemandForecast]:
    """Stored forecasts for the page, with their SKU and location, biggest demand first."""
    rows = DemandForecast.objects.select_related("sku", "location").defer("points", "recent")
    if scope in ForecastScope.values:
        rows = rows.filter(scope=scope)
    if query:
        rows = rows.filter(sku__code__icontains=query) | rows.filter(sku__name__icontains=query)
    if fallback_only:
        rows = rows.filter(is_fallback=True)
    return rows.order_by("-daily_mean", "sku__code", "id")


def forecast_get(*, forecast_id: int) -> DemandForecast | None:
    """One stored forecast with its SKU and location (None when it is gone, e.g. after a recompute)."""
    return DemandForecast.objects.select_related("sku", "location").filter(pk=forecast_id).first()


def proposal_list(*, status: str = "") -> QuerySet[ReplenishmentProposal]:
    """Proposals for the proposals page (open and stale by default), with what the rows show."""
    rows = ReplenishmentProposal.objects.select_related("sku", "location", "source", "partner", "transfer")
    if status:
        return rows.filter(status=status)
    return rows.filter(status__in=[ProposalStatus.OPEN, ProposalStatus.STALE])
