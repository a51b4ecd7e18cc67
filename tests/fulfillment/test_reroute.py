"""Re-routing, service level: rejections, staff re-route, hold and release, backorders retried on receipt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from fulfillment import tasks
from fulfillment.models import RoutingDecision, RoutingExclusion, ShipmentStatus
from fulfillment.services import (
    backorders_retry,
    order_hold,
    order_release,
    order_reroute,
    picklist_create,
    shipment_accept,
    shipment_label,
    shipment_pack,
    shipment_reject,
)
from inventory.models import LocationKind, StockLevel
from inventory.services import StockLine, stock_receive, transfer_create, transfer_receive, transfer_ship
from orders.models import OrderStatus
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db

TEE_BARCODE = "4006381333931"


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode=TEE_BARCODE)


def warehouse_at(code: str, *, priority: int = 100, **extra):
    """Without rate cards every warehouse costs the same, so `priority` decides where an order goes."""
    return LocationFactory(code=code, name=code.upper(), kind=LocationKind.WAREHOUSE, priority=priority, **extra)


@pytest.fixture
def first_choice(db):
    return warehouse_at("dal-dc", priority=10, daily_order_capacity=1)


@pytest.fixture
def second_choice(db):
    return warehouse_at("atl-dc", priority=50)


def reserved(location, sku) -> int:
    return StockLevel.objects.get(location=location, sku=sku).reserved


def status_of(obj) -> str:
    obj.refresh_from_db()
    return obj.status


# --- Rejection ------------------------------------------------------------------------------


def test_a_rejected_shipment_is_rerouted_to_another_location_with_stock(web, tee, first_choice, second_choice):
    stocked(first_choice, tee, 5)
    stocked(second_choice, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 2)]).order
    shipment = order.shipments.get()
    assert shipment.location == first_choice

    result = shipment_reject(shipment=shipment, reason="two units damaged on the shelf", actor=None)

    assert status_of(shipment) == ShipmentStatus.REJECTED
    assert result.routing is not None
    [moved] = result.routing.shipments
    assert (moved.location, moved.status) == (second_choice, ShipmentStatus.REQUESTED)
    assert (reserved(first_choice, tee), reserved(second_choice, tee)) == (0, 2)
    assert status_of(order) == OrderStatus.ROUTED
    assert order.lines.get().quantity_allocated == 2
    assert RoutingDecision.objects.filter(order=order, trigger="rejected at dal-dc").exists()
    assert RoutingExclusion.objects.filter(order=order, location=first_choice, shipment=shipment).exists()


def test_a_rejected_shipment_with_stock_nowhere_else_is_backordered(web, tee, first_choice):
    stocked(first_choice, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 2)]).order

    result = shipment_reject(shipment=order.shipments.get(), reason="no staff today", actor=None)

    assert result.routing is not None and result.routing.shipments == []
    assert result.routing.backordered_units == 2
    assert status_of(order) == OrderStatus.BACKORDERED
    assert order.lines.get().quantity_backordered == 2
    assert reserved(first_choice, tee) == 0


def test_a_location_that_rejected_an_order_is_not_asked_again_even_with_stock_and_capacity(web, tee, second_choice):
    unlimited = warehouse_at("dal-dc", priority=10)
    stocked(unlimited, tee, 5)
    stocked(second_choice, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)]).order

    result = shipment_reject(shipment=order.shipments.get(), reason="cannot find it", actor=None)

    assert result.routing is not None
    assert [s.location for s in result.routing.shipments] == [second_choice]


def test_only_work_not_yet_packed_can_be_rejected_and_a_reason_is_required(web, tee, first_choice):
    stocked(first_choice, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)]).order
    shipment = order.shipments.get()

    with pytest.raises(ValidationFailed):
        shipment_reject(shipment=shipment, reason="  ", actor=None)
    shipment_accept(shipment=shipment, actor=None)
    shipment_pack(shipment=shipment, scanned=[TEE_BARCODE], weight_grams=300, actor=None)
    with pytest.raises(Conflict):
        shipment_reject(shipment=shipment, reason="too late", actor=None)
    assert status_of(shipment) == ShipmentStatus.PACKED
    assert reserved(first_choice, tee) == 1


# --- Staff re-route ---------------------------------------------------------------------------


def test_staff_reroute_takes_back_unstarted_shipments_and_routes_them_again(web, tee, first_choice, second_choice):
    stocked(first_choice, tee, 5)
    stocked(second_choice, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 2)]).order
    old = order.shipments.get()
    shipment_accept(shipment=old, actor=None)
    first_choice.priority = 90  # the merchant now prefers Atlanta
    first_choice.save(update_fields=["priority"])
    second_choice.priority = 5
    second_choice.save(update_fields=["priority"])

    outcome = order_reroute(order=order, actor=None, reason="Dallas is closing early")

    assert status_of(old) == ShipmentStatus.CANCELLED
    assert outcome is not None and [s.location for s in outcome.shipments] == [second_choice]
    assert (reserved(first_choice, tee), reserved(second_choice, tee)) == (0, 2)
    assert status_of(order) == OrderStatus.ROUTED
    assert order.events.filter(message__contains="Dallas is closing early").exists()


def test_staff_reroute_leaves_shipments_being_picked_alone(web, tee, first_choice, second_choice):
    stocked(first_choice, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)]).order
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    picklist_create(location=first_choice, shipments=[shipment], actor=None)

    assert order_reroute(order=order, actor=None, reason="check") is None

    assert status_of(shipment) == ShipmentStatus.PICKING
    assert order.shipments.count() == 1
    assert status_of(order) == OrderStatus.IN_FULFILLMENT


def test_staff_reroute_routes_a_backorder_once_stock_exists(web, tee, first_choice):
    order = place_order(web, [("TEE-BLK-M", 1)]).order
    assert order.status == OrderStatus.BACKORDERED
    stocked(first_choice, tee, 1)  # its after-commit retry never runs inside a test transaction

    outcome = order_reroute(order=order, actor=None, reason="stock counted in")

    assert outcome is not None and len(outcome.shipments) == 1
    assert status_of(order) == OrderStatus.ROUTED


# --- Hold and release -------------------------------------------------------------------------


def test_hold_keeps_the_reservation_and_stops_the_work_until_release(web, tee, first_choice):
    stocked(first_choice, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)]).order
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)

    order_hold(order=order, actor=None, reason="address check")
    order_hold(order=order, actor=None, reason="twice")  # changes nothing

    assert status_of(order) == OrderStatus.ON_HOLD
    assert reserved(first_choice, tee) == 1
    with pytest.raises(Conflict, match="on hold"):
        shipment_pack(shipment=shipment, scanned=[TEE_BARCODE], weight_grams=300, actor=None)
    with pytest.raises(Conflict, match="on hold"):
        order_reroute(order=order, actor=None, reason="")

    released = order_release(order=order, actor=None)

    assert released.status == OrderStatus.IN_FULFILLMENT
    shipment_pack(shipment=shipment, scanned=[TEE_BARCODE], weight_grams=300, actor=None)
    assert status_of(shipment) == ShipmentStatus.PACKED


def test_a_packed_shipment_of_a_held_order_gets_no_label(web, tee, first_choice):
    stocked(first_choice, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)]).order
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    shipment_pack(shipment=shipment, scanned=[TEE_BARCODE], weight_grams=300, actor=None)
    order_hold(order=order, actor=None, reason="fraud review")

    with pytest.raises(Conflict, match="on hold"):
        shipment_label(shipment=shipment, actor=None)

    assert status_of(shipment) == ShipmentStatus.PACKED
    assert reserved(first_choice, tee) == 1


def test_release_routes_what_waited_while_on_hold(web, tee, first_choice):
    order = place_order(web, [("TEE-BLK-M", 1)]).order
    order_hold(order=order, actor=None, reason="waiting for payment")
    stocked(first_choice, tee, 3)
    assert backorders_retry(sku_ids=[tee.pk]) == []  # a held order is not routed
    assert status_of(order) == OrderStatus.ON_HOLD

    released = order_release(order=order, actor=None, reason="paid")

    assert released.status == OrderStatus.ROUTED
    assert reserved(first_choice, tee) == 1
    assert order_release(order=order, actor=None).status == OrderStatus.ROUTED  # not on hold: nothing happens


# --- Backorders retried on receipt ------------------------------------------------------------


def test_a_receipt_routes_the_oldest_backorder_first_after_commit(
    web, tee, first_choice, django_capture_on_commit_callbacks
):
    now = timezone.now()
    newer = place_order(web, [("TEE-BLK-M", 1)], external_id="NEW", placed_at=now).order
    older = place_order(web, [("TEE-BLK-M", 1)], external_id="OLD", placed_at=now - timedelta(days=2)).order
    assert (newer.status, older.status) == (OrderStatus.BACKORDERED, OrderStatus.BACKORDERED)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stock_receive(location=first_choice, sku=tee, quantity=1, actor=None)
        # Still inside the transaction: nothing has been routed yet.
        assert (status_of(older), status_of(newer)) == (OrderStatus.BACKORDERED, OrderStatus.BACKORDERED)

    # One retry queued for the receipt; the others announce stock changes to the change feed's readers.
    assert len([c for c in callbacks if getattr(c, "func", c).__module__ != "inventory.services.feed"]) == 1
    assert (status_of(older), status_of(newer)) == (OrderStatus.ROUTED, OrderStatus.BACKORDERED)
    assert older.shipments.get().location == first_choice
    assert reserved(first_choice, tee) == 1
    assert not RoutingDecision.objects.filter(order=newer, trigger="stock receipt").exists()  # no noise
    assert tasks.backorders_retry_task.delay(sku_ids=[tee.pk]).get() == []  # running it again changes nothing
    assert older.shipments.count() == 1


def test_the_retry_task_is_queued_only_when_the_receipt_commits(
    web, tee, first_choice, django_capture_on_commit_callbacks, monkeypatch
):
    place_order(web, [("TEE-BLK-M", 1)])
    queued: list[dict] = []
    monkeypatch.setattr(tasks.backorders_retry_task, "delay", lambda **kwargs: queued.append(kwargs))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stock_receive(location=first_choice, sku=tee, quantity=4, actor=None)
    assert queued == []  # the receipt has not committed

    for callback in callbacks:
        callback()
    assert queued == [{"sku_ids": [tee.pk]}]


def test_a_receipt_nobody_waits_for_queues_nothing(tee, first_choice, django_capture_on_commit_callbacks, monkeypatch):
    queued: list[dict] = []
    monkeypatch.setattr(tasks.backorders_retry_task, "delay", lambda **kwargs: queued.append(kwargs))

    with django_capture_on_commit_callbacks(execute=True):
        stock_receive(location=first_choice, sku=tee, quantity=4, actor=None)

    assert queued == []


def test_a_transfer_received_routes_the_backorders_it_fills(web, tee, first_choice, django_capture_on_commit_callbacks):
    back_room = warehouse_at("returns-center", ships_orders=False)
    stocked(back_room, tee, 2)
    order = place_order(web, [("TEE-BLK-M", 2)]).order
    assert order.status == OrderStatus.BACKORDERED
    transfer = transfer_create(source=back_room, destination=first_choice, lines=[StockLine(tee.pk, 2)], actor=None)
    transfer_ship(transfer=transfer, actor=None)

    with django_capture_on_commit_callbacks(execute=True):
        transfer_receive(transfer=transfer, actor=None)

    assert status_of(order) == OrderStatus.ROUTED
    assert order.shipments.get().location == first_choice
    assert reserved(first_choice, tee) == 2


def test_a_short_receipt_fills_what_it_can_and_the_rest_waits(web, tee, first_choice):
    order = place_order(web, [("TEE-BLK-M", 3)]).order
    stocked(first_choice, tee, 2)

    assert backorders_retry(sku_ids=[tee.pk]) == [order.pk]

    line = order.lines.get()
    assert (line.quantity_allocated, line.quantity_backordered) == (2, 1)
    assert status_of(order) == OrderStatus.ROUTED
    assert backorders_retry(sku_ids=[tee.pk]) == []  # nothing left in stock: nothing more happens
    assert order.shipments.count() == 1
