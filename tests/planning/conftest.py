"""Fixtures of the planning tests: a small network with forecasts, short at a store, long at a warehouse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from fulfillment.models import LinehaulLane
from inventory.models import LocationKind
from planning.models import DemandForecast, ForecastScope
from tests.factories import LocationFactory, SKUFactory, stocked


def location_forecast(sku: Any, location: Any, per_day: float, error_sd: float = 1.0) -> DemandForecast:
    return DemandForecast.objects.create(
        scope=ForecastScope.LOCATION,
        sku=sku,
        location=location,
        as_of=dt.date(2026, 11, 30),
        horizon_days=28,
        model_name="AutoETS",
        daily_mean=per_day,
        error_sd=error_sd,
        points=[[per_day, max(0, per_day - 1), per_day + 1]] * 28,
    )


@pytest.fixture
def network(db: Any) -> dict[str, Any]:
    sku: Any = SKUFactory(price=Decimal("40.00"), weight_grams=500)
    warehouse: Any = LocationFactory(
        code="dal-dc", kind=LocationKind.WAREHOUSE, latitude="32.776700", longitude="-96.797000"
    )
    store: Any = LocationFactory(
        code="nyc-store", kind=LocationKind.STORE, latitude="40.750600", longitude="-73.997200"
    )
    stocked(warehouse, sku, 300)
    stocked(store, sku, 2)
    location_forecast(sku, warehouse, 1.0)
    location_forecast(sku, store, 5.0)
    LinehaulLane.objects.create(origin=warehouse, destination=store, cost_per_unit=Decimal("0.80"), transit_days=2)
    return {"sku": sku, "warehouse": warehouse, "store": store}
