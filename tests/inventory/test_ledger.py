"""The stock ledger: append-only in PostgreSQL, and replaying it reproduces every level."""

from __future__ import annotations

from typing import cast

import pytest
from django.db import DatabaseError, connection, transaction

from inventory.models import SKU, MovementKind, StockLevel, StockMovement
from inventory.services import (
    DocumentRef,
    Drift,
    StockLine,
    ledger_verify,
    stock_adjust,
    stock_count,
    stock_import_csv,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_set_safety_stock,
    stock_ship,
    transfer_cancel,
    transfer_create,
    transfer_receive,
    transfer_ship,
)
from tests.factories import SKUFactory, StockLevelFactory, stocked

pytestmark = pytest.mark.django_db

ORDER = DocumentRef("order", "77")


def assert_recorded_levels_follow_the_deltas() -> None:
    """Each row's *_after values equal the running sum of the deltas of its (location, SKU), in id order."""
    running: dict[tuple[int, int], list[int]] = {}
    for row in StockMovement.objects.order_by("id"):
        totals = running.setdefault((row.location_id, row.sku_id), [0, 0, 0])
        totals[0] += row.on_hand_delta
        totals[1] += row.reserved_delta
        totals[2] += row.in_transit_delta
        assert [row.on_hand_after, row.reserved_after, row.in_transit_after] == totals, row


@pytest.fixture
def movement(warehouse, sku) -> StockMovement:
    return stock_receive(location=warehouse, sku=sku, quantity=5, actor=None)


def run_many_operations(warehouse, store, other_store, sku) -> None:
    second = cast(SKU, SKUFactory(code="TEE-WHT-L"))
    for location in (warehouse, store):
        stocked(location, sku, 20)
        stocked(location, second, 8)
    stock_adjust(location=warehouse, sku=sku, delta=-2, reason_code="damaged", actor=None)
    stock_adjust(location=store, sku=second, delta=3, reason_code="found", actor=None)
    stock_count(location=store, sku=sku, counted=17, actor=None)
    stock_set_safety_stock(location=warehouse, sku=sku, safety_stock=2, actor=None)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 5), StockLine(second.pk, 2)], actor=None, document=ORDER)
    stock_release(location=warehouse, lines=[StockLine(second.pk, 1)], actor=None, document=ORDER)
    stock_ship(location=warehouse, lines=[StockLine(sku.pk, 5), StockLine(second.pk, 1)], actor=None, document=ORDER)
    done = transfer_create(source=warehouse, destination=other_store, lines=[StockLine(sku.pk, 4)], actor=None)
    transfer_receive(transfer=transfer_ship(transfer=done, actor=None), actor=None)
    in_flight = transfer_create(source=store, destination=other_store, lines=[StockLine(second.pk, 3)], actor=None)
    transfer_ship(transfer=in_flight, actor=None)
    cancelled = transfer_create(source=store, destination=warehouse, lines=[StockLine(sku.pk, 1)], actor=None)
    transfer_cancel(transfer=cancelled, actor=None)
    stock_import_csv(
        stream="location,sku,on_hand,safety_stock\nchi-store,TEE-BLK-M,9,1\ndal-dc,TEE-WHT-L,0,\n", actor=None
    )


def test_replaying_the_ledger_after_many_operations_reproduces_every_level(warehouse, store, other_store, sku):
    run_many_operations(warehouse, store, other_store, sku)

    assert StockMovement.objects.count() > 20
    assert StockLevel.objects.filter(in_transit__gt=0).exists()
    assert ledger_verify() == []
    assert_recorded_levels_follow_the_deltas()


def test_a_level_changed_behind_the_services_back_is_reported_as_drift(warehouse, store, other_store, sku):
    run_many_operations(warehouse, store, other_store, sku)
    level = StockLevel.objects.get(location=warehouse, sku=sku)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inventory_stocklevel SET on_hand = on_hand + 5, reserved = reserved + 1 WHERE id = %s", [level.pk]
        )

    drifts = ledger_verify()

    assert Drift("dal-dc", "TEE-BLK-M", "on_hand", level.on_hand + 5, level.on_hand) in drifts
    assert Drift("dal-dc", "TEE-BLK-M", "reserved", level.reserved + 1, level.reserved) in drifts
    assert {(d.location_code, d.sku_code) for d in drifts} == {("dal-dc", "TEE-BLK-M")}
    assert str(drifts[0]).startswith("TEE-BLK-M at dal-dc: ")


