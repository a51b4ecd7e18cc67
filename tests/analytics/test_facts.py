"""Daily facts computed from hand-built orders: fill, split, on time, no-show, store rejects, costs."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from analytics.models import DailyFact
from analytics.services import facts_backfill
from fulfillment.models import CostSettings, Pickup, PickupStatus, Shipment, ShipmentStatus
from fulfillment.services import shipment_deliver, store_request_reject
from inventory.models import LocationKind
from tests.analytics.conftest import ship
from tests.factories import LocationFactory, stocked
from tests.factories.orders import place_order
from tests.factories.stores import make_store, place_pickup, set_store_settings

pytestmark = pytest.mark.django_db
ALWAYS_OPEN: dict[int, tuple[time, time] | None] = {day: (time(0, 0), time(23, 59)) for day in range(7)}


@pytest.fixture
def atlanta(db: Any) -> Any:
    return LocationFactory(
        code="atl-dc",
        name="Atlanta DC",
        kind=LocationKind.WAREHOUSE,
        postal_code="30303",
        latitude="33.749000",
        longitude="-84.388000",
        timezone="America/New_York",
    )


def fact(channel: Any, location: Any = None) -> DailyFact:
    return DailyFact.objects.get(day=timezone.localdate(), channel=channel, location=location)


def test_fill_and_split_count_each_order_once_overall_and_at_every_location_it_ships_from(
    web: Any, warehouse: Any, atlanta: Any, tee: Any, mug: Any, carriers: Any
) -> None:
    stocked(warehouse, tee, 5)
    stocked(atlanta, mug, 5)
    place_order(web, [("TEE-BLK-M", 1)], external_id="whole")
    place_order(web, [("TEE-BLK-M", 1), ("MUG-WHT", 1)], external_id="split")
    place_order(web, [("TEE-BLK-M", 9)], external_id="short")  # only 3 left: part waits for stock

    facts_backfill(start=timezone.localdate())

    overall = fact(web)
    assert (overall.orders, overall.routed, overall.filled_first, overall.split) == (3, 3, 2, 1)
    dallas, georgia = fact(web, warehouse), fact(web, atlanta)
    assert (dallas.orders, dallas.split, dallas.filled_first) == (3, 1, 2)
    assert (georgia.orders, georgia.split, georgia.filled_first) == (1, 1, 1)


def test_ship_on_time_and_delivery_against_the_promise(web: Any, warehouse: Any, tee: Any, carriers: Any) -> None:
    stocked(warehouse, tee, 5)
    today = timezone.localdate()
    on_time = place_order(web, [("TEE-BLK-M", 1)], external_id="on-time").order
    late = place_order(web, [("TEE-BLK-M", 1)], external_id="late").order
    for order in (on_time, late):
        ship(order.shipments.get())
    Shipment.objects.filter(order=on_time).update(ship_by=today)
    Shipment.objects.filter(order=late).update(ship_by=today - timedelta(days=1))
    late.promised_delivery_date = today - timedelta(days=1)
    late.save(update_fields=["promised_delivery_date"])
    for order in (on_time, late):
        shipment_deliver(shipment=order.shipments.get(), delivered_at=timezone.now())

    facts_backfill(start=today)

    row = fact(web, warehouse)
    assert (row.shipped, row.shipped_late) == (2, 1)
    assert row.delivered == 2
    # The late one was promised for yesterday; the other is judged by its routed estimate (not before today).
    assert row.delivered_late == 1


def test_pickup_no_shows_count_against_pickups_that_are_over(web: Any, store: Any, tee: Any, carriers: Any) -> None:
    stocked(store, tee, 5)
    collected = place_pickup(web, store, [("TEE-BLK-M", 1)], external_id="p1")
    expired = place_pickup(web, store, [("TEE-BLK-M", 1)], external_id="p2")
    place_pickup(web, store, [("TEE-BLK-M", 1)], external_id="p3")  # still open: not counted either way
    Pickup.objects.filter(pk=collected.pk).update(status=PickupStatus.PICKED_UP)
    Pickup.objects.filter(pk=expired.pk).update(status=PickupStatus.EXPIRED)

    facts_backfill(start=timezone.localdate())

    row = fact(web, store)
    assert (row.pickups_closed, row.pickups_no_show) == (2, 1)
    assert fact(web).pickups_no_show == 1


def test_ship_from_store_rejections_count_at_the_store_that_rejected(web: Any, warehouse: Any, tee: Any) -> None:
    # Equal handling and the store first in priority: routing asks the store (as the store tests do).
    CostSettings.objects.create(handling_store=Decimal("1.50"), handling_warehouse=Decimal("1.50"))
    store = set_store_settings(make_store("nyc-store", priority=1), hours=ALWAYS_OPEN, sla_minutes=30)
    stocked(store, tee, 5)
    stocked(warehouse, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="sfs").order
    request = order.shipments.get()
    assert request.location == store
    store_request_reject(shipment=request, reason="no_capacity", actor=None)
    assert Shipment.objects.get(pk=request.pk).status == ShipmentStatus.REJECTED

    facts_backfill(start=timezone.localdate())

    at_store = fact(web, store)
    assert (at_store.store_requests, at_store.store_rejected) == (1, 1)
    assert fact(web, warehouse).store_requests == 0  # the warehouse that took it over is no store
    assert fact(web).filled_first == 0  # it had to be routed again


def test_planned_and_actual_cost_of_orders_shipped_in_full(web: Any, warehouse: Any, tee: Any, carriers: Any) -> None:
    stocked(warehouse, tee, 5)
    shipped = place_order(web, [("TEE-BLK-M", 1)], external_id="shipped").order
    place_order(web, [("TEE-BLK-M", 1)], external_id="waiting")  # not shipped yet: no cost compared
    box = ship(shipped.shipments.get())
    planned = shipped.routing_decisions.get().plan["cost_breakdown"]

    facts_backfill(start=timezone.localdate())

    row = fact(web)
    assert row.costed_orders == 1
    assert row.planned_shipping == Decimal(planned["shipping"])
    assert row.planned_handling == Decimal(planned["handling"])
    assert row.actual_shipping == box.label_rate
    assert row.actual_handling == Decimal("1.50")  # a warehouse's handling
    assert row.actual_packages == Decimal("0.85")  # one box
