"""A location's ship orders today: a counter kept with the shipments, read in one query whatever the day's volume."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from core.errors import InsufficientStock
from fulfillment.models import LocationDayLoad, Shipment
from fulfillment.selectors.stores import ship_load_today
from fulfillment.services import shipment_cancel
from fulfillment.services.routing.candidates import candidates_and_locations
from fulfillment.store_hours import local
from inventory.models import LocationKind
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import place_order
from tests.factories.pages import make_location

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M")


@pytest.fixture
def dallas(db):
    return LocationFactory(
        code="dal-dc",
        kind=LocationKind.WAREHOUSE,
        priority=1,
        daily_order_capacity=3,
        timezone="America/Chicago",
        offers_pickup=True,
    )


@pytest.fixture
def mug(db):
    return SKUFactory(code="MUG-WHT", name="White mug")


@pytest.fixture
def atlanta(db):
    return LocationFactory(code="atl-dc", kind=LocationKind.WAREHOUSE, priority=50)


def ship_order(web: Any, external_id: str) -> Shipment:
    return place_order(web, [("TEE-BLK-M", 1)], external_id=external_id).order.shipments.get()


def test_each_ship_order_counts_once_and_a_cancelled_one_gives_its_slot_back(web, tee, dallas, atlanta):
    stocked(dallas, tee, 10)
    stocked(atlanta, tee, 10)

    first, second = ship_order(web, "A-1"), ship_order(web, "A-2")
    assert ship_load_today([dallas]) == {dallas.pk: 2}

    shipment_cancel(shipment=first, actor=None, reason="customer changed their mind", cancel_units=True)
    assert ship_load_today([dallas]) == {dallas.pk: 1}

    # Two more fill the cap of 3 again; the next order goes to Atlanta.
    assert [ship_order(web, f"B-{n}").location for n in range(3)] == [dallas, dallas, atlanta]
    assert ship_load_today([dallas, atlanta]) == {dallas.pk: 3, atlanta.pk: 1}
    assert second.location == dallas


def test_a_new_local_day_starts_empty_and_a_late_cancel_frees_the_day_it_was_made(web, tee, dallas, atlanta):
    stocked(dallas, tee, 10)
    first = ship_order(web, "A-1")
    ship_order(web, "A-2")
    tomorrow = timezone.now() + timedelta(days=1)

    assert ship_load_today([dallas], now=tomorrow) == {}
    shipment_cancel(shipment=first, actor=None, cancel_units=True)
    assert ship_load_today([dallas]) == {dallas.pk: 1}
    assert ship_load_today([dallas], now=tomorrow) == {}


def test_pickups_do_not_count(web, tee, dallas):
    stocked(dallas, tee, 10)
    place_order(web, [("TEE-BLK-M", 1)], external_id="P-1", delivery_method="pickup", pickup_location=dallas.code)
    assert ship_load_today([dallas]) == {}


def test_an_order_that_rolls_back_leaves_the_count_as_it_was(web, tee, dallas, atlanta):
    stocked(dallas, tee, 10)
    ship_order(web, "A-1")
    with pytest.raises(InsufficientStock), transaction.atomic():
        ship_order(web, "A-2")
        raise InsufficientStock("the caller gave up")
    assert ship_load_today([dallas]) == {dallas.pk: 1}


def test_the_read_is_one_query_whatever_the_day_volume(web, tee, dallas, atlanta, django_assert_num_queries):
    stocked(dallas, tee, 10)
    stocked(atlanta, tee, 10)
    for n in range(5):
        ship_order(web, f"A-{n}")
    with django_assert_num_queries(1):
        load = ship_load_today([dallas, atlanta])
    assert load == {dallas.pk: 3, atlanta.pk: 2}
    # Spread over a few rows per location and day (orders do not queue on one row), never one row per order.
    assert LocationDayLoad.objects.filter(location=dallas).count() <= 3


def test_routing_reads_each_capped_locations_count_for_its_own_local_day(web, tee, mug, dallas, atlanta):
    """Routing reads the counter in the same statement as the locations: the figures are
    `ship_load_today`'s, each location's day taken in its own time zone (Kiritimati is 14 hours
    ahead of UTC, Dallas 5 or 6 behind), yesterday's orders not counted."""
    kiritimati = make_location(
        code="kir-dc", kind=LocationKind.WAREHOUSE, daily_order_capacity=5, timezone="Pacific/Kiritimati"
    )
    for location in (dallas, atlanta, kiritimati):
        stocked(location, tee, 10)
    order = place_order(web, [("MUG-WHT", 1)], external_id="W-1").order  # nothing in stock: counts nowhere
    now = timezone.now()
    for location, today in ((dallas, 3), (kiritimati, 1)):
        day = local(now, location.timezone).date()
        LocationDayLoad.objects.create(location=location, day=day, slot=0, ship_orders=today)
        LocationDayLoad.objects.create(location=location, day=day - timedelta(days=1), slot=1, ship_orders=9)

    candidates = candidates_and_locations(sku_codes={tee.pk: tee.code}, order=order).candidates

    left = {candidate.code: candidate.capacity_left for candidate in candidates}
    assert left == {"dal-dc": 0, "kir-dc": 4, "atl-dc": None}
    assert ship_load_today([dallas, kiritimati]) == {dallas.pk: 3, kiritimati.pk: 1}
    assert place_order(web, [("TEE-BLK-M", 1)], external_id="W-2").order.shipments.get().location != dallas


def test_an_order_backordered_because_every_holder_is_full_today_says_so(web, tee, dallas):
    stocked(dallas, tee, 10)
    for n in range(3):
        ship_order(web, f"A-{n}")

    order = place_order(web, [("TEE-BLK-M", 1)], external_id="B-1").order

    # Not "no stock": staff can see the units are there, at a location that took its last order for today.
    assert order.status == "backordered"
    assert order.routing_reason == (
        "Backordered: no eligible location has stock of TEE-BLK-M; held at dal-dc (no capacity left today)"
    )
