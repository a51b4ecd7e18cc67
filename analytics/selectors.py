"""Reads of the analytics app: summed facts for the dashboard, and the live figures facts cannot hold.

Every fact read is one aggregate over `DailyFact` (a year is a few thousand rows per channel),
so the dashboard costs the same however many orders there were. Backorder age and channel sync
lag are "now" figures, read live from their own indexed tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Min, Q, QuerySet, Sum, Value

from analytics.facts import COSTS, COUNTS
from analytics.models import DailyFact
from channels.models import Channel
from inventory.models import Location
from marketplaces.models import PushState, StockOutbox
from orders.models import Order, OrderStatus
from planning.models import DemandForecast, ForecastScope

FIELDS = COUNTS + COSTS
PERIODS = ((7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "Year"))


@dataclass(frozen=True)
class KpiFilters:
    """The dashboard's range (placed days, inclusive) and narrowing; None does not narrow."""

    start: date
    end: date
    channel: Channel | None = None
    location: Location | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _sums() -> dict[str, Any]:
    return {name: Sum(name) for name in FIELDS}


def _facts(filters: KpiFilters, *, per_location: bool = False) -> QuerySet[DailyFact]:
    """The rows to sum: every location's (one per channel and day) unless a location or `per_location`."""
    qs = DailyFact.objects.filter(day__gte=filters.start, day__lte=filters.end)
    if filters.channel is not None:
        qs = qs.filter(channel=filters.channel)
    if filters.location is not None:
        return qs.filter(location=filters.location)
    return qs.filter(location__isnull=not per_location)


def kpi_totals(filters: KpiFilters) -> dict[str, Any]:
    """Every fact summed over the range (one query)."""
    return _facts(filters).aggregate(**_sums())


def kpi_by_day(filters: KpiFilters) -> list[dict[str, Any]]:
    """Summed facts per day, every day of the range present (days without orders are zeros); one query."""
    found = {row["day"]: row for row in _facts(filters).values("day").annotate(**_sums()).order_by("day")}
    return [
        found.get(filters.start + timedelta(days=n), {"day": filters.start + timedelta(days=n)})
        for n in range(filters.days)
    ]


def kpi_by_location(filters: KpiFilters) -> list[dict[str, Any]]:
    """Summed facts per location that had orders in the range, by location code (one query)."""
    rows = (
        _facts(filters, per_location=True)
        .values("location_id", code=F("location__code"), name=F("location__name"))
        .annotate(**_sums())
        .order_by("code")
    )
    return list(rows)


def kpi_by_channel(filters: KpiFilters) -> list[dict[str, Any]]:
    """Summed facts per channel (one query)."""
    rows = _facts(filters).values("channel_id", code=F("channel__code"), name=F("channel__name"))
    return list(rows.annotate(**_sums()).order_by("name"))


def facts_freshness() -> datetime | None:
    """When the facts were last computed, by the refresh or a backfill (None: never)."""
    return DailyFact.objects.aggregate(latest=Max("refreshed_at"))["latest"]


def backorder_summary(*, channel: Channel | None, now: datetime) -> dict[str, Any]:
    """Orders waiting for stock now: how many, their average and oldest age in days (one query)."""
    qs = Order.objects.filter(status=OrderStatus.BACKORDERED)
    if channel is not None:
        qs = qs.filter(channel=channel)
    age = ExpressionWrapper(Value(now) - F("placed_at"), output_field=DurationField())
    row = qs.aggregate(count=Count("pk"), oldest=Min("placed_at"), average=Avg(age))
    oldest = row["oldest"]
    return {
        "count": row["count"],
        "oldest_days": (now - oldest).days if oldest else None,
        "average_days": round(row["average"].total_seconds() / 86400, 1) if row["average"] else None,
    }


def channel_sync_lag(*, channel: Channel | None, now: datetime) -> list[dict[str, Any]]:
    """Per marketplace channel: how long its oldest stock change has waited to show, and failed pushes (one query).

    The outbox holds one row per (channel, SKU) with the first change not yet shown
    (`changed_at`), so the lag is now minus the oldest pending row; applied rows show nothing.
    """
    qs = StockOutbox.objects.all()
    if channel is not None:
        qs = qs.filter(channel=channel)
    waiting = Q(state__in=(PushState.PENDING, PushState.IN_FLIGHT, PushState.FAILED))
    rows = (
        qs.values("channel_id", code=F("channel__code"), name=F("channel__name"))
        .annotate(
            oldest=Min("changed_at", filter=waiting),
            pending=Count("pk", filter=waiting),
            failed=Count("pk", filter=Q(state=PushState.FAILED)),
            last_applied=Max("applied_at"),
        )
        .order_by("name")
    )
    return [{**row, "lag_seconds": int((now - row["oldest"]).total_seconds()) if row["oldest"] else 0} for row in rows]


def forecast_accuracy(*, location: Location | None) -> dict[str, Any] | None:
    """How close the demand forecasts came in their backtest: 1 - MAE / mean daily demand, weighted by demand.

    Per SKU and location (or every location); None when the planning app has no forecast with a
    backtest yet.
    """
    qs = DemandForecast.objects.filter(scope=ForecastScope.LOCATION, backtest_mae__isnull=False)
    if location is not None:
        qs = qs.filter(location=location)
    row = qs.aggregate(series=Count("pk"), mae=Sum("backtest_mae"), demand=Sum("daily_mean"))
    if not row["series"] or not row["demand"]:
        return None
    accuracy = max(0.0, 1 - row["mae"] / row["demand"])
    return {"series": row["series"], "percent": round(100 * accuracy, 1)}
