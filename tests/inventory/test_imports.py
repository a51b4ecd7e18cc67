"""CSV import and export of stock: all or nothing, with row-by-row errors a person can act on."""

from __future__ import annotations

import io

import pytest

from core.errors import ValidationFailed
from inventory.models import MovementKind, StockLevel, StockMovement
from inventory.services import (
    DocumentRef,
    StockLine,
    ledger_verify,
    stock_adjust,
    stock_export_csv,
    stock_import_csv,
    stock_reserve,
    stock_set_safety_stock,
)
from tests.factories import LocationFactory, SKUFactory, stocked

pytestmark = pytest.mark.django_db


def levels(location, sku) -> tuple[int, int, int]:
    """(on_hand, reserved, safety_stock); zeros when the level has no row."""
    row = StockLevel.objects.filter(location=location, sku=sku).values_list("on_hand", "reserved", "safety_stock")
    return row.first() or (0, 0, 0)


def database_state() -> tuple[list[tuple], int]:
    rows = list(
        StockLevel.objects.order_by("pk").values_list(
            "pk", "location_id", "sku_id", "on_hand", "reserved", "safety_stock"
        )
    )
    return rows, StockMovement.objects.count()


def errors_of(report) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


@pytest.fixture
def second_sku(db):
    return SKUFactory(code="TEE-WHT-L")


def test_a_good_file_sets_on_hand_and_safety_stock(warehouse, store, sku, second_sku, back_office_user):
    stocked(warehouse, sku, 2)
    csv_text = (
        "location,sku,on_hand,safety_stock\ndal-dc,TEE-BLK-M,12,3\nnyc-store,TEE-WHT-L,5,\ndal-dc,TEE-WHT-L,0,1\n"
    )

    report = stock_import_csv(stream=csv_text, actor=back_office_user)

    assert report.ok
    assert (report.rows, report.changed, report.unchanged) == (3, 2, 1)
    assert levels(warehouse, sku) == (12, 0, 3)
    assert levels(store, second_sku) == (5, 0, 0)
    assert levels(warehouse, second_sku) == (0, 0, 1)
    assert ledger_verify() == []


def test_imported_quantities_are_counts_in_the_ledger_under_the_import_document(warehouse, sku, back_office_user):
    stocked(warehouse, sku, 2)

    report = stock_import_csv(stream="location,sku,on_hand\ndal-dc,TEE-BLK-M,12\n", actor=back_office_user)

    movement = StockMovement.objects.filter(document_type="import").get()
    assert movement.document_id == report.document_id != ""
    assert movement.kind == MovementKind.COUNT
    assert (movement.on_hand_delta, movement.on_hand_after) == (10, 12)
    assert movement.actor == back_office_user
    assert movement.note == "CSV import"


def test_every_ledger_row_an_import_writes_belongs_to_the_import_document(warehouse, sku, back_office_user):
    """Safety-stock changes from a file must be traceable to that file in the SKU's history too."""
    before = set(StockMovement.objects.values_list("pk", flat=True))

    report = stock_import_csv(
        stream="location,sku,on_hand,safety_stock\ndal-dc,TEE-BLK-M,12,3\n", actor=back_office_user
    )

    written = StockMovement.objects.exclude(pk__in=before)
    assert {m.kind for m in written} == {MovementKind.COUNT, MovementKind.SAFETY_STOCK}
    assert {(m.document_type, m.document_id) for m in written} == {("import", report.document_id)}


def test_bytes_with_a_utf8_byte_order_mark_and_odd_header_case_are_accepted(warehouse, sku):
    data = "\ufeffLocation, SKU ,On_Hand,notes\ndal-dc,TEE-BLK-M,7,ignored column\n".encode()

    report = stock_import_csv(stream=io.BytesIO(data), actor=None)

    assert report.ok
    assert levels(warehouse, sku) == (7, 0, 0)


def test_a_text_file_object_is_accepted(warehouse, sku):
    report = stock_import_csv(stream=io.StringIO("location,sku,on_hand\ndal-dc,TEE-BLK-M,4\n"), actor=None)

    assert report.ok
    assert levels(warehouse, sku) == (4, 0, 0)


def test_importing_the_same_file_twice_changes_nothing_the_second_time(warehouse, sku):
    csv_text = "location,sku,on_hand,safety_stock\ndal-dc,TEE-BLK-M,9,2\n"
    stock_import_csv(stream=csv_text, actor=None)
    before = database_state()

    report = stock_import_csv(stream=csv_text, actor=None)

    assert report.ok
    assert (report.changed, report.unchanged) == (0, 1)
    assert database_state() == before


def test_one_bad_row_among_good_ones_writes_nothing_and_names_its_line_and_column(warehouse, store, sku, second_sku):
    stocked(warehouse, sku, 2)
    before = database_state()
    csv_text = "location,sku,on_hand\ndal-dc,TEE-BLK-M,12\nnyc-store,TEE-WHT-L,lots\ndal-dc,TEE-WHT-L,3\n"

    report = stock_import_csv(stream=csv_text, actor=None)

    assert not report.ok
    assert errors_of(report) == [(3, "on_hand")]
    assert str(report.errors[0]) == "Line 3, on_hand: 'lots' is not a whole number."
    assert database_state() == before


