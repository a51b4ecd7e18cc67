#!/usr/bin/env python
"""Demand forecasting on real weekly retail data: WRMSSE, RMSSE and MASE against the baselines.

Run with `make bench-forecast` (or `.venv/bin/python bench/forecast.py --help`). No database.

Data: the dunnhumby "Breakfast at the Frat" developer slice in ../shared/demand-data/ (read at run
time, never copied into the repository; see its README for the slice, the hierarchy and the
baselines). Units per store x UPC x week; a week without a row after a series' first sale is 0.
Without the data the bench says so and runs on a synthetic set of the same shape.

Task (the README's): forecast the last 8 weeks from the history before them. Scored like M5:
- RMSSE per series: sqrt(MSE over the 8 weeks / mean squared one-step difference of its history
  from its first sale); MASE with absolute errors and the mean absolute one-step difference;
- WRMSSE: 9 levels (total, state, store, category, state x category, store x category, UPC,
  UPC x state, UPC x store), bottom-up sums, each aggregate weighted by its dollar sales in the
  4 weeks before the origin, each level 1/9.

Models:
- naive (last week), snaive (52 weeks before), ma4 (4-week moving average): the baselines;
- ets: statsforecast AutoETS per series (no season: 52-week seasons need years we do not have);
- promo_ets: the statistical model with a promotion regression on top: a regression of log1p(units) on the
  promotion columns (log price / base price, feature, display, temporary price reduction only,
  and the US holidays in the week), pooled per UPC across stores with a fixed effect per
  series; the series with the promotion effect taken out is forecast by AutoETS, and the
  promotion effect of each future week is added back (exp, with the smearing correction).
  Promotions are planned by the merchant, so the future weeks' promotion columns are known at
  the origin; a future week without a row is taken as no promotion at base price (this slice
  has rows only for weeks with a sale, so that reading is slightly optimistic).
- promo_ets_unplanned: the same model when the future promotions are not known (taken as none):
  what the regression gives through the history alone.
- Every model's forecast is clipped at zero.

Last, the product's own daily engine (`planning.forecasting`, the nightly run's per-series model
choice by backtest) is timed on synthetic daily series: `engine=daily_backtest seconds_per_10k=<s>`.

Prints one line per model: `model=<name> wrmsse=<x> wrmsse_vs_best_baseline=<ratio> rmsse=<x> mase=<x>
seconds_per_1k=<s>`, promo_ets first; the ratio is to the best baseline's WRMSSE in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
DATA_DIR = Path(os.environ.get("DEMAND_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "demand-data"))
HORIZON = 8
PROMO_COLUMNS = ["log_price_ratio", "feature", "display", "tpr_only", "holiday"]


def _holiday_weeks(weeks: pd.DatetimeIndex) -> np.ndarray:
    """1 for a week (ending Wednesday) holding Thanksgiving, Christmas, New Year's Day, the Super Bowl or July 4th."""
    flags = np.zeros(len(weeks))
    for i, end in enumerate(weeks):
        start = end - pd.Timedelta(days=6)
        for day in pd.date_range(start, end):
            thanksgiving = day.month == 11 and day.weekday() == 3 and 22 <= day.day <= 28
            superbowl = day.month == 2 and day.weekday() == 6 and day.day <= 7
            fixed = (day.month, day.day) in {(12, 25), (1, 1), (7, 4)}
            if thanksgiving or superbowl or fixed:
                flags[i] = 1
    return flags


def load_real() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    tx = pd.read_csv(DATA_DIR / "transactions.csv.gz", parse_dates=["week_end_date"])
    products = pd.read_csv(DATA_DIR / "products.csv.gz")
    stores = pd.read_csv(DATA_DIR / "stores.csv.gz")
    return tx, products, stores


