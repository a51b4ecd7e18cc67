"""The pure forecasting engine on series whose answer we know."""

from __future__ import annotations

import pytest

from planning.forecasting import (
    MIN_HISTORY_DAYS,
    SeriesHistory,
    forecast_series,
    impute_censored,
    rebalance_gain,
    stock_policy,
)

WEEKLY = [5.0, 6.0, 7.0, 5.0, 6.0, 9.0, 12.0]


def test_a_constant_series_is_forecast_flat_at_its_level() -> None:
    result = forecast_series(SeriesHistory([4.0] * 120), horizon=14)
    assert result.mean == pytest.approx([4.0] * 14, abs=0.01)
    assert not result.is_fallback
    assert result.error_sd == pytest.approx(0.0, abs=0.01)


def test_a_weekly_pattern_is_forecast_with_its_weekday_shape() -> None:
    result = forecast_series(SeriesHistory(WEEKLY * 16), horizon=14)
    assert result.mean == pytest.approx(WEEKLY * 2, abs=0.3)
    assert result.model in {"AutoETS", "SeasonalNaive"}


def test_an_intermittent_series_gets_a_croston_type_model_at_its_average_rate() -> None:
    values = [0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0, 0.0] * 12  # 6 units per 10 days
    result = forecast_series(SeriesHistory(values), horizon=7)
    assert result.model in {"CrostonOptimized", "TSB", "ADIDA", "SeasonalNaive"}
    assert "Intermittent" in result.note
    if result.model != "SeasonalNaive":
        assert result.daily_mean == pytest.approx(0.6, abs=0.25)
    assert min(result.lower) >= 0


def test_stockout_days_are_imputed_not_read_as_zero_demand() -> None:
    values = [10.0] * 70
    censored = [False] * 70
    for day in range(50, 64):  # two weeks with no stock: nothing sold
        values[day], censored[day] = 0.0, True
    naive = forecast_series(SeriesHistory(values), horizon=7)
    result = forecast_series(SeriesHistory(values, censored), horizon=7)
    assert result.mean == pytest.approx([10.0] * 7, abs=0.1)
    assert result.censored_days == 14
    assert naive.daily_mean < 9.5 or naive.error_sd > 1  # reading them as zero would bias or blur it


def test_imputation_uses_same_weekday_and_never_lowers_a_sale() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0] * 2
    censored = [False] * 7 + [True, False, False, False, False, False, True]
    values[7], values[13] = 0.0, 9.0
    assert impute_censored(values, censored)[7] == 1.0
    assert impute_censored(values, censored)[13] == 9.0


def test_short_history_falls_back_to_the_network_average_and_says_so() -> None:
    result = forecast_series(SeriesHistory([3.0] * 10), horizon=7, network_mean=2.5, network_label="network average")
    assert result.is_fallback
    assert result.model == "fallback: network average"
    assert result.mean == pytest.approx([2.5] * 7)
    assert f"under {MIN_HISTORY_DAYS}" in result.note


def test_a_new_sku_without_other_series_falls_back_to_similar_skus_and_says_so() -> None:
    result = forecast_series(SeriesHistory([4.0] * 3), horizon=7, similar_mean=1.5, similar_label="3 SKUs here")
    assert (result.model, result.is_fallback) == ("fallback: similar SKUs", True)
    assert result.mean == pytest.approx([1.5] * 7)
    assert "3 SKUs here" in result.note


@pytest.mark.parametrize(
    ("network", "similar", "model"),
    [
        (None, None, "fallback: own short mean"),
        (float("nan"), -2.0, "fallback: own short mean"),
        (2.0, 9.0, "fallback: network average"),  # the SKU's own other series know it best
    ],
)
def test_a_fallback_takes_the_best_estimate_it_has_and_never_a_negative_one(
    network: float | None, similar: float | None, model: str
) -> None:
    result = forecast_series(
        SeriesHistory([3.0, float("nan"), 1.0]), horizon=5, network_mean=network, similar_mean=similar
    )
    assert result.model == model
    assert min(result.lower) >= 0 and min(result.mean) >= 0


@pytest.mark.parametrize("values", [[], [0.0] * 5, [float("nan")] * 40, [-3.0] * 40, [0.0] * 200])
def test_odd_series_never_crash_and_never_go_negative(values: list[float]) -> None:
    result = forecast_series(SeriesHistory(values), horizon=7)
    assert len(result.mean) == 7
    assert min(result.mean) >= 0
    assert min(result.lower) >= 0


def test_stock_policy_covers_lead_time_demand_plus_safety_stock() -> None:
    policy = stock_policy(daily_mean=10, error_sd=2, lead_time_days=4, review_days=7, service_level=0.95)
    # z(95%) = 1.645; safety over lead time + review = 1.645 * 2 * sqrt(4 + 7) = 10.91 -> 11;
    # reorder = 40 + 10.91 -> 51; up to = 50.91 + 70 -> 121
    assert (policy.safety_stock, policy.reorder_point, policy.order_up_to) == (11, 51, 121)


def test_a_transfer_pays_only_when_savings_and_avoided_lost_sales_beat_its_cost() -> None:
    pays = rebalance_gain(units=10, shortfall_units=6, unit_margin=5, shipping_saving_per_unit=0.5, cost_per_unit=2)
    assert pays.net == pytest.approx(10 * 0.5 + 6 * 5 - 10 * 2)
    assert pays.pays
    no = rebalance_gain(units=10, shortfall_units=0, unit_margin=5, shipping_saving_per_unit=0.5, cost_per_unit=2)
    assert not no.pays
