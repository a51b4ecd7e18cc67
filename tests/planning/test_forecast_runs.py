"""Recomputing the forecasts from order history and the stock ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from inventory.services import stock_receive
from planning.models import DemandForecast, ForecastRun, ForecastRunStatus, ForecastScope
from planning.selectors import location_demand, regional_demand
from planning.services.forecasts import forecast_run_request
from tests.factories import LocationFactory, SKUFactory
from tests.factories.orders import ChannelFactory
from tests.factories.planning import on_day, order_history, stock_out_between

pytestmark = pytest.mark.django_db


def _yesterday() -> dt.date:
    return timezone.now().date() - dt.timedelta(days=1)


def _recompute(django_capture_on_commit_callbacks: Any) -> ForecastRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = forecast_run_request(actor=None)
    run.refresh_from_db()
    return run


def test_a_recompute_forecasts_each_location_and_region_from_order_history(
    django_capture_on_commit_callbacks: Any,
) -> None:
    sku: Any = SKUFactory()
    warehouse: Any = LocationFactory()
    stock_out_between(
        location=warehouse,
        sku=sku,
        units=5,
        empty_from=_yesterday() + dt.timedelta(days=5),
        refill_on=_yesterday() + dt.timedelta(days=6),
    )
    order_history(channel=ChannelFactory(), sku=sku, location=warehouse, per_day=[3] * 70, last_day=_yesterday())

    run = _recompute(django_capture_on_commit_callbacks)

    assert run.status == ForecastRunStatus.DONE, run.error
    assert run.series_total == run.series_done == 2
    assert run.percent == 100
    assert location_demand([sku.pk], 7)[(sku.pk, warehouse.pk)] == pytest.approx(3.0, abs=0.3)
    assert regional_demand([sku.pk], 7)[(sku.pk, "US-WSC")] == pytest.approx(3.0, abs=0.3)
    stored = DemandForecast.objects.get(scope=ForecastScope.LOCATION, sku=sku)
    assert len(stored.points) == run.horizon_days
    assert all(low <= mean <= high for mean, low, high in stored.points)


def test_stockout_days_from_the_ledger_do_not_drag_the_forecast_down(
    django_capture_on_commit_callbacks: Any,
) -> None:
    sku: Any = SKUFactory()
    warehouse: Any = LocationFactory()
    last = _yesterday()
    empty_from, refill_on = last - dt.timedelta(days=30), last - dt.timedelta(days=16)
    per_day = [4] * 90
    for back in range(16, 31):  # the shelf was empty from day -30 up to the refill on day -16
        per_day[-1 - back] = 0
    order_history(channel=ChannelFactory(), sku=sku, location=warehouse, per_day=per_day, last_day=last)
    stock_out_between(location=warehouse, sku=sku, units=50, empty_from=empty_from, refill_on=refill_on)

    _recompute(django_capture_on_commit_callbacks)

    stored = DemandForecast.objects.get(scope=ForecastScope.LOCATION, sku=sku, location=warehouse)
    assert stored.censored_days >= 14
    assert stored.daily_mean == pytest.approx(4.0, abs=0.4)


def test_a_new_location_falls_back_to_the_network_average_and_says_so(
    django_capture_on_commit_callbacks: Any,
) -> None:
    sku: Any = SKUFactory()
    old: Any = LocationFactory()
    new: Any = LocationFactory()
    channel = ChannelFactory()
    stock_out_between(
        location=old,
        sku=sku,
        units=5,
        empty_from=_yesterday() + dt.timedelta(days=5),
        refill_on=_yesterday() + dt.timedelta(days=6),
    )
    order_history(channel=channel, sku=sku, location=old, per_day=[2] * 60, last_day=_yesterday())
    order_history(channel=channel, sku=sku, location=new, per_day=[9] * 5, last_day=_yesterday(), prefix="N")

    _recompute(django_capture_on_commit_callbacks)

    fallback = DemandForecast.objects.get(scope=ForecastScope.LOCATION, sku=sku, location=new)
    assert fallback.is_fallback
    assert fallback.model_name == "fallback: network average"
    assert "network average" in fallback.note
    assert fallback.daily_mean == pytest.approx(2.0, abs=0.3)


def test_a_second_request_while_one_runs_returns_the_same_run() -> None:
    first = forecast_run_request(actor=None)
    assert forecast_run_request(actor=None).pk == first.pk


def test_a_run_whose_worker_was_lost_is_replaced_by_a_new_request() -> None:
    stuck = forecast_run_request(actor=None)
    ForecastRun.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(hours=4))

    fresh = forecast_run_request(actor=None)

    assert fresh.pk != stuck.pk
    stuck.refresh_from_db()
    assert stuck.status == ForecastRunStatus.FAILED
    assert "worker lost" in stuck.error


def test_a_new_sku_falls_back_to_similarly_priced_skus_at_its_location_and_says_so(
    django_capture_on_commit_callbacks: Any,
) -> None:
    warehouse: Any = LocationFactory()
    channel = ChannelFactory()
    for code, price, per_day in (("MUG-S", "20.00", 2), ("MUG-L", "30.00", 4), ("SOFA", "900.00", 10)):
        sku: Any = SKUFactory(code=code, price=Decimal(price))
        with on_day(_yesterday() - dt.timedelta(days=400)):
            stock_receive(location=warehouse, sku=sku, quantity=500, actor=None)
        order_history(channel=channel, sku=sku, location=warehouse, per_day=[per_day] * 42, last_day=_yesterday())
    new: Any = SKUFactory(code="MUG-M", price=Decimal("25.00"))
    with on_day(_yesterday() - dt.timedelta(days=4)):
        stock_receive(location=warehouse, sku=new, quantity=50, actor=None)
    order_history(channel=channel, sku=new, location=warehouse, per_day=[9] * 5, last_day=_yesterday(), prefix="N")

    run = _recompute(django_capture_on_commit_callbacks)

    assert run.status == ForecastRunStatus.DONE, run.error
    fallback = DemandForecast.objects.get(scope=ForecastScope.LOCATION, sku=new, location=warehouse)
    assert (fallback.is_fallback, fallback.model_name) == (True, "fallback: similar SKUs")
    assert "2 SKU(s) priced $12.50-$50.00" in fallback.note  # the mugs, not the sofa
    assert fallback.daily_mean == pytest.approx(3.0, abs=0.4)
    assert run.fallback_series >= 1