def load_synthetic(seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Weekly series with a level per store x UPC, a yearly wave, and promotions that lift sales."""
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2009-01-14", periods=148, freq="7D")
    rows = []
    stores = pd.DataFrame({"store_id": range(1, 11), "address_state_prov_code": ["TX"] * 6 + ["OH"] * 4})
    products = pd.DataFrame({"upc_id": range(100, 120), "category": ["A", "B", "C", "D"] * 5})
    for store in stores.store_id:
        for upc in products.upc_id:
            level = rng.gamma(2.0, 10.0)
            for t, week in enumerate(weeks):
                feature, display = rng.random() < 0.1, rng.random() < 0.1
                discount = 0.8 if (feature or rng.random() < 0.05) else 1.0
                mean = (
                    level * (1 + 0.2 * np.sin(2 * np.pi * t / 52)) * (1.8 if feature else 1) * (1.4 if display else 1)
                )
                mean *= discount**-2
                units = rng.poisson(mean)
                if units:
                    rows.append(
                        (
                            week,
                            store,
                            upc,
                            units,
                            units * 2.0 * discount,
                            2.0 * discount,
                            2.0,
                            int(feature),
                            int(display),
                            0,
                        )
                    )
    tx = pd.DataFrame(
        rows,
        columns=[
            "week_end_date",
            "store_id",
            "upc_id",
            "units",
            "spend",
            "price",
            "base_price",
            "feature",
            "display",
            "tpr_only",
        ],
    )
    return tx, products, stores


def dense(tx: pd.DataFrame) -> dict[str, np.ndarray | pd.Index | pd.DatetimeIndex]:
    """Week x series arrays: units (NaN before a series' first sale), spend, promotion columns."""
    tx = tx.copy()
    tx["series"] = list(zip(tx.store_id, tx.upc_id, strict=True))
    weeks = pd.DatetimeIndex(sorted(tx.week_end_date.unique()))
    series = pd.Index(sorted(tx.series.unique()))
    w = weeks.get_indexer(tx.week_end_date)
    s = series.get_indexer(tx.series)
    shape = (len(weeks), len(series))

    def grid(values: pd.Series, fill: float) -> np.ndarray:
        out = np.full(shape, fill, dtype=float)
        out[w, s] = values.to_numpy(dtype=float)
        return out

    units = grid(tx.units, 0.0)
    first = np.full(len(series), len(weeks))
    np.minimum.at(first, s, w)
    started = np.arange(len(weeks))[:, None] >= first[None, :]
    units[~started] = np.nan
    ratio = (tx.price / tx.base_price).where(lambda r: r > 0).fillna(1.0).clip(0.3, 1.5)
    return {
        "weeks": weeks,
        "series": series,
        "units": units,
        "spend": grid(tx.spend.fillna(0), 0.0),
        "log_price_ratio": grid(np.log(ratio), 0.0),
        "feature": grid(tx.feature.fillna(0), 0.0),
        "display": grid(tx.display.fillna(0), 0.0),
        "tpr_only": grid(tx.tpr_only.fillna(0), 0.0),
        "holiday": np.repeat(_holiday_weeks(weeks)[:, None], len(series), axis=1),
    }


# ----------------------------------------------------------------------------- models


def baseline(name: str, history: np.ndarray) -> np.ndarray:
    """naive / snaive / ma4 for every series at once (history: weeks x series, NaN before the start)."""
    h = np.nan_to_num(history)
    if name == "naive":
        return np.repeat(h[-1:], HORIZON, axis=0)
    if name == "snaive":
        return h[-52 : -52 + HORIZON] if len(h) >= 52 else np.repeat(h[-1:], HORIZON, axis=0)
    if name == "ma4":
        counted = np.sum(~np.isnan(history[-4:]), axis=0).clip(1, None)
        return np.repeat((np.nansum(history[-4:], axis=0) / counted)[None, :], HORIZON, axis=0)
    raise ValueError(name)


def _ets_level(z: np.ndarray) -> np.ndarray:
    from statsforecast.models import AutoETS

    if len(z) < 4 or np.allclose(z, z[0]):
        return np.full(HORIZON, z[-1] if len(z) else 0.0)
    try:
        return np.asarray(AutoETS(season_length=1, model="ZNN").forecast(y=z, h=HORIZON)["mean"], dtype=float)
    except Exception:
        return np.full(HORIZON, float(np.mean(z[-4:])))


def ets(history: np.ndarray) -> np.ndarray:
    out = np.zeros((HORIZON, history.shape[1]))
    for j in range(history.shape[1]):
        y = history[:, j]
        y = y[~np.isnan(y)]
        out[:, j] = _ets_level(y) if len(y) else 0.0
    return out


def _promo_design(data: dict, rows: slice, columns: np.ndarray) -> np.ndarray:
    return np.stack([data[c][rows][:, columns] for c in PROMO_COLUMNS], axis=-1)  # weeks x series x k


def promo_ets(data: dict, origin: int, upc_of: np.ndarray, *, planned: bool = True) -> np.ndarray:
    """The product's model: promotion regression per UPC + AutoETS on what promotions do not explain."""
    history = data["units"][:origin]
    out = np.zeros((HORIZON, history.shape[1]))
    for upc in np.unique(upc_of):
        cols = np.flatnonzero(upc_of == upc)
        y = np.log1p(history[:, cols])
        x = _promo_design(data, slice(0, origin), cols)
        mask = ~np.isnan(y)
        # Within-series (fixed effect) least squares over a recent window, a little ridge for stability.
        recent = np.zeros_like(mask)
        recent[-104:] = True
        use = mask & recent
        counts = use.sum(axis=0).clip(1, None)
        y_mean = np.where(use, y, 0).sum(axis=0) / counts
        x_mean = np.where(use[..., None], x, 0).sum(axis=0) / counts[:, None]
        yc = (y - y_mean)[use]
        xc = (x - x_mean[None])[use]
        k = xc.shape[1]
        beta = np.linalg.solve(xc.T @ xc + 1.0 * np.eye(k), xc.T @ yc) if len(yc) > k else np.zeros(k)
        effect = x @ beta
        future = _promo_design(data, slice(origin, origin + HORIZON), cols) @ beta
        if not planned:  # only the holidays are known ahead
            future = _promo_design(data, slice(origin, origin + HORIZON), cols)[..., -1:] @ beta[-1:]
        for pos, j in enumerate(cols):
            z = (y[:, pos] - effect[:, pos])[mask[:, pos]]
            if not len(z):
                continue
            level = _ets_level(z)
            resid = z[-26:] - np.mean(z[-26:])
            smear = float(np.mean(np.exp(resid))) if len(resid) > 2 else 1.0
            out[:, j] = (np.exp(level + future[:, pos]) * smear) - 1
    return np.clip(out, 0, None)


# ----------------------------------------------------------------------------- scoring


def _scale(history: np.ndarray, squared: bool) -> np.ndarray:
    diffs = np.diff(history, axis=0)
    diffs = diffs**2 if squared else np.abs(diffs)
    with np.errstate(invalid="ignore"):
        scale = np.nanmean(diffs, axis=0)
    return scale


def _rmsse(history: np.ndarray, actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    scale = _scale(history, squared=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(np.mean((actual - forecast) ** 2, axis=0) / scale)


def score(data: dict, origin: int, forecast: np.ndarray, levels: list[np.ndarray]) -> dict[str, float]:
    units = data["units"]
    history, actual = units[:origin], np.nan_to_num(units[origin : origin + HORIZON])
    scored = np.sum(~np.isnan(history), axis=0) >= 2
    rmsse = _rmsse(history, actual, forecast)
    mase_scale = _scale(history, squared=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        mase = np.mean(np.abs(actual - forecast), axis=0) / mase_scale
    ok = scored & np.isfinite(rmsse) & np.isfinite(mase)
    spend = data["spend"][origin - 4 : origin]
    wrmsse = 0.0
    for groups in levels:
        g_ids, g = np.unique(groups[scored], return_inverse=True)
        agg = np.zeros((len(g_ids), 3), dtype=object)
        h = np.zeros((history.shape[0], len(g_ids)))
        a = np.zeros((HORIZON, len(g_ids)))
        f = np.zeros((HORIZON, len(g_ids)))
        w = np.zeros(len(g_ids))
        cols = np.flatnonzero(scored)
        hist_filled = np.nan_to_num(history[:, cols])
        started = ~np.isnan(history[:, cols])
        first_any = np.zeros((history.shape[0], len(g_ids)), dtype=bool)
        np.add.at(h.T, g, hist_filled.T)
        np.add.at(a.T, g, actual[:, cols].T)
        np.add.at(f.T, g, forecast[:, cols].T)
        np.add.at(w, g, spend[:, cols].sum(axis=0))
        np.logical_or.at(first_any.T, g, started.T)
        h[~first_any] = np.nan  # an aggregate's history starts at its first member's first sale
        del agg
        level_rmsse = np.nan_to_num(_rmsse(h, a, f), nan=0.0, posinf=0.0)
        wrmsse += float(np.sum(level_rmsse * w / w.sum())) / len(levels)
    return {"wrmsse": wrmsse, "rmsse": float(np.mean(rmsse[ok])), "mase": float(np.mean(mase[ok]))}


def hierarchy(data: dict, products: pd.DataFrame, stores: pd.DataFrame) -> tuple[list[np.ndarray], np.ndarray]:
    store_ids = np.array([s for s, _ in data["series"]])
    upcs = np.array([u for _, u in data["series"]])
    state = stores.set_index("store_id")["address_state_prov_code"].reindex(store_ids).fillna("?").to_numpy()
    category = products.set_index("upc_id")["category"].reindex(upcs).fillna("?").to_numpy()
    as_str = lambda *cols: np.array(["|".join(map(str, parts)) for parts in zip(*cols, strict=True)])  # noqa: E731
    total = np.zeros(len(upcs), dtype=int).astype(str)
    levels = [
        total,
        state.astype(str),
        store_ids.astype(str),
        category.astype(str),
        as_str(state, category),
        as_str(store_ids, category),
        upcs.astype(str),
        as_str(upcs, state),
        as_str(upcs, store_ids),
    ]
    return levels, upcs


def engine_speed(series: int, seed: int = 11) -> tuple[float, dict[str, int]]:
    """Seconds per 10,000 daily series of the product's engine (`planning.forecasting.forecast_series`).

    A year of daily history each, a mix the demo network has: smooth weekly series, intermittent
    ones and some with stockout weeks; the same 28-day horizon as the nightly run.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from planning.forecasting import SeriesHistory, forecast_series

    rng = np.random.default_rng(seed)
    weekly = np.array([0.8, 0.9, 1.0, 1.0, 1.1, 1.4, 1.3])
    histories = []
    for n in range(series):
        level = rng.gamma(1.2, 3.0) if n % 2 else rng.gamma(0.6, 0.5)
        values = rng.poisson(level * np.tile(weekly, 52)).astype(float)
        censored = np.zeros(364, dtype=bool)
        if n % 5 == 0:
            start = int(rng.integers(0, 330))
            censored[start : start + 14] = True
            values[censored] = 0
        histories.append(SeriesHistory(values.tolist(), censored.tolist()))
    models: dict[str, int] = {}
    started = time.perf_counter()
    for history in histories:
        result = forecast_series(history, horizon=28)
        models[result.model] = models.get(result.model, 0) + 1
    return (time.perf_counter() - started) / series * 10_000, models


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", action="store_true", help="use the synthetic set even if the data is there")
    parser.add_argument("--engine-series", type=int, default=300, help="daily series timed for the product's engine")
    args = parser.parse_args()
    if args.synthetic or not (DATA_DIR / "transactions.csv.gz").exists():
        if not args.synthetic:
            print(f"# no demand data at {DATA_DIR}: running on a synthetic set (set DEMAND_DATA_DIR to point at it)")
        tx, products, stores = load_synthetic()
        source = "synthetic"
    else:
        tx, products, stores = load_real()
        source = "dunnhumby"
    data = dense(tx)
    origin = len(data["weeks"]) - HORIZON
    levels, upcs = hierarchy(data, products, stores)
    history = data["units"][:origin]
    n_series = history.shape[1]
    print(
        f"# {source}: {n_series} series, forecast {data['weeks'][origin].date()} .. {data['weeks'][-1].date()} "
        f"from history up to {data['weeks'][origin - 1].date()}"
    )
    results: dict[str, tuple[dict[str, float], float]] = {}
    for name, run in [
        ("promo_ets", lambda: promo_ets(data, origin, upcs)),
        ("promo_ets_unplanned", lambda: promo_ets(data, origin, upcs, planned=False)),
        ("ets", lambda: ets(history)),
        ("naive", lambda: baseline("naive", history)),
        ("snaive", lambda: baseline("snaive", history)),
        ("ma4", lambda: baseline("ma4", history)),
    ]:
        started = time.perf_counter()
        forecast = np.clip(run(), 0, None)
        seconds = time.perf_counter() - started
        results[name] = (score(data, origin, forecast, levels), seconds / n_series * 1000)
    best_baseline = min(results[b][0]["wrmsse"] for b in ("naive", "snaive", "ma4"))
    for name, (figures, per_1k) in results.items():
        ratio = figures["wrmsse"] / best_baseline
        print(
            f"model={name} wrmsse={figures['wrmsse']:.4f} wrmsse_vs_best_baseline={ratio:.3f} "
            f"rmsse={figures['rmsse']:.4f} mase={figures['mase']:.4f} seconds_per_1k={per_1k:.3f}"
        )
    if args.engine_series > 0:
        per_10k, models = engine_speed(args.engine_series)
        chosen = ",".join(f"{name}:{count}" for name, count in sorted(models.items()))
        print(f"engine=daily_backtest series={args.engine_series} seconds_per_10k={per_10k:.0f} chosen={chosen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
