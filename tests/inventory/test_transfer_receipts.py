"""Partial transfer receipts: part now and the rest later, or close with units short, over or damaged."""

from __future__ import annotations

import pytest

from core.errors import Conflict, ValidationFailed
from inventory.models import (
    AdjustmentReason,
    DiscrepancyKind,
    MovementKind,
    StockLevel,
    StockMovement,
    TransferDiscrepancy,
    TransferStatus,
)
from inventory.services import StockLine, ledger_verify, transfer_create, transfer_receive, transfer_ship
from inventory.services.transfers import ReceiptLine, transfer_receipt_record
from tests.factories import SKUFactory, stocked

pytestmark = pytest.mark.django_db


def levels(location, sku) -> tuple[int, int, int]:
    """(on_hand, reserved, in_transit)."""
    return StockLevel.objects.filter(location=location, sku=sku).values_list("on_hand", "reserved", "in_transit")[0]


@pytest.fixture
def second_sku(db):
    return SKUFactory(code="TEE-WHT-L")


@pytest.fixture
def shipped(warehouse, store, sku, second_sku, back_office_user):
    stocked(warehouse, sku, 20)
    stocked(warehouse, second_sku, 20)
    transfer = transfer_create(
        source=warehouse,
        destination=store,
        lines=[StockLine(sku.pk, 10), StockLine(second_sku.pk, 4)],
        actor=back_office_user,
    )
    return transfer_ship(transfer=transfer, actor=back_office_user)


def test_part_now_and_the_rest_later_receives_everything_without_a_discrepancy(
    shipped, store, sku, second_sku, associate_user
):
    first = transfer_receipt_record(transfer=shipped, actor=associate_user, lines=[ReceiptLine(sku.pk, received=6)])

    assert first.status == TransferStatus.PARTIALLY_RECEIVED and first.received_at is None
    assert levels(store, sku) == (6, 0, 4)
    assert levels(store, second_sku) == (0, 0, 4)
    line = first.lines.get(sku=sku)
    assert (line.received_quantity, line.outstanding) == (6, 4)

    done = transfer_receipt_record(
        transfer=shipped,
        actor=associate_user,
        lines=[ReceiptLine(sku.pk, received=4), ReceiptLine(second_sku.pk, received=4)],
    )

    assert done.status == TransferStatus.RECEIVED and done.received_at is not None
    assert levels(store, sku) == (10, 0, 0)
    assert levels(store, second_sku) == (4, 0, 0)
    assert not TransferDiscrepancy.objects.exists()
    receipts = StockMovement.objects.filter(document_type="transfer", kind=MovementKind.TRANSFER_IN, sku=sku)
    assert sorted(receipts.values_list("on_hand_delta", flat=True)) == [4, 6]
    assert set(receipts.values_list("actor", flat=True)) == {associate_user.pk}
    assert ledger_verify() == []


def test_closing_short_takes_the_missing_units_out_of_transit_as_lost_with_the_note(
    shipped, store, sku, second_sku, associate_user
):
    transfer_receipt_record(transfer=shipped, actor=associate_user, lines=[ReceiptLine(sku.pk, received=7)])

    closed = transfer_receipt_record(
        transfer=shipped,
        actor=associate_user,
        lines=[ReceiptLine(second_sku.pk, received=4)],
        close=True,
        note="Carton 3 of 3 never arrived",
    )

    assert closed.status == TransferStatus.RECEIVED
    assert levels(store, sku) == (7, 0, 0)
    assert levels(store, second_sku) == (4, 0, 0)
    lost = StockMovement.objects.get(document_type="transfer", document_id=str(shipped.pk), reason_code="lost")
    assert (lost.kind, lost.location_id, lost.on_hand_delta, lost.in_transit_delta) == (
        MovementKind.ADJUSTMENT,
        store.pk,
        0,
        -3,
    )
    assert "3 never arrived from dal-dc, lost in transit" in lost.note
    discrepancy = TransferDiscrepancy.objects.get()
    assert (discrepancy.kind, discrepancy.quantity, discrepancy.expected, discrepancy.received) == (
        DiscrepancyKind.SHORT,
        3,
        10,
        7,
    )
    assert discrepancy.note == "Carton 3 of 3 never arrived" and discrepancy.recorded_by == associate_user
    line = closed.lines.get(sku=sku)
    assert (line.received_quantity, line.short_quantity, line.outstanding) == (7, 3, 0)
    assert ledger_verify() == []


