"""Transfers: requested (reserved at source) -> shipped (in transit) -> received, or cancelled."""

from __future__ import annotations

from typing import cast

import pytest

from core.errors import Conflict, InsufficientStock, ValidationFailed
from inventory.models import Location, MovementKind, StockLevel, StockMovement, Transfer, TransferLine, TransferStatus
from inventory.services import (
    DocumentRef,
    StockLine,
    ledger_verify,
    stock_release,
    transfer_cancel,
    transfer_create,
    transfer_receive,
    transfer_ship,
)
from tests.factories import LocationFactory, SKUFactory, stocked

pytestmark = pytest.mark.django_db


def levels(location, sku) -> tuple[int, int, int]:
    """(on_hand, reserved, in_transit); zeros when the level has no row."""
    row = StockLevel.objects.filter(location=location, sku=sku).values_list("on_hand", "reserved", "in_transit")
    return row.first() or (0, 0, 0)


def database_state() -> tuple:
    """Levels, ledger size and transfers with their status: unchanged means a refusal wrote nothing."""
    return (
        list(StockLevel.objects.order_by("pk").values_list("pk", "on_hand", "reserved", "in_transit", "safety_stock")),
        StockMovement.objects.count(),
        list(Transfer.objects.order_by("pk").values_list("pk", "status", "shipped_at", "received_at")),
        TransferLine.objects.count(),
    )


def transfer_movements(transfer: Transfer) -> list[StockMovement]:
    return list(StockMovement.objects.filter(document_type="transfer", document_id=str(transfer.pk)).order_by("id"))


@pytest.fixture
def second_sku(db):
    return SKUFactory(code="TEE-WHT-L")


@pytest.fixture
def source(warehouse, sku, second_sku):
    stocked(warehouse, sku, 10)
    stocked(warehouse, second_sku, 5)
    return warehouse


@pytest.fixture
def requested(source, store, sku, second_sku, back_office_user):
    return transfer_create(
        source=source,
        destination=store,
        lines=[StockLine(sku.pk, 4), StockLine(second_sku.pk, 2)],
        actor=back_office_user,
        note="Restock NYC",
    )


@pytest.fixture
def shipped(requested, operator_user):
    return transfer_ship(transfer=requested, actor=operator_user)


def test_create_reserves_the_units_at_the_source(requested, source, store, sku, second_sku, back_office_user):
    assert requested.status == TransferStatus.REQUESTED
    assert requested.created_by == back_office_user
    assert requested.note == "Restock NYC"
    assert set(requested.lines.values_list("sku_id", "quantity")) == {(sku.pk, 4), (second_sku.pk, 2)}
    assert levels(source, sku) == (10, 4, 0)
    assert levels(source, second_sku) == (5, 2, 0)
    assert levels(store, sku) == (0, 0, 0)
    movements = transfer_movements(requested)
    assert {(m.kind, m.location_id, m.sku_id, m.reserved_delta) for m in movements} == {
        (MovementKind.RESERVE, source.pk, sku.pk, 4),
        (MovementKind.RESERVE, source.pk, second_sku.pk, 2),
    }
    assert all(m.actor == back_office_user for m in movements)
    assert ledger_verify() == []


def test_create_merges_repeated_lines_of_one_sku(source, store, sku):
    transfer = transfer_create(
        source=source, destination=store, lines=[StockLine(sku.pk, 1), StockLine(sku.pk, 2)], actor=None
    )

    assert list(transfer.lines.values_list("sku_id", "quantity")) == [(sku.pk, 3)]
    assert levels(source, sku) == (10, 3, 0)


