"""Inbound inspections: opened by receipts, the sample held out of stock, failed units quarantined
through the ledger, and every disposition back out of quarantine through the ledger."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import Conflict, InsufficientStock, ValidationFailed
from inventory.models import LocationKind, MovementKind, StockLevel, StockMovement
from inventory.services import (
    DocumentRef,
    StockLine,
    ledger_verify,
    stock_receive,
    stock_reserve,
    transfer_create,
    transfer_ship,
)
from inventory.services.counts import stock_set_on_hand
from inventory.services.transfers import transfer_receive
from quality.models import (
    DispositionAction,
    Inspection,
    InspectionStatus,
    PhotoReason,
    PhotoRequest,
    QuarantineLot,
    SampleMode,
)
from quality.services import (
    UnitResult,
    inspection_record,
    inspections_open_for_receipt,
    quarantine_dispose,
    quarantine_lot_create,
)
from tests.factories import stocked
from tests.factories.pages import make_location, make_sku
from tests.quality.conftest import atp, level, make_rule, png

PASS = UnitResult(passed=True)


def fail(*checks: int, note: str = "") -> UnitResult:
    return UnitResult(passed=False, failed_checks=checks, note=note)


@pytest.fixture
def tee(db: Any) -> Any:
    return make_sku(code="TEE-BLK-M", name="Black tee, M")


def test_a_receipt_a_rule_covers_opens_an_inspection_and_holds_the_sample_out_of_atp(
    warehouse, tee, receive, ledger_clean
) -> None:
    make_rule(sample_mode=SampleMode.UNITS, sample_size=5)
    receive(warehouse, tee, 40, document=DocumentRef("po", "PO-77"))

    inspection = Inspection.objects.get()
    assert (inspection.location, inspection.sku, inspection.trigger) == (warehouse, tee, "inbound")
    assert (inspection.received_quantity, inspection.sample_quantity, inspection.held_quantity) == (40, 5, 5)
    assert (inspection.document_type, inspection.document_id) == ("po", "PO-77")
    assert inspection.checklist == ["Packaging intact", "Item matches the listing", "No damage"]
    held = level(warehouse, tee)
    assert (held.on_hand, held.quarantined, atp(warehouse, tee)) == (35, 5, 35)
    hold = StockMovement.objects.get(kind=MovementKind.QUARANTINE)
    assert (hold.on_hand_delta, hold.quarantined_delta, hold.document_type, hold.document_id) == (
        -5,
        5,
        "qc",
        str(inspection.pk),
    )
    with pytest.raises(InsufficientStock):
        stock_reserve(location=warehouse, lines=[StockLine(tee.pk, 36)], actor=None, document=DocumentRef("order", "1"))
    ledger_clean()


def test_no_rule_no_inspection_and_rules_only_cover_their_sku_and_locations(warehouse, store, tee, receive) -> None:
    mug = make_sku(code="MUG-WHT")
    make_rule(sku=mug, locations=[store])
    receive(warehouse, mug, 3)
    receive(store, tee, 3)
    assert not Inspection.objects.exists()
    receive(store, mug, 3)
    assert Inspection.objects.get().location == store
    assert level(store, mug).quarantined == 3


def test_returns_supplier_feeds_and_released_units_are_not_inspected(
    warehouse, tee, receive, django_capture_on_commit_callbacks
) -> None:
    make_rule()
    receive(warehouse, tee, 2, kind=MovementKind.RETURN_RESTOCK)
    supplier = make_location(code="acme-supply", kind=LocationKind.DROPSHIP_SUPPLIER)
    with django_capture_on_commit_callbacks(execute=True):
        stock_set_on_hand(
            location=supplier, counts=[StockLine(tee.pk, 50)], actor=None, document=DocumentRef("feed", "1")
        )
    assert not Inspection.objects.exists()


def test_a_transfer_received_is_inspected_and_remembers_where_the_goods_came_from(
    warehouse, store, tee, django_capture_on_commit_callbacks
) -> None:
    stocked(warehouse, tee, 10)
    make_rule(locations=[store], sample_mode=SampleMode.PERCENT, sample_size=50)
    transfer = transfer_create(source=warehouse, destination=store, lines=[StockLine(tee.pk, 4)], actor=None)
    transfer_ship(transfer=transfer, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        transfer_receive(transfer=transfer, actor=None)
    inspection = Inspection.objects.get()
    assert (inspection.location, inspection.origin, inspection.sample_quantity) == (store, warehouse, 2)
    assert (inspection.document_type, inspection.document_id) == ("transfer", str(transfer.pk))
    assert (level(store, tee).on_hand, level(store, tee).quarantined) == (2, 2)


def test_failed_units_go_to_quarantine_through_the_ledger_and_the_rest_back_to_stock(
    warehouse, tee, receive, ledger_clean, operator_user
) -> None:
    make_rule(sample_mode=SampleMode.UNITS, sample_size=5)
    receive(warehouse, tee, 20)
    inspection = Inspection.objects.get()

    recorded = inspection_record(
        inspection=inspection,
        results=[PASS, fail(2), PASS, fail(0, 2, note="crushed box"), PASS],
        actor=operator_user,
        note="Two damaged in transit",
        photos=[png((10, 10, 10)), png((10, 10, 10), name="same.png"), png((90, 20, 20))],
    )

    assert (recorded.status, recorded.passed_units, recorded.failed_units) == (InspectionStatus.FAILED, 3, 2)
    assert recorded.inspected_by == operator_user and recorded.held_quantity == 0
    assert [u.passed for u in recorded.units.order_by("number")] == [True, False, True, False, True]
    assert recorded.units.get(number=4).failed_checks == [0, 2]
    assert recorded.photos.count() == 2  # the same file twice is kept once
    lot = QuarantineLot.objects.get()
    assert (lot.quantity, lot.quantity_open, lot.location, lot.sku) == (2, 2, warehouse, tee)
    assert "No damage" in lot.reason
    now = level(warehouse, tee)
    assert (now.on_hand, now.quarantined, atp(warehouse, tee)) == (18, 2, 18)
    release = StockMovement.objects.get(kind=MovementKind.QUARANTINE_RELEASE)
    assert (release.on_hand_delta, release.quarantined_delta, release.actor) == (3, -3, operator_user)
    ledger_clean()

    with pytest.raises(Conflict, match="already recorded"):
        inspection_record(inspection=inspection, results=[PASS] * 5, actor=operator_user)
    assert level(warehouse, tee).quarantined == 2


def test_each_disposition_leaves_quarantine_through_the_ledger(warehouse, tee, receive, ledger_clean) -> None:
    make_rule(sample_mode=SampleMode.UNITS, sample_size=6)
    receive(warehouse, tee, 10)
    inspection_record(inspection=Inspection.objects.get(), results=[fail(0)] * 6, actor=None)
    lot = QuarantineLot.objects.get()
    assert (level(warehouse, tee).on_hand, level(warehouse, tee).quarantined) == (4, 6)

    quarantine_dispose(lot=lot, action=DispositionAction.RELEASE, quantity=1, actor=None, note="re-boxed, fine")
    assert (level(warehouse, tee).on_hand, level(warehouse, tee).quarantined, atp(warehouse, tee)) == (5, 5, 5)
    quarantine_dispose(lot=lot, action=DispositionAction.SCRAP, quantity=2, actor=None)
    assert (level(warehouse, tee).on_hand, level(warehouse, tee).quarantined) == (5, 3)
    with pytest.raises(ValidationFailed, match="vendor"):
        quarantine_dispose(lot=lot, action=DispositionAction.RETURN_TO_VENDOR, quantity=3, actor=None)
    quarantine_dispose(
        lot=lot, action=DispositionAction.RETURN_TO_VENDOR, quantity=3, actor=None, vendor_reference="RMA-5521"
    )
    assert (level(warehouse, tee).on_hand, level(warehouse, tee).quarantined) == (5, 0)
    lot.refresh_from_db()
    assert lot.quantity_open == 0
    with pytest.raises(Conflict, match="has 0 units in quarantine, not 1"):
        quarantine_dispose(lot=lot, action=DispositionAction.SCRAP, quantity=1, actor=None)

    kinds = list(
        StockMovement.objects.filter(document_type="quarantine", document_id=str(lot.pk))
        .order_by("id")
        .values_list("kind", "on_hand_delta", "quarantined_delta")
    )
    assert kinds == [
        (MovementKind.QUARANTINE_RELEASE, 1, -1),
        (MovementKind.QUARANTINE_SCRAP, 0, -2),
        (MovementKind.RETURN_TO_VENDOR, 0, -3),
    ]
    assert StockMovement.objects.get(kind=MovementKind.RETURN_TO_VENDOR).note == f"{lot.number}: RMA-5521"
    ledger_clean()


def test_a_level_whose_ledger_does_not_account_for_quarantine_is_reported(warehouse, tee, receive) -> None:
    make_rule()
    receive(warehouse, tee, 3)
    StockLevel.objects.filter(location=warehouse, sku=tee).update(quarantined=1)
    drifts = [str(d) for d in ledger_verify()]
    assert drifts == ["TEE-BLK-M at dal-dc: quarantined is 1, ledger says 3"]


def test_results_must_cover_the_sample_and_say_why_a_unit_failed(warehouse, tee, receive) -> None:
    make_rule(sample_mode=SampleMode.UNITS, sample_size=2)
    receive(warehouse, tee, 5)
    inspection = Inspection.objects.get()
    cases = [
        ([PASS], "Record all 2 units of the sample (1 given)."),
        ([PASS, UnitResult(passed=True, failed_checks=(1,))], "Unit 2 is marked as passed but fails “Item matches"),
        ([UnitResult(passed=False), PASS], "Unit 1 failed: tick what is wrong or write a note."),
        ([fail(7), PASS], "Unit 1: there is no question 8."),
    ]
    for results, message in cases:
        with pytest.raises(ValidationFailed) as refused:
            inspection_record(inspection=inspection, results=results, actor=None)
        assert message in refused.value.message
    with pytest.raises(ValidationFailed, match="is not a photo we can read"):
        inspection_record(
            inspection=inspection,
            results=[PASS, PASS],
            actor=None,
            photos=[
                png(name="ok.png"),
                SimpleUploadedFile("fake.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg"),
            ],
        )
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.OPEN
    assert (level(warehouse, tee).quarantined, inspection.photos.count()) == (2, 0)  # nothing half-written


def test_units_taken_by_orders_before_the_hold_cannot_be_failed_into_quarantine(warehouse, tee, receive) -> None:
    stocked(warehouse, tee, 4)
    stock_reserve(location=warehouse, lines=[StockLine(tee.pk, 4)], actor=None, document=DocumentRef("order", "9"))
    make_rule(sample_mode=SampleMode.UNITS, sample_size=3)
    # Three come in, but orders took two of them in the moment before the hold.
    stock_receive(location=warehouse, sku=tee, quantity=3, actor=None)
    stock_reserve(location=warehouse, lines=[StockLine(tee.pk, 2)], actor=None, document=DocumentRef("order", "10"))
    (inspection,) = inspections_open_for_receipt(location_id=warehouse.pk, quantities={tee.pk: 3}, kind="receipt")
    assert (inspection.sample_quantity, inspection.held_quantity) == (3, 1)
    with pytest.raises(Conflict, match="The failed units cannot go to quarantine"):
        inspection_record(inspection=inspection, results=[fail(0), fail(0), PASS], actor=None)
    assert (level(warehouse, tee).on_hand, level(warehouse, tee).quarantined) == (6, 1)
    inspection_record(inspection=inspection, results=[fail(0), PASS, PASS], actor=None)
    assert (level(warehouse, tee).on_hand, level(warehouse, tee).quarantined) == (6, 1)


def test_high_value_units_that_pass_get_a_photo_request_each(warehouse, high_value, receive) -> None:
    make_rule(sku=high_value, sample_mode=SampleMode.EVERY_UNIT, photograph_units=True)
    receive(warehouse, high_value, 3)
    inspection_record(inspection=Inspection.objects.get(), results=[PASS, fail(2, note="scratched"), PASS], actor=None)
    requests = PhotoRequest.objects.filter(reason=PhotoReason.INSPECTED_UNIT).order_by("id")
    assert [r.inspection_unit.number for r in requests if r.inspection_unit] == [1, 3]
    assert {r.location for r in requests} == {warehouse}


def test_units_found_damaged_on_the_shelf_can_be_quarantined_by_hand(warehouse, tee, ledger_clean) -> None:
    stocked(warehouse, tee, 5)
    stock_reserve(location=warehouse, lines=[StockLine(tee.pk, 3)], actor=None, document=DocumentRef("order", "1"))
    with pytest.raises(ValidationFailed, match="Say why"):
        quarantine_lot_create(location=warehouse, sku=tee, quantity=1, reason=" ", actor=None)
    with pytest.raises(ValidationFailed, match="3 units are reserved for orders"):
        quarantine_lot_create(location=warehouse, sku=tee, quantity=3, reason="water damage", actor=None)
    assert not QuarantineLot.objects.exists()  # the refusal left no lot behind
    lot = quarantine_lot_create(location=warehouse, sku=tee, quantity=2, reason="water damage", actor=None)
    assert (lot.quantity_open, level(warehouse, tee).on_hand, level(warehouse, tee).quarantined) == (2, 3, 2)
    ledger_clean()
