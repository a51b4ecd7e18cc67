"""The demand selectors routing's look-ahead reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from planning.models import DemandForecast, ForecastScope
from planning.regions import region_of
from planning.selectors import location_demand, regional_demand
from tests.factories import LocationFactory, SKUFactory

pytestmark = pytest.mark.django_db


def _forecast(sku: Any, *, location: Any = None, region: str = "", points: list[float]) -> DemandForecast:
    return DemandForecast.objects.create(
        scope=ForecastScope.LOCATION if location else ForecastScope.REGION,
        sku=sku,
        location=location,
        region=region,
        as_of=dt.date(2026, 11, 30),
        horizon_days=len(points),
        model_name="AutoETS",
        daily_mean=sum(points) / len(points),
        points=[[p, p * 0.5, p * 1.5] for p in points],
    )


def test_nothing_stored_means_empty_dicts() -> None:
    sku: Any = SKUFactory()
    assert regional_demand([sku.pk], 7) == {}
    assert location_demand([sku.pk], 7) == {}


def test_demand_is_the_mean_of_the_first_days_per_series() -> None:
    sku: Any = SKUFactory()
    other: Any = SKUFactory()
    warehouse: Any = LocationFactory()
    _forecast(sku, location=warehouse, points=[1.0, 3.0, 10.0, 10.0])
    _forecast(sku, region="US-PAC", points=[2.0, 2.0, 2.0, 2.0])
    _forecast(other, region="US-PAC", points=[5.0])

    assert location_demand([sku.pk], 2) == {(sku.pk, warehouse.pk): pytest.approx(2.0)}
    assert regional_demand([sku.pk], 4) == {(sku.pk, "US-PAC"): pytest.approx(2.0)}


def test_regions_follow_state_then_zip_then_country() -> None:
    assert region_of(country="US", state="tx") == "US-WSC"
    assert region_of(country="US", state="", postal_code="98101") == "US-PAC"
    assert region_of(country="CA", postal_code="M5V 2T6") == "CA"
    assert region_of(country="US", state="", postal_code="") == "UNKNOWN"
