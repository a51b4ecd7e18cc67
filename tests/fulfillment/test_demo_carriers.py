"""The demo's carriers, rate cards, routing settings and channels: realistic, deterministic, idempotent."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from channels.models import Channel, ChannelApiKey
from channels.services import api_key_authenticate
from fulfillment.demo import seed_carriers, seed_channels
from fulfillment.models import Carrier, CarrierService, CostSettings, RateCardRow, RoutingPolicy, TransitTime, ZoneBand
from fulfillment.services.routing import cost_model_forget, cost_model_load

pytestmark = pytest.mark.django_db

LB = {0.5: 227, 1: 454, 2: 907, 3: 1361, 5: 2268, 10: 4536, 70: 31751}


def price(carrier: str, service: str, zone: int, pounds: float) -> Decimal:
    return RateCardRow.objects.get(
        service__carrier__code=carrier, service__code=service, zone=zone, max_weight_grams=LB[pounds]
    ).price


def snapshot() -> dict[str, list[tuple]]:
    return {
        "carriers": list(Carrier.objects.values_list("code", "name", "is_active", "updated_at")),
        "services": list(CarrierService.objects.values_list("carrier__code", "code", "name", "level", "is_active")),
        "rates": list(RateCardRow.objects.values_list("service_id", "zone", "max_weight_grams", "price", "id")),
        "transit": list(TransitTime.objects.values_list("service_id", "zone", "days", "id")),
        "bands": list(ZoneBand.objects.values_list("zone", "max_miles", "id")),
        "costs": list(CostSettings.objects.values_list()),
        "policies": list(RoutingPolicy.objects.values_list()),
    }


@pytest.fixture(autouse=True)
def fresh_cost_model():
    cost_model_forget()
    yield
    cost_model_forget()


def test_seed_carriers_is_idempotent():
    first = seed_carriers()
    assert first.changed and first.carriers == 4 and first.services == 11
    before = snapshot()
    second = seed_carriers()
    assert not second.changed and not second.cost_settings and not second.routing_policy
    assert snapshot() == before


def test_seed_carriers_keeps_what_staff_edited():
    seed_carriers()
    RateCardRow.objects.filter(service__code="ground", zone=1, max_weight_grams=454).update(price=Decimal("8.88"))
    seed_carriers()
    assert price("parcelway", "ground", 1, 1) == Decimal("8.88")


def test_the_cost_model_after_seeding_has_every_carriers_cards():
    seed_carriers()
    model = cost_model_load(fresh=True)
    carriers = {card.carrier for card in model.rate_cards}
    assert {"parcelway", "swiftship", "postline"} <= carriers
    assert len(model.rate_cards) >= 10
    assert {card.level for card in model.rate_cards} == {"standard", "express", "next_day", "same_day"}
    assert list(model.zone_bands) == [
        (50.0, 1), (150.0, 2), (300.0, 3), (600.0, 4), (1000.0, 5), (1400.0, 6), (1800.0, 7)
    ]  # fmt: skip
    ground = next(card for card in model.rate_cards if card.service == "ground")
    assert sorted(ground.rates) == list(range(1, 9)) and len(ground.rates[1]) == 10


def test_demo_prices_are_in_realistic_2025_retail_ranges():
    seed_carriers()
    assert Decimal("9") <= price("parcelway", "ground", 1, 1) <= Decimal("10")
    assert Decimal("25") <= price("parcelway", "ground", 8, 10) <= Decimal("30")
    for zone in range(1, 9):
        for pounds in (0.5, 1, 2, 3, 5, 10, 70):
            ground = price("parcelway", "ground", zone, pounds)
            assert 2 * ground <= price("parcelway", "next-day-air", zone, pounds) <= 5 * ground
            assert 2 * ground <= price("swiftship", "priority-overnight", zone, pounds) <= 5 * ground
        # Postline is the cheapest for a light parcel, and not for a heavy one.
        assert price("postline", "ground-advantage", zone, 1) < price("parcelway", "ground", zone, 1)
        assert price("postline", "ground-advantage", zone, 1) < price("swiftship", "home-delivery", zone, 1)
        assert price("postline", "ground-advantage", zone, 10) > price("parcelway", "ground", zone, 10)
        # Prices rise with the weight in every zone.
        for service in CarrierService.objects.all():
            prices = list(service.rates.filter(zone=zone).order_by("max_weight_grams").values_list("price", flat=True))
            assert prices == sorted(prices)


def test_demo_transit_days_and_the_same_day_courier():
    seed_carriers()
    days = {(t.service.code, t.zone): t.days for t in TransitTime.objects.select_related("service")}
    assert [days[("ground", zone)] for zone in range(1, 9)] == [1, 2, 2, 3, 3, 4, 4, 5]
    assert all(2 <= days[("2nd-day-air", zone)] <= 3 for zone in range(1, 9))
    assert all(days[("next-day-air", zone)] == 1 for zone in range(1, 9))
    courier = CarrierService.objects.get(code="same-day")
    assert courier.level == "same_day"
    assert set(courier.rates.values_list("zone", flat=True)) == {1, 2}
    assert set(courier.transit_times.values_list("zone", flat=True)) == {1, 2}


def test_default_routing_settings():
    seed_carriers()
    assert CostSettings.objects.count() == 1
    policy = RoutingPolicy.objects.get()
    assert policy.channel is None and policy.ship_from_store_radius_miles == 60


def test_seed_channels_is_idempotent_and_the_web_key_works():
    first = seed_channels()
    assert first.channels == ["web", "shopify", "amazon", "ebay", "woocommerce", "pos"]
    assert dict(Channel.objects.values_list("code", "kind")) == {
        "web": "web", "shopify": "shopify", "amazon": "amazon", "ebay": "ebay", "woocommerce": "woocommerce",
        "pos": "pos",
    }  # fmt: skip
    assert first.web_key and first.web_key.startswith("fk_")
    found = api_key_authenticate(first.web_key)
    assert found is not None and found.channel.code == "web"
    assert first.web_key not in str(list(ChannelApiKey.objects.values_list()))

    keys_before = list(ChannelApiKey.objects.values_list("id", "prefix", "key_hash"))
    second = seed_channels()
    assert second.channels == [] and second.web_key is None
    assert list(ChannelApiKey.objects.values_list("id", "prefix", "key_hash")) == keys_before
    assert Channel.objects.count() == 6


def test_seed_demo_seeds_carriers_and_channels_and_prints_the_web_key_once():
    out = StringIO()
    call_command("seed_demo", "--seed", "7", "--skus", "5", stdout=out)
    printed = [line.strip() for line in out.getvalue().splitlines() if line.strip().startswith("fk_")]
    assert len(printed) == 1
    assert api_key_authenticate(printed[0]).channel.code == "web"  # type: ignore[union-attr]
    assert Carrier.objects.count() == 4 and Channel.objects.count() == 6