def test_damaged_units_are_written_off_from_transit_and_over_units_are_found_at_the_destination(
    shipped, store, sku, second_sku
):
    received = transfer_receipt_record(
        transfer=shipped,
        actor=None,
        lines=[ReceiptLine(sku.pk, received=8, damaged=2), ReceiptLine(second_sku.pk, received=6)],
        note="Two crushed, two extra white tees",
    )

    assert received.status == TransferStatus.RECEIVED
    assert levels(store, sku) == (8, 0, 0)
    assert levels(store, second_sku) == (6, 0, 0)
    rows = StockMovement.objects.filter(document_type="transfer", document_id=str(shipped.pk), kind="adjustment")
    assert {(m.sku_id, m.reason_code, m.on_hand_delta, m.in_transit_delta) for m in rows} == {
        (sku.pk, AdjustmentReason.DAMAGED, 0, -2),
        (second_sku.pk, AdjustmentReason.FOUND, 2, 0),
    }
    assert set(TransferDiscrepancy.objects.values_list("kind", "quantity")) == {
        (DiscrepancyKind.DAMAGED, 2),
        (DiscrepancyKind.OVER, 2),
    }
    assert received.lines.get(sku=second_sku).over_quantity == 2
    assert ledger_verify() == []


def test_a_discrepancy_without_a_note_is_refused_and_writes_nothing(shipped, store, sku):
    before = StockMovement.objects.count()

    with pytest.raises(ValidationFailed) as excinfo:
        transfer_receipt_record(transfer=shipped, actor=None, lines=[ReceiptLine(sku.pk, received=5)], close=True)

    assert excinfo.value.field == "note" and "Say what happened" in excinfo.value.message
    assert StockMovement.objects.count() == before
    assert levels(store, sku) == (0, 0, 10)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (ReceiptLine(0, received=1), "is not on TR-"),
        (ReceiptLine(-1, received=-1), "is not on TR-"),
    ],
)
def test_a_sku_not_on_the_transfer_is_refused(shipped, line, message):
    with pytest.raises(ValidationFailed) as excinfo:
        transfer_receipt_record(transfer=shipped, actor=None, lines=[line])
    assert message in excinfo.value.message


def test_bad_quantities_are_refused(shipped, sku):
    with pytest.raises(ValidationFailed, match="whole number"):
        transfer_receipt_record(transfer=shipped, actor=None, lines=[ReceiptLine(sku.pk, received=-1)])
    with pytest.raises(ValidationFailed, match="11 damaged, but only 10 still on their way"):
        transfer_receipt_record(transfer=shipped, actor=None, lines=[ReceiptLine(sku.pk, damaged=11)], note="x")
    with pytest.raises(ValidationFailed, match="at least one line"):
        transfer_receipt_record(transfer=shipped, actor=None, lines=[ReceiptLine(sku.pk, received=0)])
    with pytest.raises(ValidationFailed, match="given twice"):
        transfer_receipt_record(transfer=shipped, actor=None, lines=[ReceiptLine(sku.pk, 1), ReceiptLine(sku.pk, 1)])


def test_receiving_everything_left_of_a_partial_receipt_without_lines(shipped, store, sku, second_sku):
    transfer_receipt_record(transfer=shipped, actor=None, lines=[ReceiptLine(sku.pk, received=3)])

    done = transfer_receive(transfer=shipped, actor=None)

    assert done.status == TransferStatus.RECEIVED
    assert levels(store, sku) == (10, 0, 0) and levels(store, second_sku) == (4, 0, 0)
    with pytest.raises(Conflict, match="received, not in transit"):
        transfer_receive(transfer=shipped, actor=None)
    assert ledger_verify() == []