def test_ship_moves_units_from_the_source_shelf_into_transit_to_the_destination(
    shipped, source, store, sku, second_sku, operator_user
):
    assert shipped.status == TransferStatus.SHIPPED
    assert shipped.shipped_at is not None
    assert Transfer.objects.get(pk=shipped.pk).status == TransferStatus.SHIPPED
    assert levels(source, sku) == (6, 0, 0)
    assert levels(source, second_sku) == (3, 0, 0)
    assert levels(store, sku) == (0, 0, 4)
    assert levels(store, second_sku) == (0, 0, 2)
    ship_rows = [m for m in transfer_movements(shipped) if m.kind != MovementKind.RESERVE]
    assert {
        (m.location_id, m.sku_id, m.on_hand_delta, m.reserved_delta, m.in_transit_delta, m.in_transit_after)
        for m in ship_rows
    } == {
        (source.pk, sku.pk, -4, -4, 0, 0),
        (source.pk, second_sku.pk, -2, -2, 0, 0),
        (store.pk, sku.pk, 0, 0, 4, 4),
        (store.pk, second_sku.pk, 0, 0, 2, 2),
    }
    assert {(m.location_id, m.kind) for m in ship_rows} == {
        (source.pk, MovementKind.TRANSFER_OUT),
        (store.pk, MovementKind.TRANSFER_DISPATCHED),
    }
    assert all(m.actor == operator_user for m in ship_rows)
    assert ledger_verify() == []


def test_receive_turns_in_transit_units_into_on_hand_at_the_destination(shipped, source, store, sku, second_sku):
    received = transfer_receive(transfer=shipped, actor=None)

    assert received.status == TransferStatus.RECEIVED
    assert received.received_at is not None
    assert levels(store, sku) == (4, 0, 0)
    assert levels(store, second_sku) == (2, 0, 0)
    assert levels(source, sku) == (6, 0, 0)
    receive_rows = [m for m in transfer_movements(shipped) if m.kind == MovementKind.TRANSFER_IN]
    assert {(m.location_id, m.sku_id, m.on_hand_delta, m.in_transit_delta, m.on_hand_after) for m in receive_rows} == {
        (store.pk, sku.pk, 4, -4, 4),
        (store.pk, second_sku.pk, 2, -2, 2),
    }
    assert ledger_verify() == []


def test_receive_adds_to_stock_the_destination_already_had(source, store, sku):
    stocked(store, sku, 3)
    transfer = transfer_create(source=source, destination=store, lines=[StockLine(sku.pk, 4)], actor=None)
    transfer_receive(transfer=transfer_ship(transfer=transfer, actor=None), actor=None)

    assert levels(store, sku) == (7, 0, 0)
    assert ledger_verify() == []


def test_cancel_releases_the_reservation_at_the_source(requested, source, store, sku, second_sku):
    cancelled = transfer_cancel(transfer=requested, actor=None)

    assert cancelled.status == TransferStatus.CANCELLED
    assert levels(source, sku) == (10, 0, 0)
    assert levels(source, second_sku) == (5, 0, 0)
    assert levels(store, sku) == (0, 0, 0)
    release_rows = [m for m in transfer_movements(requested) if m.kind == MovementKind.RELEASE]
    assert {(m.sku_id, m.reserved_delta) for m in release_rows} == {(sku.pk, -4), (second_sku.pk, -2)}
    assert ledger_verify() == []


def test_ledger_replays_after_every_step_of_a_transfer(source, store, sku):
    transfer = transfer_create(source=source, destination=store, lines=[StockLine(sku.pk, 5)], actor=None)
    assert ledger_verify() == []
    transfer = transfer_ship(transfer=transfer, actor=None)
    assert ledger_verify() == []
    transfer_receive(transfer=transfer, actor=None)
    assert ledger_verify() == []
    assert levels(source, sku)[0] + levels(store, sku)[0] == 10


# --- refusals --------------------------------------------------------------------------------------


