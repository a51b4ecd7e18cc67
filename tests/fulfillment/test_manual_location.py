"""Choosing by hand where an order ships from: each location priced by the engine, then routed there."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.errors import Conflict
from fulfillment.demo import seed_carriers
from fulfillment.models import RoutingDecision, ShipmentStatus
from fulfillment.services import cost_model_forget, shipment_reject
from fulfillment.services.order_edits import order_location_choose
from fulfillment.services.routing.pinned import order_locations_priced
from inventory.models import LocationKind, StockLevel
from inventory.services import ledger_verify
from tests.factories import LocationFactory, SKUFactory, UserFactory, stocked
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(web: Any) -> dict[str, Any]:
    seed_carriers()
    cost_model_forget()
    dallas: Any = LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    newyork: Any = LocationFactory(
        code="nyc-dc",
        kind=LocationKind.WAREHOUSE,
        postal_code="10001",
        latitude=Decimal("40.750600"),
        longitude=Decimal("-73.997200"),
        timezone="America/New_York",
    )
    empty: Any = LocationFactory(code="phx-dc", latitude=Decimal("33.448400"), longitude=Decimal("-112.074000"))
    tee: Any = SKUFactory(code="TEE-BLK-M")
    other: Any = SKUFactory(code="OTHER")
    stocked(dallas, tee, 5)
    stocked(newyork, tee, 2)
    stocked(empty, other, 5)
    return {"dallas": dallas, "newyork": newyork, "tee": tee}


def test_each_location_is_priced_with_the_orders_own_units_counted_cheapest_first(
    network: dict[str, Any], web: Any
) -> None:
    order = place_order(web, [("TEE-BLK-M", 2)], postal_code="10001").order
    assert order.shipments.get().location.code == "nyc-dc"  # it holds the last 2 units there

    priced = order_locations_priced(order=order)

    assert [(price.location.code, price.current, price.can_ship) for price in priced] == [
        ("nyc-dc", True, True),
        ("dal-dc", False, True),
    ]
    decision = RoutingDecision.objects.get(order=order)
    assert priced[0].total_cost == decision.total_cost  # the price of where it ships now is the engine's
    assert priced[1].total_cost > priced[0].total_cost


def test_a_location_chosen_by_hand_takes_the_order_and_the_decision_says_who_chose(
    network: dict[str, Any], web: Any
) -> None:
    order = place_order(web, [("TEE-BLK-M", 2)], postal_code="10001").order
    clerk: Any = UserFactory(username="clerk")

    outcome = order_location_choose(order=order, location=network["dallas"], actor=clerk)

    assert outcome.before == ("nyc-dc",) and outcome.after == ("dal-dc",)
    assert order.shipments.get(status=ShipmentStatus.REQUESTED).location == network["dallas"]
    levels = dict(StockLevel.objects.filter(sku=network["tee"]).values_list("location__code", "reserved"))
    assert levels == {"dal-dc": 2, "nyc-dc": 0}
    latest = RoutingDecision.objects.filter(order=order).latest("pk")
    assert latest.trigger == "chosen by clerk"
    assert order.events.filter(message="Ships from dal-dc, chosen by clerk (was nyc-dc).", actor=clerk).exists()
    assert ledger_verify() == []


def test_a_location_without_the_units_is_refused_and_nothing_moves(network: dict[str, Any], web: Any) -> None:
    order = place_order(web, [("TEE-BLK-M", 2)], postal_code="10001").order
    phoenix: Any = LocationFactory(code="phx-dc")
    someone: Any = UserFactory()

    with pytest.raises(Conflict, match="phx-dc cannot ship any of"):
        order_location_choose(order=order, location=phoenix, actor=someone)

    assert order.shipments.get().status == ShipmentStatus.REQUESTED
    assert StockLevel.objects.get(location=network["newyork"], sku=network["tee"]).reserved == 2


def test_a_location_that_rejected_the_order_is_not_offered(network: dict[str, Any], web: Any) -> None:
    order = place_order(web, [("TEE-BLK-M", 2)], postal_code="10001").order
    shipment_reject(shipment=order.shipments.get(), reason="short-staffed", actor=None)

    priced = order_locations_priced(order=order)

    assert [price.location.code for price in priced] == ["dal-dc"]