def test_in_transit_changed_behind_the_services_back_is_reported_as_drift(warehouse, store, sku):
    stocked(warehouse, sku, 5)
    transfer_ship(
        transfer=transfer_create(source=warehouse, destination=store, lines=[StockLine(sku.pk, 2)], actor=None),
        actor=None,
    )
    StockLevel.objects.filter(location=store, sku=sku).update(in_transit=0)

    assert ledger_verify() == [Drift("nyc-store", "TEE-BLK-M", "in_transit", 0, 2)]


def test_a_level_with_units_but_no_ledger_rows_is_reported_as_drift(warehouse, sku):
    StockLevelFactory(location=warehouse, sku=sku, on_hand=7)

    assert ledger_verify() == [Drift("dal-dc", "TEE-BLK-M", "on_hand", 7, 0)]


def test_ledger_rows_whose_level_was_deleted_are_reported_as_drift(warehouse, sku):
    level = stocked(warehouse, sku, 3)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM inventory_stocklevel WHERE id = %s", [level.pk])

    assert ledger_verify() == [Drift(f"#{warehouse.pk}", f"#{sku.pk}", "on_hand", 0, 3)]


def test_verify_reports_a_ledger_row_whose_recorded_level_disagrees_with_the_level(warehouse, sku):
    """The docstring's promise: the last ledger row must record the level it left behind.

    The SKU page shows `on_hand_after`; a row claiming 50 units when there are 5 is a drift.
    """
    stocked(warehouse, sku, 5)
    StockMovement.objects.create(
        location=warehouse, sku=sku, kind=MovementKind.ADJUSTMENT, on_hand_after=50, reserved_after=0
    )

    drifts = ledger_verify()

    assert drifts, "a last ledger row that records 50 on hand for a level of 5 must be reported"
    assert {(d.location_code, d.sku_code) for d in drifts} == {("dal-dc", "TEE-BLK-M")}


# --- append-only in the database -------------------------------------------------------------------


def refused_by_the_database(action) -> str:
    """Run `action` in a savepoint; return the database's error message (fails if it was accepted)."""
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        action()
    return str(excinfo.value)


@pytest.mark.postgres
def test_raw_sql_update_of_a_ledger_row_is_refused(movement):
    def update():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE inventory_stockmovement SET on_hand_delta = 500 WHERE id = %s", [movement.pk])

    assert "append-only" in refused_by_the_database(update)
    movement.refresh_from_db()
    assert movement.on_hand_delta == 5


@pytest.mark.postgres
def test_raw_sql_delete_of_a_ledger_row_is_refused(movement):
    def delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM inventory_stockmovement WHERE id = %s", [movement.pk])

    assert "append-only" in refused_by_the_database(delete)
    assert StockMovement.objects.filter(pk=movement.pk).exists()


@pytest.mark.postgres
def test_orm_queryset_update_of_ledger_rows_is_refused(movement):
    assert "UPDATE" in refused_by_the_database(lambda: StockMovement.objects.all().update(note="edited"))
    movement.refresh_from_db()
    assert movement.note == ""


@pytest.mark.postgres
def test_orm_save_of_an_existing_ledger_row_is_refused(movement):
    movement.on_hand_delta = 1

    refused_by_the_database(movement.save)

    assert StockMovement.objects.get(pk=movement.pk).on_hand_delta == 5


@pytest.mark.postgres
def test_orm_delete_of_ledger_rows_is_refused(movement):
    assert "DELETE" in refused_by_the_database(StockMovement.objects.all().delete)
    assert "DELETE" in refused_by_the_database(movement.delete)
    assert StockMovement.objects.count() == 1
    assert ledger_verify() == []


@pytest.mark.postgres
def test_inserting_ledger_rows_still_works(movement, warehouse, sku):
    stock_receive(location=warehouse, sku=sku, quantity=2, actor=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM inventory_stockmovement")
        (count,) = cursor.fetchone()

    assert count == 2
    assert ledger_verify() == []