def test_shipping_a_transfer_twice_is_a_conflict_that_changes_nothing(requested, store, sku):
    transfer_ship(transfer=requested, actor=None)
    before = database_state()

    # `requested` is the caller's stale copy: a double click on "Ship" sends it again.
    with pytest.raises(Conflict) as excinfo:
        transfer_ship(transfer=requested, actor=None)

    assert excinfo.value.status_code == 409
    assert "in transit, not requested" in excinfo.value.message
    assert database_state() == before
    assert levels(store, sku) == (0, 0, 4)


def test_receiving_a_transfer_that_has_not_shipped_is_a_conflict(requested):
    before = database_state()

    with pytest.raises(Conflict) as excinfo:
        transfer_receive(transfer=requested, actor=None)

    assert "requested, not in transit" in excinfo.value.message
    assert database_state() == before


def test_receiving_a_transfer_twice_is_a_conflict(shipped, store, sku):
    transfer_receive(transfer=shipped, actor=None)
    before = database_state()

    with pytest.raises(Conflict):
        transfer_receive(transfer=shipped, actor=None)

    assert database_state() == before
    assert levels(store, sku) == (4, 0, 0)


def test_cancelling_a_shipped_transfer_is_a_conflict(shipped):
    before = database_state()

    with pytest.raises(Conflict) as excinfo:
        transfer_cancel(transfer=shipped, actor=None)

    assert "in transit" in excinfo.value.message
    assert database_state() == before


@pytest.mark.parametrize("action", [transfer_ship, transfer_receive, transfer_cancel])
def test_a_cancelled_transfer_can_be_neither_shipped_received_nor_cancelled_again(requested, action):
    transfer_cancel(transfer=requested, actor=None)
    before = database_state()

    with pytest.raises(Conflict) as excinfo:
        action(transfer=requested, actor=None)

    assert "cancelled" in excinfo.value.message
    assert database_state() == before


def test_a_transfer_to_the_same_location_is_refused(source, sku):
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        transfer_create(source=source, destination=source, lines=[StockLine(sku.pk, 1)], actor=None)

    assert excinfo.value.field == "destination"
    assert database_state() == before


def test_a_transfer_beyond_the_source_stock_creates_no_transfer(source, store, sku, second_sku):
    before = database_state()

    with pytest.raises(InsufficientStock) as excinfo:
        transfer_create(
            source=source,
            destination=store,
            lines=[StockLine(sku.pk, 2), StockLine(second_sku.pk, 6)],
            actor=None,
        )

    assert "TEE-WHT-L at dal-dc: 6 requested but only 5 available" in excinfo.value.message
    assert database_state() == before


def test_a_transfer_to_an_inactive_destination_is_refused(source, sku):
    closed = cast(Location, LocationFactory(code="closed-store", is_active=False))
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        transfer_create(source=source, destination=closed, lines=[StockLine(sku.pk, 1)], actor=None)

    assert excinfo.value.field == "destination"
    assert database_state() == before


def test_a_transfer_from_an_inactive_source_creates_no_transfer(source, store, sku):
    source.is_active = False
    source.save()
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        transfer_create(source=source, destination=store, lines=[StockLine(sku.pk, 1)], actor=None)

    assert excinfo.value.field == "location"
    assert database_state() == before


@pytest.mark.parametrize("quantity", [0, -2, 1.5, True])
def test_a_transfer_line_must_be_a_positive_whole_number(source, store, sku, quantity):
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        transfer_create(source=source, destination=store, lines=[StockLine(sku.pk, quantity)], actor=None)

    assert excinfo.value.field == "lines[0].quantity"
    assert database_state() == before


def test_nobody_else_can_release_a_transfers_reservation_so_it_still_ships(requested, source, store, sku):
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_release(location=source, lines=[StockLine(sku.pk, 4)], actor=None, document=DocumentRef("order", "9"))

    assert "order 9 holds 0 reserved" in excinfo.value.message
    assert database_state() == before
    transfer_ship(transfer=requested, actor=None)
    assert Transfer.objects.get(pk=requested.pk).status == TransferStatus.SHIPPED
