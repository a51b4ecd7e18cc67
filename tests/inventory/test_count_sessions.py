"""Cycle count sessions: many SKUs counted at one location, variances approved into the ledger."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import cast

import pytest
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from inventory.count_selectors import (
    count_lines,
    count_review,
    skus_by_codes,
    skus_in_bins,
    skus_moved_at,
    skus_stocked_at,
)
from inventory.models import (
    SKU,
    CountLine,
    CountLineStatus,
    CountSession,
    CountSessionStatus,
    MovementKind,
    StockLevel,
    StockMovement,
)
from inventory.services import DocumentRef, StockLine, ledger_verify, stock_receive, stock_reserve
from inventory.services.catalog_variants import bin_set
from inventory.services.count_sessions import (
    count_line_record,
    count_line_recount,
    count_lines_approve,
    count_lines_reject,
    count_session_cancel,
    count_session_create,
    count_session_submit,
)
from tests.factories import SKUFactory, stocked

pytestmark = pytest.mark.django_db


def on_hand(location, sku) -> int:
    return StockLevel.objects.get(location=location, sku=sku).on_hand


@pytest.fixture
def skus(db) -> list[SKU]:
    return [
        cast(SKU, SKUFactory(code="CUP-RED", price=Decimal("12.50"), barcode="00000000000017")),
        cast(SKU, SKUFactory(code="CUP-BLUE", price=Decimal("4.00"))),
        cast(SKU, SKUFactory(code="CUP-GREEN", price=Decimal("80.00"))),
    ]


@pytest.fixture
def session(warehouse, skus, back_office_user) -> CountSession:
    stocked(warehouse, skus[0], 10)
    stocked(warehouse, skus[1], 6)
    stocked(warehouse, skus[2], 3)
    return count_session_create(
        location=warehouse, sku_ids=[s.pk for s in skus], actor=back_office_user, scope="3 SKUs from a list"
    )


def line_of(session: CountSession, sku: SKU) -> CountLine:
    return CountLine.objects.select_related("session").get(session=session, sku=sku)


def count(session: CountSession, sku: SKU, counted: int, actor=None) -> CountLine:
    return count_line_record(line=line_of(session, sku), counted=counted, actor=actor)


def test_counting_stores_the_on_hand_of_that_moment_and_changes_no_stock(session, warehouse, skus, associate_user):
    line = count(session, skus[0], 8, associate_user)

    assert (line.status, line.counted, line.expected, line.variance) == (CountLineStatus.COUNTED, 8, 10, -2)
    assert line.variance_value == Decimal("-25.00")
    assert line.counted_by == associate_user and line.counted_at is not None
    assert on_hand(warehouse, skus[0]) == 10
    assert not StockMovement.objects.filter(document_type="count").exists()


def test_approving_all_posts_each_variance_to_the_ledger_under_the_session(session, warehouse, skus, back_office_user):
    count(session, skus[0], 8)
    count(session, skus[1], 6)
    count(session, skus[2], 4)
    count_session_submit(session=session, actor=None)

    approved = count_lines_approve(session=session, actor=back_office_user)

    assert len(approved) == 3
    assert [on_hand(warehouse, s) for s in skus] == [8, 6, 4]
    rows = StockMovement.objects.filter(document_type="count", document_id=session.number)
    assert sorted((m.sku.code, m.on_hand_delta) for m in rows) == [("CUP-GREEN", 1), ("CUP-RED", -2)]
    assert all(m.kind == MovementKind.COUNT and m.actor == back_office_user for m in rows)
    assert "counted 8, system had 10 (variance -2)" in rows.get(sku=skus[0]).note
    session.refresh_from_db()
    assert session.status == CountSessionStatus.CLOSED and session.closed_at is not None
    assert line_of(session, skus[1]).movement is None  # no variance, no ledger row
    assert ledger_verify() == []


def test_stock_that_moves_after_the_count_is_kept(session, warehouse, skus):
    count(session, skus[0], 8)  # system had 10: two missing
    count(session, skus[1], 6)
    count(session, skus[2], 3)
    stock_receive(location=warehouse, sku=skus[0], quantity=5, actor=None)  # a delivery after the count
    count_session_submit(session=session, actor=None)
    lines = count_lines(session=session)
    rows, totals = count_review(session=session, lines=lines)
    red = next(row for row in rows if row.line.sku_id == skus[0].pk)
    assert red.moved_since and red.on_hand_now == 15
    assert (totals.units_net, totals.value_net) == (-2, Decimal("-25.00"))

    count_lines_approve(session=session, actor=None)

    assert on_hand(warehouse, skus[0]) == 13  # 15 - the 2 found missing, not the 8 counted
    assert ledger_verify() == []


def test_a_large_variance_needs_a_reason_line_by_line(session, warehouse, skus):
    count(session, skus[0], 10)
    count(session, skus[1], 6)
    green = count(session, skus[2], 1)  # -2 units x 80.00 = 160.00, above the 100.00 value threshold
    count_session_submit(session=session, actor=None)

    with pytest.raises(ValidationFailed, match="Choose a reason for the large variance of CUP-GREEN"):
        count_lines_approve(session=session, actor=None, line_ids=[green.pk])
    assert on_hand(warehouse, skus[2]) == 3

    count_lines_approve(session=session, actor=None, line_ids=[green.pk], reasons={green.pk: "theft"})

    assert on_hand(warehouse, skus[2]) == 1
    row = StockMovement.objects.get(document_type="count", sku=skus[2])
    assert "; theft." in row.note
    assert line_of(session, skus[2]).reason_code == "theft"
    session.refresh_from_db()
    assert session.status == CountSessionStatus.SUBMITTED  # two lines still to decide


def test_rejecting_keeps_the_system_figure_and_closes_when_all_are_decided(session, warehouse, skus):
    for sku, counted in zip(skus, [9, 6, 3], strict=True):
        count(session, sku, counted)
    count_session_submit(session=session, actor=None)
    red = line_of(session, skus[0])

    with pytest.raises(ValidationFailed, match="Say why"):
        count_lines_reject(session=session, actor=None, line_ids=[red.pk])
    count_lines_reject(session=session, actor=None, line_ids=[red.pk], note="Miscount: second shelf missed")
    count_lines_approve(session=session, actor=None)

    assert on_hand(warehouse, skus[0]) == 10
    assert line_of(session, skus[0]).status == CountLineStatus.REJECTED
    session.refresh_from_db()
    assert session.status == CountSessionStatus.CLOSED


def test_submit_names_the_skus_not_counted_yet(session, skus):
    count(session, skus[0], 8)

    with pytest.raises(ValidationFailed) as excinfo:
        count_session_submit(session=session, actor=None)

    assert "2 SKUs not counted yet: CUP-BLUE, CUP-GREEN" in excinfo.value.message


def test_a_recount_sends_the_session_back_to_counting(session, skus):
    for sku in skus:
        count(session, sku, 1)
    count_session_submit(session=session, actor=None)

    line = count_line_recount(line=line_of(session, skus[0]), actor=None)

    assert line.status == CountLineStatus.PENDING and line.counted is None
    session.refresh_from_db()
    assert session.status == CountSessionStatus.COUNTING
    again = count(session, skus[0], 10)
    assert again.variance == 0


def test_a_count_below_units_reserved_for_orders_is_refused_on_approval(session, warehouse, skus):
    stock_reserve(location=warehouse, lines=[StockLine(skus[1].pk, 5)], actor=None, document=DocumentRef("order", "9"))
    count(session, skus[0], 10)
    count(session, skus[1], 2)
    count(session, skus[2], 3)
    count_session_submit(session=session, actor=None)

    with pytest.raises(ValidationFailed, match="CUP-BLUE at dal-dc: on hand would be 2, but 5 are reserved"):
        count_lines_approve(session=session, actor=None)

    assert on_hand(warehouse, skus[1]) == 6
    assert not CountLine.objects.filter(status=CountLineStatus.APPROVED).exists()


def test_counting_is_closed_once_submitted_and_a_cancelled_session_changes_nothing(session, warehouse, skus):
    for sku in skus:
        count(session, sku, 0)
    count_session_submit(session=session, actor=None)
    with pytest.raises(Conflict, match="waiting for approval"):
        count(session, skus[0], 5)

    count_session_cancel(session=session, actor=None)

    session.refresh_from_db()
    assert session.status == CountSessionStatus.CANCELLED
    assert [on_hand(warehouse, s) for s in skus] == [10, 6, 3]
    with pytest.raises(Conflict):
        count_lines_approve(session=session, actor=None)


def test_a_session_needs_skus_and_an_active_location(warehouse, skus):
    with pytest.raises(ValidationFailed, match="at least one SKU"):
        count_session_create(location=warehouse, sku_ids=[], actor=None, scope="none")
    warehouse.is_active = False
    with pytest.raises(ValidationFailed, match="inactive"):
        count_session_create(location=warehouse, sku_ids=[skus[0].pk], actor=None, scope="x")


def test_choosing_skus_by_code_or_barcode_by_movement_and_by_stock(warehouse, store, skus):
    chosen = skus_by_codes("CUP-BLUE, 00000000000017\nNOPE CUP-BLUE")
    assert chosen.sku_ids == [skus[1].pk, skus[0].pk] and chosen.unknown == ["NOPE"]

    stocked(warehouse, skus[0], 1)
    stocked(store, skus[2], 1)
    assert skus_moved_at(warehouse, timezone.now().date()).sku_ids == [skus[0].pk]
    assert skus_moved_at(warehouse, timezone.now().date() + timedelta(days=1)).sku_ids == []
    assert skus_stocked_at(store).sku_ids == [skus[2].pk]


def test_bins_choose_the_skus_and_order_the_counters_walk(session, warehouse, store, skus):
    bin_set(location=warehouse, sku=skus[2], path="A-2-1")
    bin_set(location=warehouse, sku=skus[0], path="A-10-1")
    bin_set(location=warehouse, sku=skus[1], path="B-1-1")
    bin_set(location=store, sku=skus[1], path="A-1-1")  # another location's bin does not count here

    assert skus_in_bins(warehouse, "a-").sku_ids == [skus[2].pk, skus[0].pk]
    assert [line.sku.code for line in count_lines(session=session)] == ["CUP-GREEN", "CUP-RED", "CUP-BLUE"]
    assert [getattr(line, "bin_path", None) for line in count_lines(session=session)] == ["A-2-1", "A-10-1", "B-1-1"]
