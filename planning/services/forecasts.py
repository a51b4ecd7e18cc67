"""Recomputing every demand forecast: queued by the nightly beat or the page, run by a worker.

`forecast_run_request` records a run and queues it after commit (one active run at a time: a
second request while one is queued or running returns that one, unless it is older than
`STUCK_AFTER`: its worker was lost, it is marked failed and a new run starts). `forecast_run_execute` reads
the history (`planning.services.history`), forecasts each series with the pure engine
(`planning.forecasting`), writes its progress as it goes (the page polls it), and replaces the
stored forecasts in one transaction at the end, so readers never see half a recompute.

Series with enough history go first; the short ones then fall back to the network average of
the same SKU's other series in the same scope (the mean of their daily means), or for a new SKU
with no other series to the average of SKUs at a similar price in the same place; either says so.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from core.queueing import queue_on_commit_or_leave_to_beat
from core.types import Actor, actor_id
from inventory.models import SKU
from planning.forecasting import (
    DEFAULT_HORIZON,
    MIN_HISTORY_DAYS,
    SeriesForecast,
    SeriesHistory,
    forecast_series,
)
from planning.models import DemandForecast, ForecastRun, ForecastRunStatus, ForecastScope
from planning.services.history import DemandHistory, demand_history

logger = logging.getLogger(__name__)
T = TypeVar("T")
PROGRESS_EVERY = 25  # series between progress writes: frequent enough for the bar, cheap enough
RECENT_DAYS = 56
#: A run still queued or running after this long lost its worker; a new request replaces it.
STUCK_AFTER = dt.timedelta(hours=3)
#: A new SKU's peers are priced within this factor of its price, either way (see `_SimilarSkus`).
SIMILAR_PRICE_FACTOR = Decimal(2)


def forecast_run_request(*, actor: Actor | None, trigger: str = "manual") -> ForecastRun:
    """Queue a recompute of every forecast, or return the run already queued or running."""
    from planning.tasks import forecast_run_task  # noqa: PLC0415 (tasks import services)

    with transaction.atomic():
        active = (
            ForecastRun.objects.select_for_update()
            .filter(status__in=[ForecastRunStatus.QUEUED, ForecastRunStatus.RUNNING])
            .order_by("-id")
            .first()
        )
        if active is not None and active.created_at >= timezone.now() - STUCK_AFTER:
            return active
        if active is not None:  # its worker died: say so, and let this request start afresh
            ForecastRun.objects.filter(pk=active.pk).update(
                status=ForecastRunStatus.FAILED,
                error="Stopped without finishing (worker lost).",
                finished_at=timezone.now(),
            )
        run = ForecastRun.objects.create(trigger=trigger, requested_by_id=actor_id(actor), horizon_days=DEFAULT_HORIZON)
        queue_on_commit_or_leave_to_beat(forecast_run_task, run.pk)
    return run


def _progress(run: ForecastRun, **fields: object) -> None:
    ForecastRun.objects.filter(pk=run.pk).update(**fields)


def _forecast_scope(
    run: ForecastRun,
    units: dict[tuple[int, Any], list[float]],
    censored: dict[tuple[int, Any], list[bool]],
    done_before: int,
) -> dict[tuple[int, Any], SeriesForecast]:
    """Forecast every series of one scope: long ones by the engine, then short ones by fallback."""
    results: dict[tuple[int, Any], SeriesForecast] = {}
    short: list[tuple[int, Any]] = []
    done = done_before
    for key, values in units.items():
        flags = censored.get(key) or [False] * len(values)
        if len(values) - sum(flags) < MIN_HISTORY_DAYS:
            short.append(key)
            continue
        results[key] = forecast_series(
            SeriesHistory(_trim(values, flags), _trim(flags, flags)), horizon=run.horizon_days
        )
        done += 1
        if done % PROGRESS_EVERY == 0:
            _progress(run, series_done=done)
    means: dict[int, list[float]] = defaultdict(list)
    for (sku_id, _), result in results.items():
        if not result.is_fallback:
            means[sku_id].append(result.daily_mean)
    similar = _SimilarSkus(results, _prices({key[0] for key in short}, results))
    for key in short:
        values, flags = units[key], censored.get(key) or [False] * len(units[key])
        others = means.get(key[0])
        similar_mean, similar_label = (None, "") if others else similar.mean(key)
        results[key] = forecast_series(
            SeriesHistory(_trim(values, flags), _trim(flags, flags)),
            horizon=run.horizon_days,
            network_mean=sum(others) / len(others) if others else None,
            network_label=f"network average of this SKU's {len(others)} other series" if others else "",
            similar_mean=similar_mean,
            similar_label=similar_label,
        )
    return results


def _prices(short_skus: set[int], results: dict[tuple[int, Any], SeriesForecast]) -> dict[int, Decimal]:
    """Prices of the SKUs that may need a similar-SKU fallback and of those that could serve as one."""
    if not short_skus:
        return {}
    wanted = short_skus | {sku_id for sku_id, _ in results}
    return dict(SKU.objects.filter(pk__in=wanted).values_list("pk", "price"))


class _SimilarSkus:
    """A new SKU's fallback: the mean daily demand of SKUs in a similar price band in the same place.

    The catalogue has no category, so price stands in for "the same kind of item" (a $15 tee sells like
    other $8-$30 items, not like a $900 sofa): SKUs priced within `SIMILAR_PRICE_FACTOR` either way,
    forecast by a model (not a fallback) at the same location or region; with none of those, every
    SKU forecast there. Each place is averaged once per price band asked for.
    """

    def __init__(self, results: dict[tuple[int, Any], SeriesForecast], prices: dict[int, Decimal]) -> None:
        self.prices = prices
        self.by_place: dict[Any, list[tuple[Decimal, float]]] = defaultdict(list)
        for (sku_id, place), result in results.items():
            if not result.is_fallback and sku_id in prices:
                self.by_place[place].append((prices[sku_id], result.daily_mean))

    def mean(self, key: tuple[int, Any]) -> tuple[float | None, str]:
        sku_id, place = key
        peers = self.by_place.get(place)
        if not peers:
            return None, ""
        price = self.prices.get(sku_id)
        if price is not None and price > 0:
            low, high = price / SIMILAR_PRICE_FACTOR, price * SIMILAR_PRICE_FACTOR
            band = [mean for peer_price, mean in peers if low <= peer_price <= high]
            if band:
                return (
                    sum(band) / len(band),
                    f"mean of the {len(band)} SKU(s) priced ${low:.2f}-${high:.2f} with history here",
                )
        return sum(mean for _, mean in peers) / len(peers), f"mean of all {len(peers)} SKU(s) with history here"


def _trim(items: Sequence[T], censored: Sequence[bool]) -> list[T]:
    """Drop the leading censored days: before a series first had stock it had no demand to see."""
    first = next((i for i, flag in enumerate(censored) if not flag), len(censored))
    return list(items[first:]) if first < len(censored) else list(items)


def _recent(values: list[float], censored: list[bool]) -> list[list[float | bool]]:
    """The last `RECENT_DAYS` days as [units, censored], for the page's chart."""
    flags = censored or [False] * len(values)
    return [[v, c] for v, c in zip(values[-RECENT_DAYS:], flags[-RECENT_DAYS:], strict=True)]


