"""Pure numeric planning code: daily demand forecasts and stock policies.

No Django, no ORM and no app imports (an import-linter contract says so): plain lists and
dataclasses in, plain dataclasses out, so it is tested and benchmarked without a database.
"""

from planning.forecasting.censoring import impute_censored
from planning.forecasting.engine import (
    DEFAULT_HORIZON,
    MIN_HISTORY_DAYS,
    SeriesForecast,
    SeriesHistory,
    fallback_forecast,
    forecast_series,
)
from planning.forecasting.policy import StockPolicy, rebalance_gain, stock_policy

__all__ = [
    "DEFAULT_HORIZON",
    "MIN_HISTORY_DAYS",
    "SeriesForecast",
    "SeriesHistory",
    "StockPolicy",
    "fallback_forecast",
    "forecast_series",
    "impute_censored",
    "rebalance_gain",
    "stock_policy",
]
