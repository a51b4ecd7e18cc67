"""Planning recomputes routing's shadow prices from its forecasts, and routing looks ahead with them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from fulfillment.demo.carriers import seed_carriers
from fulfillment.models import CostSettings, ShadowPrice
from fulfillment.selectors.cost_model import cost_model_forget
from inventory.models import LocationKind
from planning import tasks_lookahead
from planning.lookahead import BasketPrices
from planning.models import DemandForecast, ForecastScope
from planning.services import shadow_prices as service
from planning.services.shadow_prices import shadow_prices_refresh
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import ChannelFactory, place_order

pytestmark = pytest.mark.django_db


def forecast(sku: Any, region: str, per_day: float) -> None:
    DemandForecast.objects.create(
        scope=ForecastScope.REGION,
        sku=sku,
        region=region,
        as_of=dt.date(2026, 12, 1),
        horizon_days=28,
        model_name="test",
        daily_mean=per_day,
        points=[[per_day, per_day, per_day]] * 28,
    )


@pytest.fixture
def west_and_south(db: Any) -> dict[str, Any]:
    """Reno holds 5 tents, Dallas 500; the West wants 2 a day, the South 2 a day; the demo carriers' rates."""
    CostSettings.objects.create(
        handling_warehouse=Decimal("1.50"), package_cost=Decimal("0.50"), backorder_penalty_per_unit=Decimal("40.00")
    )
    seed_carriers()
    cost_model_forget()
    tent: Any = SKUFactory(code="TENT-2P", weight_grams=1800)
    reno: Any = LocationFactory(
        code="rno-dc",
        kind=LocationKind.WAREHOUSE,
        priority=10,
        postal_code="89501",
        latitude=Decimal("39.529600"),
        longitude=Decimal("-119.813800"),
        timezone="America/Los_Angeles",
    )
    dallas: Any = LocationFactory(code="dal-dc", kind=LocationKind.WAREHOUSE, priority=50)
    stocked(reno, tent, 5)
    stocked(dallas, tent, 500)
    forecast(tent, "US-PAC", 2.0)
    forecast(tent, "US-WSC", 2.0)
    return {"tent": tent, "reno": reno, "dallas": dallas}


def test_scarce_stock_near_its_demand_gets_a_price_and_plentiful_stock_none(west_and_south: dict[str, Any]) -> None:
    done = shadow_prices_refresh()

    assert (done.skus, done.prices, done.failed) == (1, 1, 0)
    price = ShadowPrice.objects.get()
    assert price.location == west_and_south["reno"]
    assert price.region == "Pacific"
    assert price.price > 0


def test_routing_keeps_renos_units_for_the_pacific_and_says_so(west_and_south: dict[str, Any]) -> None:
    vegas = {"postal_code": "89101"}  # nearer Reno than Dallas
    web: Any = ChannelFactory(code="web")
    before = place_order(web, [("TENT-2P", 2)], external_id="B-1", **vegas).order
    assert list(before.shipments.values_list("location__code", flat=True)) == ["rno-dc"]  # no prices yet
    shadow_prices_refresh()  # Reno has 3 left for 14 Pacific units a week

    order = place_order(web, [("TENT-2P", 2)], **vegas).order

    order.refresh_from_db()
    assert list(order.shipments.values_list("location__code", flat=True)) == ["dal-dc"]
    assert "keeps 2 units at rno-dc for Pacific demand" in order.routing_reason


def test_a_failed_lp_leaves_the_sku_unpriced_and_is_logged(
    west_and_south: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shadow_prices_refresh()
    monkeypatch.setattr(
        service, "basket_shadow_prices", lambda network: BasketPrices(error="LP not solved: infeasible")
    )

    done = shadow_prices_refresh()

    assert (done.prices, done.failed) == (0, 1)
    assert not ShadowPrice.objects.exists()
    assert "left at zero: LP not solved: infeasible" in caplog.text


def test_a_large_receipt_refreshes_the_prices_of_what_came_in(
    west_and_south: dict[str, Any], monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    queued: list[list[int]] = []
    monkeypatch.setattr(tasks_lookahead.shadow_prices_refresh_task, "delay", lambda sku_ids: queued.append(sku_ids))
    tent = west_and_south["tent"]

    with django_capture_on_commit_callbacks(execute=True):
        stocked(west_and_south["reno"], tent, 3)
    with django_capture_on_commit_callbacks(execute=True):
        stocked(west_and_south["reno"], tent, tasks_lookahead.LARGE_RECEIPT_UNITS)

    assert queued == [[tent.pk]]


def test_stock_that_keeps_recent_baskets_in_one_parcel_is_priced_higher(west_and_south: dict[str, Any]) -> None:
    """Tents and lanterns alike: Reno holds 2 of each, the Pacific wants 2 of each a day. But Pacific
    customers also bought a tent with stakes, which only Reno holds: a tent kept there saves such
    an order a second parcel from Dallas, so it is worth more than a lantern there."""
    reno, dallas, tent = west_and_south["reno"], west_and_south["dallas"], west_and_south["tent"]
    lantern: Any = SKUFactory(code="LANTERN", weight_grams=1800)
    stakes: Any = SKUFactory(code="STAKES", weight_grams=1800)
    stocked(reno, stakes, 100)
    web: Any = ChannelFactory(code="web")
    for number in range(12):  # 3 a week over the basket look-back
        place_order(web, [("TENT-2P", 1), ("STAKES", 1)], external_id=f"P-{number}", postal_code="94105")
    level = reno.stock_levels.get(sku=tent)  # the orders took some of Reno's tents: top them up to 2
    if level.on_hand - level.reserved < 2:
        stocked(reno, tent, 2 - (level.on_hand - level.reserved))
    stocked(reno, lantern, 2)
    stocked(dallas, lantern, 500)
    forecast(lantern, "US-PAC", 2.0)
    forecast(lantern, "US-WSC", 2.0)
    forecast(stakes, "US-PAC", 2.0)
    level.refresh_from_db()
    assert level.on_hand - level.reserved == 2

    shadow_prices_refresh()

    prices = {(p.sku.code, p.location.code): p for p in ShadowPrice.objects.select_related("sku", "location")}
    assert prices[("TENT-2P", "rno-dc")].price > prices[("LANTERN", "rno-dc")].price > 0
    assert prices[("TENT-2P", "rno-dc")].region == "Pacific"
