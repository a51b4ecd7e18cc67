"""Routing from the database: a channel's pool, partners' terms and planning's shadow prices, as staff see them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import ChannelLocationPool, CostSettings, LocationCostTerms, LocationSkuCost, ShadowPrice
from fulfillment.services.routing.candidates import candidates_and_locations
from fulfillment.services.routing.terms import ShadowPriceRow, shadow_prices_replace
from inventory.models import LocationKind
from marketplaces.models import ChannelSync
from orders.models import OrderStatus
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.partners import dropship_supplier, sku_cost

pytestmark = pytest.mark.django_db

RENO_ZIP = "89501"


@pytest.fixture
def network(db: Any) -> dict[str, Any]:
    """Reno (preferred when costs tie) and Dallas warehouses, both holding tents; no carrier costs."""
    CostSettings.objects.create(
        handling_warehouse=Decimal("1.50"),
        handling_dropship=Decimal("1.50"),
        backorder_penalty_per_unit=Decimal("100.00"),
    )
    tent: Any = SKUFactory(code="TENT-2P", weight_grams=1800)
    reno: Any = LocationFactory(
        code="rno-dc",
        kind=LocationKind.WAREHOUSE,
        priority=10,
        postal_code=RENO_ZIP,
        city="Reno",
        region="NV",
        latitude=Decimal("39.529600"),
        longitude=Decimal("-119.813800"),
        timezone="America/Los_Angeles",
    )
    dallas: Any = LocationFactory(code="dal-dc", kind=LocationKind.WAREHOUSE, priority=50)
    stocked(reno, tent, 3)
    stocked(dallas, tent, 40)
    return {"tent": tent, "reno": reno, "dallas": dallas}


def channel(**fields: Any) -> Any:
    return ChannelFactory(**fields)


def shipped_from(order: Any) -> list[str]:
    return sorted(order.shipments.values_list("location__code", flat=True))


def test_without_a_pool_or_prices_the_preferred_warehouse_ships(network: dict[str, Any]) -> None:
    order = place_order(channel(code="web"), [("TENT-2P", 2)], postal_code=RENO_ZIP).order

    assert shipped_from(order) == ["rno-dc"]


def test_an_amazon_order_ships_only_from_the_channels_pool_and_says_so(network: dict[str, Any]) -> None:
    amazon = channel(code="amazon", name="Amazon")
    sync = ChannelSync.objects.create(channel=amazon)
    sync.feeding_locations.set([network["dallas"]])
    assert list(ChannelLocationPool.objects.values_list("location__code", flat=True)) == ["dal-dc"]

    order = place_order(amazon, [("TENT-2P", 2)], postal_code=RENO_ZIP).order

    assert shipped_from(order) == ["dal-dc"]
    order.refresh_from_db()
    assert order.routing_reason.endswith("Amazon pool only (dal-dc)")
    other = place_order(channel(code="web"), [("TENT-2P", 1)], external_id="W-1", postal_code=RENO_ZIP).order
    assert shipped_from(other) == ["rno-dc"]  # the pool binds Amazon's orders only


def test_when_no_pool_location_can_fill_the_order_waits_for_stock(network: dict[str, Any]) -> None:
    amazon = channel(code="amazon", name="Amazon")
    sync = ChannelSync.objects.create(channel=amazon)
    sync.feeding_locations.set([network["dallas"]])

    order = place_order(amazon, [("TENT-2P", 50)], postal_code=RENO_ZIP).order

    order.refresh_from_db()
    assert shipped_from(order) == ["dal-dc"]  # all 40 it holds; Reno's 3 are not Amazon's
    assert order.lines.get().quantity_backordered == 10
    sync.feeding_locations.set([])  # no pool any more: every location may serve Amazon again
    assert not ChannelLocationPool.objects.exists()


def test_a_pool_with_no_stock_backorders_the_whole_order(network: dict[str, Any]) -> None:
    amazon = channel(code="amazon", name="Amazon")
    empty: Any = LocationFactory(code="phx-dc", kind=LocationKind.WAREHOUSE)
    ChannelSync.objects.create(channel=amazon).feeding_locations.set([empty])

    order = place_order(amazon, [("TENT-2P", 1)], postal_code=RENO_ZIP).order

    order.refresh_from_db()
    assert order.status == OrderStatus.BACKORDERED
    assert order.routing_reason == "Backordered: no eligible location has stock of TENT-2P; Amazon pool only (phx-dc)"


def test_a_shadow_price_keeps_renos_last_units_for_pacific_demand(network: dict[str, Any]) -> None:
    shadow_prices_replace(
        rows=[ShadowPriceRow(network["reno"].pk, network["tent"].pk, Decimal("1.20"), "Pacific")],
        computed_at=timezone.now(),
        sku_ids=[network["tent"].pk],
    )

    order = place_order(channel(code="web"), [("TENT-2P", 3)], postal_code=RENO_ZIP).order

    order.refresh_from_db()
    assert shipped_from(order) == ["dal-dc"]
    assert "keeps the last 3 units at rno-dc for Pacific demand: $3.60 expected future cost saved" in (
        order.routing_reason
    )


def test_a_refresh_replaces_the_prices_of_the_skus_it_covers(network: dict[str, Any]) -> None:
    tent, reno, dallas = network["tent"], network["reno"], network["dallas"]
    now = timezone.now()
    shadow_prices_replace(
        rows=[ShadowPriceRow(reno.pk, tent.pk, Decimal("2"), "Pacific")], computed_at=now, sku_ids=[tent.pk]
    )
    shadow_prices_replace(
        rows=[
            ShadowPriceRow(dallas.pk, tent.pk, Decimal("0.5"), "South"),
            ShadowPriceRow(reno.pk, tent.pk, Decimal("0")),
        ],
        computed_at=now,
        sku_ids=[tent.pk],
    )

    assert list(ShadowPrice.objects.values_list("location__code", "price", "region")) == [
        ("dal-dc", Decimal("0.5000"), "South")
    ]


def test_a_suppliers_unit_prices_send_the_order_to_our_warehouse_and_the_runner_up_says_why(
    network: dict[str, Any],
) -> None:
    partner, supplier = dropship_supplier("acme", priority=1)
    stocked(supplier, network["tent"], 10)
    cheap = place_order(channel(code="web"), [("TENT-2P", 1)], postal_code=RENO_ZIP).order
    assert shipped_from(cheap) == ["acme-ds"]  # no terms yet: preferred by priority

    sku_cost(partner, network["tent"], "12.00")
    order = place_order(channel(code="web"), [("TENT-2P", 1)], external_id="A-2", postal_code=RENO_ZIP).order

    assert shipped_from(order) == ["rno-dc"]
    decision = order.routing_decisions.get()
    assert any(
        "acme-ds" in row["locations"] and "incl. Acme Supply terms $12.00" in row["summary"]
        for row in decision.alternatives
    )


def test_a_partners_fees_are_kept_at_its_locations_and_shown_when_paid(network: dict[str, Any]) -> None:
    stove: Any = SKUFactory(code="STOVE-1", weight_grams=900)  # only the supplier has it
    partner, supplier = dropship_supplier("acme", priority=1)
    stocked(supplier, stove, 10)
    partner.per_order_fee = Decimal("0.75")
    partner.handling_per_unit = Decimal("0.25")
    partner.save()
    sku_cost(partner, stove, "0.50")
    terms = LocationCostTerms.objects.get(location=supplier)
    assert (terms.label, terms.order_fee, terms.unit_fee) == ("Acme Supply terms", Decimal("0.75"), Decimal("0.25"))

    order = place_order(channel(code="web"), [("STOVE-1", 2)], postal_code=RENO_ZIP).order

    order.refresh_from_db()
    assert shipped_from(order) == ["acme-ds"]
    decision = order.routing_decisions.get()
    assert decision.plan["cost_breakdown"]["partner_terms"] == "2.25"  # 0.75 + 2 x (0.25 + 0.50)
    assert order.routing_reason.endswith("incl. Acme Supply terms $2.25")

    partner.locations.remove(supplier)
    assert not LocationCostTerms.objects.filter(location=supplier).exists()
    assert not LocationSkuCost.objects.filter(location=supplier).exists()


def test_reading_the_terms_pool_and_prices_costs_no_extra_query(network: dict[str, Any]) -> None:
    amazon = channel(code="amazon", name="Amazon")
    order = place_order(amazon, [("TENT-2P", 1)], postal_code=RENO_ZIP).order
    sku_codes = {network["tent"].pk: "TENT-2P"}
    with CaptureQueriesContext(connection) as bare:
        candidates_and_locations(sku_codes=sku_codes, order=order)

    ChannelSync.objects.create(channel=amazon).feeding_locations.set([network["dallas"], network["reno"]])
    partner, supplier = dropship_supplier("acme")
    stocked(supplier, network["tent"], 5)
    sku_cost(partner, network["tent"], "3.00")
    shadow_prices_replace(
        rows=[ShadowPriceRow(network["reno"].pk, network["tent"].pk, Decimal("1"), "Pacific")],
        computed_at=timezone.now(),
        sku_ids=[network["tent"].pk],
    )
    with CaptureQueriesContext(connection) as priced:
        candidates = candidates_and_locations(sku_codes=sku_codes, order=order).candidates

    assert len(priced) == len(bare)
    by_code = {candidate.code: candidate for candidate in candidates}
    assert by_code["rno-dc"].future_costs == {"TENT-2P": Decimal("1.0000")}
    assert by_code["acme-ds"].unit_costs == {"TENT-2P": Decimal("3.00")}
    assert by_code["acme-ds"].cost_terms == "Acme Supply terms"


def test_the_order_page_shows_the_terms_and_the_future_cost_it_weighed(
    network: dict[str, Any], back_office_client: Any
) -> None:
    stove: Any = SKUFactory(code="STOVE-1", weight_grams=900)
    partner, supplier = dropship_supplier("acme", priority=1)
    stocked(supplier, stove, 10)
    sku_cost(partner, stove, "0.50")
    shadow_prices_replace(
        rows=[ShadowPriceRow(supplier.pk, stove.pk, Decimal("0.20"), "Mid-Atlantic")],
        computed_at=timezone.now(),
        sku_ids=[stove.pk],
    )
    order = place_order(channel(code="web"), [("STOVE-1", 2)], postal_code=RENO_ZIP).order

    body = back_office_client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert "Why it ships from there" in body
    assert "Partner terms" in body and "$1.00" in body
    assert "Future cost" in body and "$0.40" in body
    assert "incl. Acme Supply terms $1.00" in body
