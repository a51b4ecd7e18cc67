"""Daily demand forecasts of one series: model chosen per series by a rolling backtest.

Candidates (statsforecast): for a smooth series AutoETS (weekly season) against the seasonal
naive baseline; for an intermittent one (average interval between demands above 1.32 days,
Syntetos-Boylan) CrostonOptimized, TSB and ADIDA against the same baseline. Each candidate
forecasts the last `BACKTEST_WINDOWS` weeks from the history before each of them; the lowest
mean absolute error wins, then is refitted on the whole history. Prediction intervals are the
point forecast +- z * (backtest error standard deviation), never below zero: one method for
every model, and the same error sizes the safety stock. Censored (stockout) days are imputed
first (`planning.forecasting.censoring`).

A series with fewer than `MIN_HISTORY_DAYS` uncensored days gets a fallback that says so (its
model name starts with "fallback:"): the network average passed in (the SKU's mean over its other
series), else the average of similar SKUs in the same place (a new SKU has no other series), else
its own short mean, else zero. Nothing here raises on odd input or returns a negative forecast.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from planning.forecasting.censoring import WEEK, impute_censored

logger = logging.getLogger(__name__)
DEFAULT_HORIZON = 28
MIN_HISTORY_DAYS = 28
MAX_HISTORY_DAYS = 364
BACKTEST_WINDOWS = 2
INTERMITTENT_ADI = 1.32
DEFAULT_LEVEL = 80


@dataclass(frozen=True)
class SeriesHistory:
    """Units per day, oldest first, ending on the last day of history; `censored` marks stockout days."""

    values: Sequence[float]
    censored: Sequence[bool] | None = None


@dataclass(frozen=True)
class SeriesForecast:
    """A series' forecast: per-day mean and interval, the model and why, and its backtest error."""

    model: str
    mean: list[float]
    lower: list[float]
    upper: list[float]
    error_sd: float
    note: str
    history_days: int
    censored_days: int
    is_fallback: bool = False
    backtest_mae: float | None = None
    level: int = DEFAULT_LEVEL
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def daily_mean(self) -> float:
        return sum(self.mean) / len(self.mean) if self.mean else 0.0

    def points(self) -> list[list[float]]:
        """[mean, lower, upper] per day, rounded for storage."""
        return [
            [round(m, 4), round(lo, 4), round(hi, 4)]
            for m, lo, hi in zip(self.mean, self.lower, self.upper, strict=True)
        ]


def _statsforecast_models(intermittent: bool) -> list[tuple[str, Callable[[], Any]]]:
    from statsforecast.models import (  # noqa: PLC0415 (heavy import, paid only when forecasting)
        ADIDA,
        TSB,
        AutoETS,
        CrostonOptimized,
        SeasonalNaive,
    )

    baseline: tuple[str, Callable[[], Any]] = ("SeasonalNaive", lambda: SeasonalNaive(season_length=WEEK))
    if intermittent:
        return [
            ("CrostonOptimized", CrostonOptimized),
            ("TSB", lambda: TSB(alpha_d=0.1, alpha_p=0.1)),
            ("ADIDA", ADIDA),
            baseline,
        ]
    # "ZNZ": error and season additive or multiplicative as the fit decides, no trend (daily SKU
    # demand over a month rarely has one, and a trend term doubles the fitting time).
    return [("AutoETS", lambda: AutoETS(season_length=WEEK, model="ZNZ")), baseline]


def _predict(factory: Callable[[], Any], y: np.ndarray, h: int) -> np.ndarray:
    result = factory().forecast(y=y, h=h)
    mean = np.asarray(result["mean"], dtype=float)
    if mean.shape != (h,) or not np.all(np.isfinite(mean)):
        raise ValueError("model produced no finite forecast")
    return np.clip(mean, 0.0, None)


def is_intermittent(y: Sequence[float]) -> bool:
    """Average demand interval above 1.32 days (Syntetos-Boylan): Croston-type models fit better."""
    demand_days = sum(1 for v in y if v > 0)
    return demand_days == 0 or len(y) / demand_days > INTERMITTENT_ADI


def _z(level: int) -> float:
    return NormalDist().inv_cdf(0.5 + level / 200)


def _with_interval(mean: np.ndarray, error_sd: float, level: int) -> tuple[list[float], list[float], list[float]]:
    half = _z(level) * error_sd
    return (
        [float(m) for m in mean],
        [max(0.0, float(m) - half) for m in mean],
        [float(m) + half for m in mean],
    )


def _flat(value: float, horizon: int, error_sd: float, level: int) -> tuple[list[float], list[float], list[float]]:
    return _with_interval(np.full(horizon, max(0.0, value)), error_sd, level)


