"""Store services racing each other on real PostgreSQL connections: no deadlock, the right final state.

The rule (`fulfillment.services.reroute`): the ORDER row first, then the pickup, then the
shipments. Each test makes the race deterministic: a third connection holds the order's row
lock while the two services queue up behind it in a chosen order (checked through
`pg_stat_activity`), then lets go. A service that locked its pickup or shipment before the
order would then deadlock with one that follows the rule (PostgreSQL aborts one of them with
"deadlock detected"); following the rule, the second one waits, sees what the first did and
changes nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import time as clock_time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from core.errors import Conflict
from fulfillment.models import CostSettings, Pickup, PickupStatus, Shipment, ShipmentStatus
from fulfillment.services import order_cancel, pickup_mark_ready, pickup_start, shipment_accept
from fulfillment.services.pickups import pickup_expire
from fulfillment.services.store_requests import store_request_expire
from inventory.models import LocationKind, MovementKind, StockLevel, StockMovement
from orders.models import Order, OrderStatus
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import place_order
from tests.factories.stores import make_store, place_pickup, set_store_settings

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIME_LIMIT_SECONDS = 20
ALWAYS_OPEN: dict[int, tuple[clock_time, clock_time] | None] = {
    day: (clock_time(0, 0), clock_time(23, 59)) for day in range(7)
}


class Worker(threading.Thread):
    """Runs one service call on its own database connection; keeps its result or exception."""

    def __init__(self, name: str, call: Callable[[], Any]) -> None:
        super().__init__(name=name, daemon=True)
        self.call = call
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.call()
        except BaseException as exc:  # reported back to the test
            self.error = exc
        finally:
            connection.close()


def lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def wait_for_lock_waiters(count: int) -> None:
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    while lock_waiters() < count:
        assert time.monotonic() < deadline, f"expected {count} connection(s) waiting for a row lock"
        time.sleep(0.02)


def race_behind_the_order_lock(order_id: int, first: Worker, second: Worker) -> None:
    """Hold the order row, queue `first` then `second` behind it, let go; both must finish."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            Order.objects.select_for_update().get(pk=order_id)
            held.set()
            release.wait(TIME_LIMIT_SECONDS)

    blocker = Worker("blocker", hold)
    blocker.start()
    assert held.wait(TIME_LIMIT_SECONDS)
    first.start()
    wait_for_lock_waiters(1)
    second.start()
    wait_for_lock_waiters(2)
    release.set()
    for thread in (blocker, first, second):
        thread.join(TIME_LIMIT_SECONDS)
        assert not thread.is_alive(), f"{thread.name} hung"
    assert blocker.error is None


def level(location, sku) -> StockLevel:
    return StockLevel.objects.get(location=location, sku=sku)


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M")


@pytest.fixture
def store(db):
    CostSettings.objects.create(handling_store=Decimal("1.50"), handling_warehouse=Decimal("1.50"))
    return set_store_settings(make_store("nyc-store", priority=1), hours=ALWAYS_OPEN, sla_minutes=30)


@pytest.fixture
def warehouse(db):
    return LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE, priority=50)


@pytest.mark.parametrize("first", ["cancel", "expiry"])
def test_pickup_expiry_and_a_staff_cancel_at_once_never_deadlock(web, tee, store, first):
    stocked(store, tee, 5)
    pickup = place_pickup(web, store, [("TEE-BLK-M", 2)])
    pickup_start(pickup=pickup, actor=None)
    ready = pickup_mark_ready(pickup=pickup, scanned=None, actor=None)
    assert ready.hold_until is not None
    later = ready.hold_until + timedelta(minutes=1)
    cancel = Worker("cancel", lambda: order_cancel(order=pickup.order, actor=None, reason="customer called"))
    expiry = Worker("expiry", lambda: pickup_expire(pickup=pickup, now=later))
    workers = {"cancel": cancel, "expiry": expiry}

    race_behind_the_order_lock(pickup.order_id, workers[first], workers["expiry" if first == "cancel" else "cancel"])

    assert (cancel.error, expiry.error) == (None, None)
    assert expiry.result is (first == "expiry")  # second in line, expiry finds nothing left to expire
    final = Pickup.objects.select_related("order").get(pk=pickup.pk)
    assert final.status == (PickupStatus.EXPIRED if first == "expiry" else PickupStatus.CANCELLED)
    assert final.order.status == OrderStatus.CANCELLED
    assert (level(store, tee).on_hand, level(store, tee).reserved) == (5, 0)
    releases = StockMovement.objects.filter(kind=MovementKind.RELEASE, document_id=str(pickup.order_id))
    assert releases.count() == 1  # released exactly once


def test_the_sla_sweep_and_a_staff_cancel_at_once_never_deadlock(web, tee, store, warehouse):
    stocked(store, tee, 5)
    stocked(warehouse, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="A-1").order
    request = order.shipments.get()
    assert request.location == store and request.accept_by is not None
    late = request.accept_by + timedelta(minutes=1)
    cancel = Worker("cancel", lambda: order_cancel(order=order, actor=None, reason="customer called"))
    sweep = Worker("sweep", lambda: store_request_expire(shipment=request, now=late))

    race_behind_the_order_lock(order.pk, cancel, sweep)

    assert (cancel.error, sweep.error) == (None, None)
    assert sweep.result is None  # the request was cancelled meanwhile: nothing to re-route
    assert Shipment.objects.get(pk=request.pk).status == ShipmentStatus.CANCELLED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert not Shipment.objects.filter(order=order).exclude(pk=request.pk).exists()
    assert (level(store, tee).reserved, level(warehouse, tee).reserved) == (0, 0)


@pytest.mark.parametrize("first", ["accept", "sweep"])
def test_the_sla_sweep_and_the_store_accepting_at_once_one_wins(web, tee, store, warehouse, first):
    stocked(store, tee, 5)
    stocked(warehouse, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="A-1").order
    request = order.shipments.get()
    assert request.accept_by is not None
    late = request.accept_by + timedelta(minutes=1)
    accept = Worker("accept", lambda: shipment_accept(shipment=request, actor=None))
    sweep = Worker("sweep", lambda: store_request_expire(shipment=request, now=late))
    workers = {"accept": accept, "sweep": sweep}

    race_behind_the_order_lock(order.pk, workers[first], workers["sweep" if first == "accept" else "accept"])

    assert sweep.error is None
    final = Shipment.objects.get(pk=request.pk)
    if first == "accept":
        assert accept.error is None and sweep.result is None
        assert final.status == ShipmentStatus.ACCEPTED
        assert (level(store, tee).reserved, level(warehouse, tee).reserved) == (1, 0)
    else:
        assert isinstance(accept.error, Conflict)  # a clear refusal, not a deadlock
        assert final.status == ShipmentStatus.REJECTED
        assert (level(store, tee).reserved, level(warehouse, tee).reserved) == (0, 1)
