"""Many buyers at once on real PostgreSQL connections: no oversell, no deadlock, a true ledger.

Every worker thread opens its own database connection (Django connections are per thread),
waits at a barrier so all of them hit the same rows together, and closes its connection at
the end. Exceptions are collected per thread and their types asserted: only the business
refusals (InsufficientStock, ValidationFailed) may come back; a deadlock, serialization or
integrity error leaking out would fail the test.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.db import connection
from django.db.models import Sum

from core.errors import InsufficientStock, ValidationFailed
from inventory.models import SKU, Location, MovementKind, StockLevel, StockMovement
from inventory.services import (
    DocumentRef,
    StockLine,
    ledger_verify,
    stock_count,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_ship,
    transfer_create,
    transfer_receive,
    transfer_ship,
)
from tests.factories import LocationFactory, SKUFactory, stocked

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50
TIME_LIMIT_SECONDS = 20


def run_concurrently(worker: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    """Run worker(i) in `threads` threads released together; return each result or the exception it raised."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def target(index: int) -> None:
        try:
            connection.ensure_connection()  # connect before the barrier: contend on rows, not on connecting
            barrier.wait(timeout=TIME_LIMIT_SECONDS)
            results[index] = worker(index)
        except BaseException as exc:  # every exception is reported back to the test
            results[index] = exc
        finally:
            connection.close()

    workers = [threading.Thread(target=target, args=(i,), name=f"buyer-{i}") for i in range(threads)]
    started = time.monotonic()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=max(TIME_LIMIT_SECONDS - (time.monotonic() - started), 1))
    assert not any(thread.is_alive() for thread in workers), "worker threads hung (lock wait without end?)"
    return results


def exception_types(results: list[Any]) -> Counter:
    return Counter(type(r).__name__ for r in results if isinstance(r, BaseException))


def assert_levels_within_bounds() -> None:
    for level in StockLevel.objects.all():
        assert 0 <= level.reserved <= level.on_hand, level
        assert level.in_transit >= 0, level


def assert_recorded_levels_follow_the_deltas() -> None:
    """Each row's *_after values equal the running sum of its (location, SKU)'s deltas in id order.

    Rows of one level are inserted while its row lock is held, so id order is the order the
    changes really happened in; a wrong `*_after` means a service read an unlocked value.
    """
    running: dict[tuple[int, int], list[int]] = {}
    for row in StockMovement.objects.order_by("id"):
        totals = running.setdefault((row.location_id, row.sku_id), [0, 0, 0])
        totals[0] += row.on_hand_delta
        totals[1] += row.reserved_delta
        totals[2] += row.in_transit_delta
        assert [row.on_hand_after, row.reserved_after, row.in_transit_after] == totals, row


@pytest.fixture
def last_units():
    """10 units of one SKU: 6 at a warehouse, 4 at a store."""
    sku = cast(SKU, SKUFactory(code="HOT-1"))
    near = cast(Location, LocationFactory(code="near-dc"))
    far = cast(Location, LocationFactory(code="far-store"))
    stocked(near, sku, 6)
    stocked(far, sku, 4)
    return sku, near, far


def reserve_at_first_location_with_stock(sku, locations, quantity: int, index: int) -> str:
    """Try each location in turn, like a router falling back to the next-best location."""
    refusal: InsufficientStock | None = None
    for location in locations:
        try:
            stock_reserve(
                location=location,
                lines=[StockLine(sku.pk, quantity)],
                actor=None,
                document=DocumentRef("order", str(index)),
            )
            return location.code
        except InsufficientStock as exc:
            refusal = exc
    assert refusal is not None
    raise refusal


def test_fifty_buyers_of_one_unit_each_reserve_exactly_the_ten_units_there_are(last_units):
    sku, near, far = last_units
    started = time.monotonic()

    def buy_one(index: int) -> str:
        order = (near, far) if index % 2 == 0 else (far, near)
        return reserve_at_first_location_with_stock(sku, order, 1, index)

    results = run_concurrently(buy_one)

    assert time.monotonic() - started < TIME_LIMIT_SECONDS
    assert exception_types(results) == Counter({"InsufficientStock": THREADS - 10})
    assert Counter(r for r in results if isinstance(r, str)) == Counter({"near-dc": 6, "far-store": 4})
    assert StockLevel.objects.get(location=near, sku=sku).reserved == 6
    assert StockLevel.objects.get(location=far, sku=sku).reserved == 4
    assert StockLevel.objects.aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved")) == {
        "on_hand": 10,
        "reserved": 10,
    }
    assert StockMovement.objects.filter(kind=MovementKind.RESERVE).count() == 10
    assert_levels_within_bounds()
    assert ledger_verify() == []
    assert_recorded_levels_follow_the_deltas()