def fallback_forecast(
    history: SeriesHistory,
    *,
    horizon: int = DEFAULT_HORIZON,
    network_mean: float | None = None,
    network_label: str = "network average",
    similar_mean: float | None = None,
    similar_label: str = "similar SKUs",
    level: int = DEFAULT_LEVEL,
) -> SeriesForecast:
    """The forecast of a series with too little history to backtest (see the module docstring).

    In order: the same SKU's network average (its other series); the average of similar SKUs in
    the same place (a new SKU); its own short mean; zero. The model name starts with "fallback:".
    """
    values = [max(0.0, float(v)) if math.isfinite(float(v)) else 0.0 for v in history.values]
    censored = list(history.censored or [False] * len(values))
    clean = [v for v, c in zip(values, censored, strict=True) if not c]
    days = len(clean)
    short = f"Only {days} day(s) of history (under {MIN_HISTORY_DAYS})"
    if network_mean is not None and math.isfinite(network_mean) and network_mean >= 0:
        value, model = network_mean, "fallback: network average"
        note = f"{short}: {network_label}."
    elif similar_mean is not None and math.isfinite(similar_mean) and similar_mean >= 0:
        value, model = similar_mean, "fallback: similar SKUs"
        note = f"{short} and no other series of this SKU: {similar_label}."
    elif clean:
        value, model = sum(clean) / days, "fallback: own short mean"
        note = f"{short}, no network or similar-SKU average: mean of those days."
    else:
        value, model = 0.0, "fallback: no history"
        note = "No history, no network or similar-SKU average: zero until it sells."
    error_sd = math.sqrt(value) if value > 0 else 0.0  # Poisson-like spread: we know no better yet
    mean, lower, upper = _flat(value, horizon, error_sd, level)
    return SeriesForecast(
        model=model,
        mean=mean,
        lower=lower,
        upper=upper,
        error_sd=error_sd,
        note=note[:255],
        history_days=len(values),
        censored_days=sum(censored),
        is_fallback=True,
        level=level,
    )


def forecast_series(
    history: SeriesHistory,
    *,
    horizon: int = DEFAULT_HORIZON,
    network_mean: float | None = None,
    network_label: str = "network average",
    similar_mean: float | None = None,
    similar_label: str = "similar SKUs",
    level: int = DEFAULT_LEVEL,
) -> SeriesForecast:
    """Forecast `horizon` days of one series, choosing its model by a rolling backtest."""
    values = [max(0.0, float(v)) if math.isfinite(float(v)) else 0.0 for v in history.values]
    censored = list(history.censored or [False] * len(values))
    uncensored_days = len(values) - sum(censored)
    if uncensored_days < MIN_HISTORY_DAYS:
        return fallback_forecast(
            SeriesHistory(values, censored),
            horizon=horizon,
            network_mean=network_mean,
            network_label=network_label,
            similar_mean=similar_mean,
            similar_label=similar_label,
            level=level,
        )
    y = np.asarray(impute_censored(values, censored)[-MAX_HISTORY_DAYS:], dtype=float)
    n_days, n_censored = len(values), sum(censored)
    if not y.any():
        mean, lower, upper = _flat(0.0, horizon, 0.0, level)
        note = f"No demand in {len(y)} days."
        return SeriesForecast(
            model="NoDemand",
            mean=mean,
            lower=lower,
            upper=upper,
            error_sd=0.0,
            note=note,
            history_days=n_days,
            censored_days=n_censored,
            level=level,
        )

    intermittent = is_intermittent(y.tolist())
    candidates = _statsforecast_models(intermittent)
    errors: dict[str, np.ndarray] = {}
    for name, factory in candidates:
        window_errors = []
        try:
            for k in range(BACKTEST_WINDOWS, 0, -1):
                cut = len(y) - k * WEEK
                window_errors.append(_predict(factory, y[:cut], WEEK) - y[cut : cut + WEEK])
        except Exception:  # a model that cannot fit this series simply does not compete
            logger.debug("%s could not fit the backtest", name, exc_info=True)
            continue
        errors[name] = np.concatenate(window_errors)
    scores = {name: float(np.mean(np.abs(e))) for name, e in errors.items()}
    kind = "intermittent" if intermittent else "smooth"
    for name in sorted(scores, key=lambda n: scores[n]):
        factory = dict(candidates)[name]
        try:
            point = _predict(factory, y, horizon)
        except Exception:  # refit failed on the whole history: next best
            logger.debug("%s could not fit the history", name, exc_info=True)
            continue
        error_sd = float(np.sqrt(np.mean(errors[name] ** 2)))
        mean, lower, upper = _with_interval(point, error_sd, level)
        others = ", ".join(f"{n} {s:.2f}" for n, s in sorted(scores.items(), key=lambda kv: kv[1]) if n != name)
        note = f"{kind.capitalize()} series; backtest MAE {scores[name]:.2f}/day" + (
            f" (vs {others})" if others else ""
        )
        return SeriesForecast(
            model=name,
            mean=mean,
            lower=lower,
            upper=upper,
            error_sd=error_sd,
            note=note[:255],
            backtest_mae=scores[name],
            scores=scores,
            history_days=n_days,
            censored_days=n_censored,
            level=level,
        )
    # Every candidate failed: the recent mean is still a forecast, and says what happened.
    recent = y[-WEEK * 4 :]
    error_sd = float(np.std(recent))
    mean, lower, upper = _flat(float(np.mean(recent)), horizon, error_sd, level)
    return SeriesForecast(
        model="fallback: recent mean",
        mean=mean,
        lower=lower,
        upper=upper,
        error_sd=error_sd,
        note="No model could fit this series: mean of the last 4 weeks.",
        is_fallback=True,
        history_days=n_days,
        censored_days=n_censored,
        level=level,
    )
