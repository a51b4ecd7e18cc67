"""An order split over several locations reserved all or nothing (`stock_reserve_at`): every line locked and
checked in one statement, reserved in a second; a short location leaves every level and the ledger as
they were; buyers locking the same levels in opposite orders neither deadlock nor oversell."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import InsufficientStock, ValidationFailed
from inventory.models import MovementKind, StockChange, StockLevel, StockMovement
from inventory.services import DocumentRef, StockLine, ledger_verify, stock_reserve_at
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.inventory.test_concurrency import exception_types, run_concurrently

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def two_sites(db):
    """Dallas holds 5 mugs and 1 cap; Columbus 2 tees and 1 cap."""
    dallas: Any = LocationFactory(code="dal-dc")
    columbus: Any = LocationFactory(code="cmh-dc")
    skus: list[Any] = [SKUFactory(code=code) for code in ("MUG-1", "TEE-1", "CAP-1")]
    mug, tee, cap = skus
    stocked(dallas, mug, 5)
    stocked(dallas, cap, 1)
    stocked(columbus, tee, 2)
    stocked(columbus, cap, 1)
    return dallas, columbus, mug, tee, cap


def available(location: Any, sku: Any) -> int:
    level = StockLevel.objects.get(location=location, sku=sku)
    return level.on_hand - level.reserved - level.safety_stock


@pytest.mark.django_db
def test_two_locations_are_reserved_in_two_statements_with_a_ledger_row_per_line(two_sites, django_assert_num_queries):
    dallas, columbus, mug, tee, cap = two_sites
    feed_before = StockChange.objects.count()
    reservations = [
        (dallas, [StockLine(mug.pk, 2), StockLine(cap.pk, 1)]),
        (columbus, [StockLine(tee.pk, 1), StockLine(tee.pk, 1)]),  # the same SKU twice: one line of 2
    ]

    with django_assert_num_queries(2):
        movements = stock_reserve_at(reservations=reservations, actor=None, document=DocumentRef("order", "41"))

    assert sorted((m.location_id, m.sku_id, m.reserved_delta) for m in movements) == sorted(
        [(dallas.pk, mug.pk, 2), (dallas.pk, cap.pk, 1), (columbus.pk, tee.pk, 2)]
    )
    assert (available(dallas, mug), available(dallas, cap), available(columbus, tee)) == (3, 0, 0)
    assert available(columbus, cap) == 1  # not asked for
    rows = StockMovement.objects.filter(kind=MovementKind.RESERVE, document_type="order", document_id="41")
    assert sorted((row.location_id, row.sku_id, row.reserved_after) for row in rows) == sorted(
        [(dallas.pk, mug.pk, 2), (dallas.pk, cap.pk, 1), (columbus.pk, tee.pk, 2)]
    )
    assert StockChange.objects.count() == feed_before + 3
    assert ledger_verify() == []


@pytest.mark.django_db
def test_a_short_location_reserves_nothing_anywhere_and_names_what_is_short(two_sites):
    dallas, columbus, mug, tee, _cap = two_sites
    ledger_before = StockMovement.objects.count()

    with pytest.raises(InsufficientStock) as refused:
        stock_reserve_at(
            reservations=[(dallas, [StockLine(mug.pk, 2)]), (columbus, [StockLine(tee.pk, 3)])],
            actor=None,
            document=DocumentRef("order", "42"),
        )

    assert "TEE-1" in str(refused.value)
    assert (available(dallas, mug), available(columbus, tee)) == (5, 2)  # Dallas's mugs were taken back too
    assert StockMovement.objects.count() == ledger_before


@pytest.mark.django_db
def test_an_inactive_location_is_refused_before_anything_is_reserved(two_sites):
    dallas, columbus, mug, tee, _cap = two_sites
    columbus.is_active = False
    columbus.save(update_fields=["is_active"])

    with pytest.raises(ValidationFailed) as refused:
        stock_reserve_at(
            reservations=[(dallas, [StockLine(mug.pk, 1)]), (columbus, [StockLine(tee.pk, 1)])],
            actor=None,
            document=DocumentRef("order", "43"),
        )

    assert "cmh-dc" in str(refused.value)
    assert available(dallas, mug) == 5


@pytest.mark.django_db(transaction=True)
def test_fifty_split_orders_in_opposite_location_orders_never_deadlock_or_oversell(two_sites):
    dallas, columbus, _mug, _tee, cap = two_sites

    def buy(index: int) -> int:
        # each buyer wants a cap from both sites; half name Columbus first
        sites = [dallas, columbus] if index % 2 else [columbus, dallas]
        stock_reserve_at(
            reservations=[(site, [StockLine(cap.pk, 1)]) for site in sites],
            actor=None,
            document=DocumentRef("order", f"split-{index}"),
        )
        return index

    results = run_concurrently(buy)

    assert set(exception_types(results)) <= {"InsufficientStock"}  # no deadlock, no other error
    assert len([r for r in results if isinstance(r, int)]) == 1  # one cap at each site: one buyer gets both
    assert (available(dallas, cap), available(columbus, cap)) == (0, 0)
    assert ledger_verify() == []
