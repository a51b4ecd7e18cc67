"""Routing keeps the locations it built while the network is unchanged, and sees every change at once.

The static rows (locations, store profiles, cost terms) come back from the database only when the
network's version moved on; each of these tests changes one of them between two orders and checks
that the second order was routed on the change.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.rows import integer_array
from fulfillment.models import LocationCostTerms
from fulfillment.services.routing.shipping_locations import _statement, shipping_locations
from inventory.models import Location, LocationKind
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M")


@pytest.fixture
def dallas(db, tee):
    location: Any = LocationFactory(code="dal-dc", kind=LocationKind.WAREHOUSE, priority=1)
    stocked(location, tee, 20)
    return location


@pytest.fixture
def atlanta(db, tee):
    location: Any = LocationFactory(code="atl-dc", kind=LocationKind.WAREHOUSE, priority=50)
    stocked(location, tee, 20)
    return location


def shipped_from(web: Any, external_id: str) -> str:
    """The code of the location the order's one shipment left from ("" when it waits for stock)."""
    shipment = place_order(web, [("TEE-BLK-M", 1)], external_id=external_id).order.shipments.first()
    return shipment.location.code if shipment else ""


def version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM fulfillment_routing_network_version")
        return cursor.fetchone()[0]


def test_a_location_that_stops_shipping_gets_no_more_orders(web, dallas, atlanta):
    assert shipped_from(web, "A-1") == "dal-dc"

    Location.objects.filter(pk=dallas.pk).update(ships_orders=False)  # a bulk update: no save(), no signal

    assert shipped_from(web, "A-2") == "atl-dc"


def test_a_new_location_takes_orders_at_once(web, tee, atlanta):
    assert shipped_from(web, "A-1") == "atl-dc"

    dallas: Any = LocationFactory(code="dal-dc", kind=LocationKind.WAREHOUSE, priority=1)
    stocked(dallas, tee, 5)

    assert shipped_from(web, "A-2") == "dal-dc"


def test_a_cap_lowered_to_todays_load_sends_the_next_order_elsewhere(web, dallas, atlanta):
    assert shipped_from(web, "A-1") == "dal-dc"

    dallas.daily_order_capacity = 1
    dallas.save(update_fields=["daily_order_capacity"])

    assert shipped_from(web, "A-2") == "atl-dc"


def test_a_partners_fees_added_and_removed_move_the_orders(web, dallas, atlanta):
    assert shipped_from(web, "A-1") == "dal-dc"

    terms = LocationCostTerms.objects.create(location=dallas, label="Dallas 3PL terms", order_fee=Decimal("40.00"))
    assert shipped_from(web, "A-2") == "atl-dc"

    terms.delete()
    assert shipped_from(web, "A-3") == "dal-dc"


def test_a_change_rolled_back_is_forgotten_too(web, dallas, atlanta):
    with transaction.atomic():
        sid = transaction.savepoint()
        Location.objects.filter(pk=dallas.pk).update(ships_orders=False)
        assert shipped_from(web, "A-1") == "atl-dc"  # read (and kept) inside the change
        transaction.savepoint_rollback(sid)

    assert shipped_from(web, "A-2") == "dal-dc"


def test_every_write_moves_the_version_and_no_number_comes_back(dallas):
    seen = [version()]
    with transaction.atomic():
        sid = transaction.savepoint()
        dallas.save()
        seen.append(version())
        transaction.savepoint_rollback(sid)
    assert version() == seen[0]  # rolled back with the change
    dallas.save()
    seen.append(version())
    dallas.save()
    seen.append(version())

    assert len(set(seen)) == 4  # the number the rolled-back write took is never handed out again


def test_each_read_hands_out_objects_of_its_own(dallas, atlanta, web, tee):
    first = shipping_locations(channel_id=web.pk, sku_ids=[tee.pk], now=timezone.now())
    first.locations[0].name = "changed by a caller"
    first.locations[0].in_channel_pool = True  # type: ignore[attr-defined]

    second = shipping_locations(channel_id=web.pk, sku_ids=[tee.pk], now=timezone.now() + timedelta(seconds=1))

    assert [location.code for location in second.locations] == ["atl-dc", "dal-dc"]
    assert second.locations[0].name == Location.objects.get(code="atl-dc").name
    assert second.locations[0] is not first.locations[0]
    assert second.locations[0].in_channel_pool is False  # type: ignore[attr-defined]


def test_a_kept_network_is_read_in_one_statement_that_leaves_its_static_columns_out(
    dallas, atlanta, web, tee, django_assert_num_queries
):
    shipping_locations(channel_id=web.pk, sku_ids=[tee.pk], now=timezone.now())
    sql, *_ = _statement(True)
    params = [web.pk, web.pk, timezone.now(), integer_array([tee.pk])]

    with django_assert_num_queries(1):
        again = shipping_locations(channel_id=web.pk, sku_ids=[tee.pk], now=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, version()])
        kept = cursor.fetchall()
        cursor.execute(sql, [*params, None])
        read = cursor.fetchall()

    assert [location.code for location in again.locations] == ["atl-dc", "dal-dc"]
    assert {level[2] for level in again.levels} == {20}
    # at the known version a row carries the version, the id and the per-order columns, nothing else
    assert all(value is None for row in kept for value in row[2:-4])
    assert [row[2] for row in read] == [atlanta.pk, dallas.pk]  # the first location column: its id


def test_a_location_loaded_with_triggers_off_is_still_read_whole(web, tee, atlanta):
    """A restore or replica load (`session_replication_role = replica`) does not move the version;
    a location the kept copy does not know is read in full instead of failing the order."""
    assert shipped_from(web, "A-1") == "atl-dc"
    before = version()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        dallas: Any = LocationFactory(code="dal-dc", kind=LocationKind.WAREHOUSE, priority=1)
        cursor.execute("SET LOCAL session_replication_role = origin")
    stocked(dallas, tee, 5)

    assert version() == before
    assert shipped_from(web, "A-2") == "dal-dc"
