"""An order's several SKUs reserved at one location in two statements (lock and check, then reserve with
the ledger and feed): all or nothing, no oversell among many buyers on real PostgreSQL connections."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Sum

from core.errors import InsufficientStock
from inventory.models import MovementKind, StockChange, StockLevel, StockMovement
from inventory.services import DocumentRef, StockLine, ledger_verify, stock_reserve
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.inventory.test_concurrency import exception_types, run_concurrently

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def shelf(db):
    location: Any = LocationFactory(code="dal-dc")
    skus: list[Any] = [SKUFactory(code=code) for code in ("TEE-S", "TEE-M", "TEE-L")]
    for sku, units in zip(skus, (5, 3, 1), strict=True):
        stocked(location, sku, units)
    return location, skus


def available(location: Any, sku: Any) -> int:
    level = StockLevel.objects.get(location=location, sku=sku)
    return level.on_hand - level.reserved - level.safety_stock


@pytest.mark.django_db
def test_three_skus_are_reserved_with_two_statements_and_a_ledger_row_each(shelf, django_assert_num_queries):
    location, (small, medium, large) = shelf
    feed_before = StockChange.objects.count()
    lines = [StockLine(small.pk, 2), StockLine(medium.pk, 1), StockLine(large.pk, 1), StockLine(small.pk, 1)]

    with django_assert_num_queries(2):
        movements = stock_reserve(location=location, lines=lines, actor=None, document=DocumentRef("order", "7"))

    assert sorted((m.sku_id, m.reserved_delta) for m in movements) == sorted(
        [(small.pk, 3), (medium.pk, 1), (large.pk, 1)]
    )
    assert [available(location, sku) for sku in (small, medium, large)] == [2, 2, 0]
    rows = StockMovement.objects.filter(kind=MovementKind.RESERVE, document_type="order", document_id="7")
    assert rows.count() == 3 and rows.aggregate(n=Sum("reserved_delta"))["n"] == 5
    assert {(m.sku_id, m.reserved_after) for m in rows} == {(small.pk, 3), (medium.pk, 1), (large.pk, 1)}
    assert StockChange.objects.count() == feed_before + 3
    assert ledger_verify() == []


@pytest.mark.django_db
def test_one_short_line_reserves_nothing_and_names_the_short_sku(shelf):
    location, (small, medium, large) = shelf
    ledger_before = StockMovement.objects.count()

    with pytest.raises(InsufficientStock) as refused:
        stock_reserve(
            location=location,
            lines=[StockLine(small.pk, 1), StockLine(large.pk, 2)],
            actor=None,
            document=DocumentRef("order", "8"),
        )

    assert "TEE-L" in str(refused.value)
    assert [available(location, sku) for sku in (small, medium, large)] == [5, 3, 1]
    assert StockMovement.objects.count() == ledger_before


@pytest.mark.django_db(transaction=True)
def test_fifty_buyers_of_two_skus_never_oversell_the_scarce_one(shelf):
    location, (small, medium, large) = shelf

    def buy(index: int) -> int:
        lines = [StockLine(small.pk, 1), StockLine(medium.pk if index % 2 else large.pk, 1)]
        stock_reserve(location=location, lines=lines, actor=None, document=DocumentRef("order", f"b{index}"))
        return index

    results = run_concurrently(buy)

    assert set(exception_types(results)) <= {"InsufficientStock"}
    bought = [r for r in results if isinstance(r, int)]
    # 5 small units; medium (3) and large (1) limit the odd and even buyers: 3 + 1 orders fit.
    assert len(bought) == 4
    assert [available(location, sku) for sku in (small, medium, large)] == [1, 0, 0]
    assert ledger_verify() == []