def test_every_bad_row_is_reported_not_only_the_first(warehouse, sku):
    csv_text = (
        "location,sku,on_hand,safety_stock\n"
        "dal-dc,TEE-BLK-M,-1,\n"
        "nowhere,TEE-BLK-M,1,\n"
        "dal-dc,NO-SUCH-SKU,1,\n"
        "dal-dc,TEE-BLK-M,1,-2\n"
        "dal-dc,TEE-BLK-M,,\n"
        "dal-dc,TEE-BLK-M,1.5,\n"
    )
    before = database_state()

    report = stock_import_csv(stream=csv_text, actor=None)

    assert (2, "on_hand") in errors_of(report)
    assert (3, "location") in errors_of(report)
    assert (4, "sku") in errors_of(report)
    assert (5, "safety_stock") in errors_of(report)
    assert (6, "on_hand") in errors_of(report)
    assert (7, "on_hand") in errors_of(report)
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages[(2, "on_hand")] == "must be 0 or more."
    assert messages[(3, "location")] == "unknown location 'nowhere'."
    assert messages[(4, "sku")] == "unknown SKU 'NO-SUCH-SKU'."
    assert messages[(6, "on_hand")] == "is empty."
    assert database_state() == before


def test_a_repeated_location_and_sku_is_reported_on_the_second_line(warehouse, sku):
    report = stock_import_csv(stream="location,sku,on_hand\ndal-dc,TEE-BLK-M,4\ndal-dc,TEE-BLK-M,5\n", actor=None)

    assert errors_of(report) == [(3, "sku")]
    assert "repeats line 2" in report.errors[0].message
    assert database_state() == ([], 0)


def test_an_inactive_location_is_refused(sku):
    LocationFactory(code="old-dc", is_active=False)

    report = stock_import_csv(stream="location,sku,on_hand\nold-dc,TEE-BLK-M,4\n", actor=None)

    assert errors_of(report) == [(2, "location")]
    assert "inactive" in report.errors[0].message
    assert database_state() == ([], 0)


def test_on_hand_below_reserved_is_refused_and_nothing_else_is_written(warehouse, store, sku, second_sku):
    stocked(warehouse, sku, 10)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 6)], actor=None, document=DocumentRef("order", "9"))
    before = database_state()
    csv_text = "location,sku,on_hand,safety_stock\nnyc-store,TEE-WHT-L,8,2\ndal-dc,TEE-BLK-M,5,\n"

    report = stock_import_csv(stream=csv_text, actor=None)

    assert errors_of(report) == [(3, "on_hand")]
    assert "6 units are reserved" in report.errors[0].message
    # Not even the empty level row for the good line may remain.
    assert database_state() == before


def test_a_quantity_too_large_to_store_is_a_row_error_not_a_crash(warehouse, sku):
    """Columns pasted in the wrong order put a 13-digit barcode into on_hand."""
    before = database_state()

    report = stock_import_csv(stream="location,sku,on_hand\ndal-dc,TEE-BLK-M,4006381333931\n", actor=None)

    assert errors_of(report) == [(2, "on_hand")]
    assert database_state() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "The file is empty."),
        ("   \n\n", "The file is empty."),
        ("dal-dc,TEE-BLK-M,5\n", "Missing column(s): location, sku, on_hand."),
        ("location,sku\ndal-dc,TEE-BLK-M\n", "Missing column(s): on_hand."),
        (b"location,sku,on_hand\ncaf\xe9,TEE-BLK-M,5\n", "The file is not UTF-8 text."),
    ],
    ids=["empty", "blank-lines", "no-header", "missing-column", "latin-1"],
)
def test_a_malformed_file_is_refused_as_a_whole_with_a_clear_message(warehouse, sku, content, expected):
    stream = io.BytesIO(content) if isinstance(content, bytes) else content

    with pytest.raises(ValidationFailed) as excinfo:
        stock_import_csv(stream=stream, actor=None)

    assert excinfo.value.field == "file"
    assert excinfo.value.message.startswith(expected)
    assert database_state() == ([], 0)


def test_export_writes_one_row_per_level_with_availability(warehouse, store, sku, back_office_user):
    stocked(warehouse, sku, 10)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 3)], actor=None, document=DocumentRef("order", "1"))
    stock_set_safety_stock(location=warehouse, sku=sku, safety_stock=2, actor=None)
    out = io.StringIO()

    stock_export_csv(levels=StockLevel.objects.select_related("location", "sku").order_by("pk"), out=out)

    assert out.getvalue().splitlines() == [
        "location,sku,on_hand,safety_stock,reserved,available,in_transit",
        "dal-dc,TEE-BLK-M,10,2,3,5,0",
    ]


def test_export_then_import_restores_the_exported_levels(warehouse, store, sku, second_sku):
    stocked(warehouse, sku, 10)
    stocked(store, second_sku, 4)
    stock_set_safety_stock(location=store, sku=second_sku, safety_stock=1, actor=None)
    out = io.StringIO()
    stock_export_csv(levels=StockLevel.objects.select_related("location", "sku").order_by("pk"), out=out)
    exported = out.getvalue()

    stock_adjust(location=warehouse, sku=sku, delta=-4, reason_code="damaged", actor=None)
    stock_set_safety_stock(location=store, sku=second_sku, safety_stock=3, actor=None)
    report = stock_import_csv(stream=exported, actor=None)

    assert report.ok
    assert levels(warehouse, sku) == (10, 0, 0)
    assert levels(store, second_sku) == (4, 0, 1)
    assert ledger_verify() == []

    out_again = io.StringIO()
    stock_export_csv(levels=StockLevel.objects.select_related("location", "sku").order_by("pk"), out=out_again)
    assert out_again.getvalue() == exported


def test_a_warehouse_operator_cannot_import_into_a_location_outside_their_scope(warehouse, store, sku, operator_user):
    """The operator works at the Dallas DC only: a row for the New York store reads as unknown, nothing is written."""
    before = StockMovement.objects.count()

    report = stock_import_csv(
        stream="location,sku,on_hand\ndal-dc,TEE-BLK-M,5\nnyc-store,TEE-BLK-M,9\n", actor=operator_user
    )

    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(3, "location")]
    assert "unknown location" in report.errors[0].message
    assert StockMovement.objects.count() == before
