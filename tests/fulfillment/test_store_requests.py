"""Ship-from-store: requests with an accept SLA, rejections that correct stock and re-route, SLA misses,
and daily capacity caps respected by routing."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.roles import STORE_ASSOCIATE
from fulfillment.models import CostSettings, RejectReason, RoutingExclusion, ShipmentStatus, StoreProfile
from fulfillment.selectors.stores import ship_full_today, ship_load_today, store_counts
from fulfillment.services import (
    order_hold,
    order_release,
    shipment_accept,
    store_request_reject,
    store_requests_sla_sweep,
)
from fulfillment.services.store_requests import store_request_expire
from fulfillment.store_hours import local
from inventory.models import AdjustmentReason, LocationKind, MovementKind, StockLevel, StockMovement
from orders.models import OrderEvent, OrderStatus
from tests.factories import LocationFactory, SKUFactory, stocked, user_with_role
from tests.factories.orders import place_order
from tests.factories.stores import make_store, set_store_settings

pytestmark = pytest.mark.django_db

ALWAYS_OPEN: dict[int, tuple[time, time] | None] = {day: (time(0, 0), time(23, 59)) for day in range(7)}


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M")


@pytest.fixture
def store(db):
    """Without rate cards and with equal handling every location costs the same: priority 1 makes
    routing choose the store."""
    CostSettings.objects.create(handling_store=Decimal("1.50"), handling_warehouse=Decimal("1.50"))
    return set_store_settings(make_store("nyc-store", priority=1), hours=ALWAYS_OPEN, sla_minutes=30)


@pytest.fixture
def warehouse(db):
    return LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE, priority=50)


def level(location, sku) -> StockLevel:
    return StockLevel.objects.get(location=location, sku=sku)


def ship_order(web, external_id="A-1", qty=1):
    return place_order(web, [("TEE-BLK-M", qty)], external_id=external_id).order


def test_a_store_asked_to_ship_gets_a_request_with_an_accept_deadline(web, tee, store, warehouse):
    stocked(store, tee, 5)
    stocked(warehouse, tee, 5)
    before = timezone.now()

    order = ship_order(web)

    [request] = order.shipments.all()
    assert (request.location, request.status) == (store, ShipmentStatus.REQUESTED)
    assert request.accept_by is not None
    assert before + timedelta(minutes=29) < request.accept_by <= timezone.now() + timedelta(minutes=30)
    counts = store_counts(store=store)
    assert (counts.requests, counts.overdue, counts.ship_load) == (1, 0, 1)


@pytest.mark.parametrize(
    ("reason", "ledger_reason"),
    [(RejectReason.OUT_OF_STOCK, AdjustmentReason.LOST), (RejectReason.DAMAGED, AdjustmentReason.DAMAGED)],
)
def test_out_of_stock_and_damaged_correct_the_store_stock_and_reroute(
    web, tee, store, warehouse, reason, ledger_reason
):
    stocked(store, tee, 5)
    stocked(warehouse, tee, 5)
    order = ship_order(web, qty=2)
    request = order.shipments.get()

    rejection = store_request_reject(shipment=request, reason=reason, note="shelf empty", actor=None)

    request.refresh_from_db()
    assert request.status == ShipmentStatus.REJECTED
    assert rejection.routing is not None
    assert [s.location for s in rejection.routing.shipments] == [warehouse]
    assert (level(store, tee).on_hand, level(store, tee).reserved) == (3, 0)
    assert level(warehouse, tee).reserved == 2
    correction = StockMovement.objects.get(location=store, kind=MovementKind.ADJUSTMENT)
    assert (correction.on_hand_delta, correction.reason_code) == (-2, ledger_reason)
    assert RoutingExclusion.objects.filter(order=order, location=store).exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.ROUTED


def test_no_capacity_reroutes_without_touching_the_stock(web, tee, store, warehouse):
    stocked(store, tee, 5)
    stocked(warehouse, tee, 5)
    request = ship_order(web).shipments.get()

    store_request_reject(shipment=request, reason=RejectReason.NO_CAPACITY, actor=None)

    assert (level(store, tee).on_hand, level(store, tee).reserved) == (5, 0)
    assert not StockMovement.objects.filter(location=store, kind=MovementKind.ADJUSTMENT).exists()
    assert level(warehouse, tee).reserved == 1


def test_a_stock_correction_never_takes_units_other_orders_hold(web, tee, store, warehouse):
    stocked(store, tee, 3)
    stocked(warehouse, tee, 5)
    first = ship_order(web, "A-1", qty=2).shipments.get()
    ship_order(web, "A-2", qty=1)  # also at the store: 3 of 3 reserved

    store_request_reject(shipment=first, reason=RejectReason.OUT_OF_STOCK, actor=None)

    assert (level(store, tee).on_hand, level(store, tee).reserved) == (1, 1)


def test_bad_reasons_and_finished_requests_are_refused_without_change(web, tee, store, warehouse):
    stocked(store, tee, 5)
    request = ship_order(web).shipments.get()
    with pytest.raises(ValidationFailed):
        store_request_reject(shipment=request, reason="bored", actor=None)
    store_request_reject(shipment=request, reason=RejectReason.NO_CAPACITY, actor=None)
    with pytest.raises(Conflict):
        store_request_reject(shipment=request, reason=RejectReason.NO_CAPACITY, actor=None)
    assert StockMovement.objects.filter(location=store, kind=MovementKind.RELEASE).count() == 1


def test_a_request_not_accepted_within_the_sla_is_rerouted_once(web, tee, store, warehouse):
    stocked(store, tee, 5)
    stocked(warehouse, tee, 5)
    order = ship_order(web)
    request = order.shipments.get()
    assert store_requests_sla_sweep(now=timezone.now()) == []

    assert request.accept_by is not None
    late = request.accept_by + timedelta(seconds=1)
    assert store_requests_sla_sweep(now=late) == [request.pk]
    assert store_requests_sla_sweep(now=late) == []

    request.refresh_from_db()
    assert request.status == ShipmentStatus.REJECTED
    assert "within its SLA (30 min)" in request.status_reason
    assert order.shipments.get(status=ShipmentStatus.REQUESTED).location == warehouse
    assert level(store, tee).reserved == 0 and level(warehouse, tee).reserved == 1
    assert OrderEvent.objects.filter(order=order, actor_label="SLA monitor").exists()


def test_an_accepted_request_is_left_alone_by_the_sla_sweep(web, tee, store, warehouse):
    stocked(store, tee, 5)
    request = ship_order(web).shipments.get()
    shipment_accept(shipment=request, actor=None)
    assert request.accept_by is not None
    assert store_requests_sla_sweep(now=request.accept_by + timedelta(hours=1)) == []
    request.refresh_from_db()
    assert request.status == ShipmentStatus.ACCEPTED


def test_the_daily_ship_from_store_cap_is_respected_by_routing(web, tee, store, warehouse):
    set_store_settings(store, hours=ALWAYS_OPEN, ship_capacity=2)
    stocked(store, tee, 10)
    stocked(warehouse, tee, 10)

    locations = [ship_order(web, f"A-{n}").shipments.get().location for n in range(4)]

    assert locations == [store, store, warehouse, warehouse]
    assert ship_load_today([store]) == {store.pk: 2}
    counts = store_counts(store=store)
    assert (counts.ship_load, counts.ship_capacity) == (2, 2)


def test_rejected_work_and_pickups_do_not_use_up_the_ship_cap(web, tee, store, warehouse):
    set_store_settings(store, hours=ALWAYS_OPEN, ship_capacity=1)
    stocked(store, tee, 10)
    stocked(warehouse, tee, 10)
    place_order(web, [("TEE-BLK-M", 1)], external_id="P-1", delivery_method="pickup", pickup_location=store.code)
    first = ship_order(web, "A-1").shipments.get()
    assert first.location == store
    store_request_reject(shipment=first, reason=RejectReason.DAMAGED, actor=None)

    assert ship_order(web, "A-2").shipments.get().location == store


def test_a_no_capacity_rejection_makes_the_store_full_for_the_rest_of_its_day(web, tee, store, warehouse):
    set_store_settings(store, hours=ALWAYS_OPEN, ship_capacity=5)
    stocked(store, tee, 10)
    stocked(warehouse, tee, 10)
    first = ship_order(web, "A-1").shipments.get()
    assert first.location == store

    store_request_reject(shipment=first, reason=RejectReason.NO_CAPACITY, actor=None)

    # The rejection freed a slot (1 of 5 used before, 0 now), yet the store said it is full.
    assert ship_load_today([store]) == {}
    assert [ship_order(web, f"A-{n}").shipments.get().location for n in (2, 3)] == [warehouse, warehouse]
    counts = store_counts(store=store)
    assert counts.ship_full and counts.ship_full_declared and counts.ship_load == 0
    assert ship_full_today([store]) == {store.pk}

    # Its local day is over: the store takes ship orders again.
    tomorrow = timezone.now() + timedelta(days=1)
    assert ship_full_today([store], now=tomorrow) == set()
    yesterday = local(timezone.now(), store.timezone).date() - timedelta(days=1)
    StoreProfile.objects.filter(location=store).update(ship_full_on=yesterday)
    assert ship_order(web, "A-4").shipments.get().location == store


def test_the_store_can_say_it_ships_again_today_and_routing_listens(web, tee, store, warehouse, client):
    stocked(store, tee, 10)
    stocked(warehouse, tee, 10)
    store_request_reject(shipment=ship_order(web, "A-1").shipments.get(), reason=RejectReason.NO_CAPACITY, actor=None)
    assert ship_order(web, "A-2").shipments.get().location == warehouse

    other: Any = LocationFactory(code="other-store", kind=LocationKind.STORE)
    client.force_login(user_with_role(STORE_ASSOCIATE, username="olga", locations=[other]))
    assert client.post(reverse("fulfillment:store_ship_full_clear", args=[store.code])).status_code == 404
    assert ship_full_today([store]) == {store.pk}  # another store's associate changed nothing

    client.force_login(user_with_role(STORE_ASSOCIATE, username="sam", locations=[store]))
    home = 'data-full="declared"'
    assert home in client.get(reverse("fulfillment:pickups"), {"store": store.code}).content.decode()
    response = client.post(reverse("fulfillment:store_ship_full_clear", args=[store.code]), follow=True)
    assert "takes ship-from-store orders again today" in response.content.decode()
    assert home not in response.content.decode()
    assert ship_order(web, "A-3").shipments.get().location == store


def test_a_store_without_a_cap_that_says_no_capacity_is_full_too(web, tee, store, warehouse):
    assert store.daily_order_capacity is None
    stocked(store, tee, 10)
    stocked(warehouse, tee, 10)
    store_request_reject(shipment=ship_order(web, "A-1").shipments.get(), reason=RejectReason.NO_CAPACITY, actor=None)

    assert ship_order(web, "A-2").shipments.get().location == warehouse


def test_the_sla_sweep_leaves_requests_of_orders_on_hold_and_release_restarts_the_clock(web, tee, store, warehouse):
    stocked(store, tee, 5)
    stocked(warehouse, tee, 5)
    order = ship_order(web)
    request = order.shipments.get()
    assert request.accept_by is not None
    order_hold(order=order, actor=None, reason="fraud check")
    late = request.accept_by + timedelta(hours=2)

    assert store_requests_sla_sweep(now=late) == []
    # Even when asked directly (the sweep's own re-check under the lock).
    assert store_request_expire(shipment=request, now=late) is None

    request.refresh_from_db()
    assert request.status == ShipmentStatus.REQUESTED
    assert not RoutingExclusion.objects.filter(order=order, location=store).exists()
    released_at = timezone.now()
    order_release(order=order, actor=None)
    request.refresh_from_db()
    assert request.accept_by is not None and request.accept_by >= released_at + timedelta(minutes=30)
    assert store_requests_sla_sweep(now=released_at + timedelta(minutes=29)) == []
    assert store_requests_sla_sweep(now=request.accept_by + timedelta(seconds=1)) == [request.pk]