def _rows(
    run: ForecastRun,
    scope: str,
    results: dict[tuple[int, Any], SeriesForecast],
    units: dict[tuple[int, Any], list[float]],
    censored: dict[tuple[int, Any], list[bool]],
) -> list[DemandForecast]:
    rows = []
    for (sku_id, where), result in results.items():
        rows.append(
            DemandForecast(
                scope=scope,
                sku_id=sku_id,
                location_id=int(where) if scope == ForecastScope.LOCATION else None,
                region=str(where) if scope == ForecastScope.REGION else "",
                run=run,
                as_of=run.as_of or timezone.now().date(),
                horizon_days=run.horizon_days,
                model_name=result.model,
                is_fallback=result.is_fallback,
                note=result.note[:255],
                daily_mean=max(0.0, result.daily_mean),
                error_sd=result.error_sd,
                interval_level=result.level,
                points=result.points(),
                history_days=result.history_days,
                censored_days=result.censored_days,
                history_units=int(sum(units.get((sku_id, where), ()))),
                recent=_recent(units.get((sku_id, where), []), censored.get((sku_id, where), [])),
                backtest_mae=result.backtest_mae,
            )
        )
    return rows


def forecast_run_execute(*, run_id: int, as_of: dt.date | None = None) -> ForecastRun:
    """Run one queued recompute to the end (idempotent: a finished run is returned as it is)."""
    run = ForecastRun.objects.get(pk=run_id)
    if run.status in (ForecastRunStatus.DONE, ForecastRunStatus.FAILED):
        return run
    started = time.perf_counter()
    run.as_of = as_of or (timezone.now().date() - dt.timedelta(days=1))
    _progress(run, status=ForecastRunStatus.RUNNING, started_at=timezone.now(), as_of=run.as_of, series_done=0)
    try:
        history: DemandHistory = demand_history(as_of=run.as_of)
        total = len(history.location_units) + len(history.region_units)
        _progress(run, series_total=total)
        by_location = _forecast_scope(run, history.location_units, history.location_censored, 0)
        by_region = _forecast_scope(run, history.region_units, history.region_censored, len(by_location))
        with transaction.atomic():
            DemandForecast.objects.all().delete()
            location_rows = _rows(
                run, ForecastScope.LOCATION, by_location, history.location_units, history.location_censored
            )
            DemandForecast.objects.bulk_create(location_rows, batch_size=500)
            region_rows = _rows(run, ForecastScope.REGION, by_region, history.region_units, history.region_censored)
            DemandForecast.objects.bulk_create(region_rows, batch_size=500)
            fallbacks = sum(1 for r in (*by_location.values(), *by_region.values()) if r.is_fallback)
            _progress(
                run,
                status=ForecastRunStatus.DONE,
                series_done=total,
                fallback_series=fallbacks,
                seconds=time.perf_counter() - started,
                finished_at=timezone.now(),
            )
    except Exception as exc:
        logger.exception("Forecast run %s failed", run.pk)
        _progress(run, status=ForecastRunStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
    run.refresh_from_db()
    return run