def test_fifty_buyers_of_one_to_three_units_never_oversell_and_never_refuse_a_fitting_order(last_units):
    sku, near, far = last_units
    rng = random.Random(20240611)
    # At least 11 single-unit buyers: at most 10 can succeed, so one is refused, which can
    # only happen once both locations are empty. That makes "exactly 10 reserved" certain.
    quantities = [1] * 12 + [rng.randint(1, 3) for _ in range(THREADS - 12)]
    rng.shuffle(quantities)

    def buy(index: int) -> tuple[str, int]:
        order = (near, far) if index % 2 == 0 else (far, near)
        return reserve_at_first_location_with_stock(sku, order, quantities[index], index), quantities[index]

    results = run_concurrently(buy)

    failures = [(r, quantities[i]) for i, r in enumerate(results) if isinstance(r, BaseException)]
    assert {type(exc) for exc, _ in failures} == {InsufficientStock}, exception_types(results)
    won = [r for r in results if isinstance(r, tuple)]
    reserved_by_location: Counter[str] = Counter()
    for code, quantity in won:
        reserved_by_location[code] += quantity
    assert StockLevel.objects.get(location=near, sku=sku).reserved == reserved_by_location["near-dc"]
    assert StockLevel.objects.get(location=far, sku=sku).reserved == reserved_by_location["far-store"]
    assert sum(reserved_by_location.values()) == 10
    # Stock only went down during the run, so a refused buyer's quantity never fitted anywhere later.
    smallest_refused = min(quantity for _, quantity in failures)
    for level in StockLevel.objects.all():
        assert level.available < smallest_refused
    assert_levels_within_bounds()
    assert ledger_verify() == []
    assert_recorded_levels_follow_the_deltas()


def test_mixed_stock_work_in_opposite_lock_orders_never_deadlocks_and_keeps_the_ledger_true():
    """Receipts, multi-line reserves with lines in both orders, ships, releases, counts and transfers.

    Without pk-ordered locking, reserves of [A, B] and [B, A] (and transfers that lock two
    locations) deadlock; PostgreSQL would then kill one of them with a deadlock error.
    """
    skus = [cast(SKU, SKUFactory(code=code)) for code in ("MIX-A", "MIX-B")]
    locations = [cast(Location, LocationFactory(code=code)) for code in ("mix-east", "mix-west")]
    for location in locations:
        for sku in skus:
            stocked(location, sku, 30)
    held_reservations_failed: list[str] = []

    def work(index: int) -> Counter:
        rng = random.Random(index)
        done: Counter = Counter()
        for step in range(4):
            location = locations[rng.randrange(2)]
            ordered = skus if rng.random() < 0.5 else skus[::-1]
            document = DocumentRef("order", f"{index}-{step}")
            action = rng.choice(["reserve-ship", "reserve-release", "receive", "count", "transfer"])
            try:
                if action.startswith("reserve"):
                    lines = [StockLine(sku.pk, rng.randint(1, 3)) for sku in ordered]
                    stock_reserve(location=location, lines=lines, actor=None, document=document)
                    try:
                        finish = stock_ship if action == "reserve-ship" else stock_release
                        finish(location=location, lines=lines[::-1], actor=None, document=document)
                    except Exception as exc:  # a held reservation must always ship or release
                        held_reservations_failed.append(f"{action}: {exc!r}")
                elif action == "receive":
                    stock_receive(location=location, sku=ordered[0], quantity=rng.randint(1, 4), actor=None)
                elif action == "count":
                    stock_count(location=location, sku=ordered[0], counted=rng.randint(0, 40), actor=None)
                else:
                    destination = locations[1] if location == locations[0] else locations[0]
                    lines = [StockLine(sku.pk, 1) for sku in ordered]
                    transfer = transfer_create(source=location, destination=destination, lines=lines, actor=None)
                    transfer_receive(transfer=transfer_ship(transfer=transfer, actor=None), actor=None)
                done[action] += 1
            except (InsufficientStock, ValidationFailed) as refusal:
                done[type(refusal).__name__] += 1
        return done

    started = time.monotonic()
    results = run_concurrently(work)
    elapsed = time.monotonic() - started

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == [], exception_types(results)
    assert held_reservations_failed == []
    totals: Counter[str] = sum(results, Counter())
    assert sum(totals.values()) == THREADS * 4
    assert totals["reserve-ship"] and totals["reserve-release"] and totals["transfer"] and totals["count"]
    assert elapsed < TIME_LIMIT_SECONDS
    # Every reservation was shipped or released again, and every transfer received.
    assert StockLevel.objects.aggregate(reserved=Sum("reserved"), in_transit=Sum("in_transit")) == {
        "reserved": 0,
        "in_transit": 0,
    }
    assert_levels_within_bounds()
    assert ledger_verify() == []
    assert_recorded_levels_follow_the_deltas()
