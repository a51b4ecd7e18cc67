"""Stock services: exact levels and ledger rows on success, typed refusals that write nothing."""

from __future__ import annotations

from typing import cast

import pytest
from django.contrib.auth.models import AnonymousUser

from core.errors import InsufficientStock, NotFound, ValidationFailed
from inventory.models import SKU, MovementKind, StockLevel, StockMovement
from inventory.selectors import availability_for_sku
from inventory.services import (
    DocumentRef,
    StockLine,
    ledger_verify,
    lines_by_sku_code,
    stock_adjust,
    stock_count,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_set_safety_stock,
    stock_ship,
)
from tests.factories import LocationFactory, SKUFactory, stocked

ORDER = DocumentRef("order", "1042")

pytestmark = pytest.mark.django_db


def levels(location, sku) -> tuple[int, int, int, int]:
    """(on_hand, reserved, safety_stock, in_transit) of one level; zeros when it has no row."""
    row = StockLevel.objects.filter(location=location, sku=sku).values_list(
        "on_hand", "reserved", "safety_stock", "in_transit"
    )
    return row.first() or (0, 0, 0, 0)


def database_state() -> tuple[list[tuple], int]:
    """Every stock level and the ledger size: equal before and after a refusal means nothing was written."""
    rows = list(
        StockLevel.objects.order_by("pk").values_list(
            "pk", "location_id", "sku_id", "on_hand", "reserved", "safety_stock", "in_transit"
        )
    )
    return rows, StockMovement.objects.count()


@pytest.fixture
def second_sku(db):
    return SKUFactory(code="TEE-WHT-L", name="White tee, L")


@pytest.fixture
def inactive_location(db):
    return LocationFactory(code="old-dc", name="Closed DC", is_active=False)


# --- happy paths: levels and the ledger row --------------------------------------------------------


def test_receive_adds_units_on_hand_and_writes_a_receipt_row(warehouse, sku, back_office_user):
    movement = stock_receive(
        location=warehouse,
        sku=sku,
        quantity=5,
        actor=back_office_user,
        document=DocumentRef("purchase_order", "PO-7"),
        note="Pallet 3",
    )

    assert levels(warehouse, sku) == (5, 0, 0, 0)
    movement.refresh_from_db()
    assert movement.kind == MovementKind.RECEIPT
    assert (movement.location_id, movement.sku_id) == (warehouse.pk, sku.pk)
    assert (movement.on_hand_delta, movement.reserved_delta, movement.in_transit_delta) == (5, 0, 0)
    assert (movement.on_hand_after, movement.reserved_after, movement.in_transit_after) == (5, 0, 0)
    assert movement.actor == back_office_user
    assert (movement.document_type, movement.document_id) == ("purchase_order", "PO-7")
    assert movement.note == "Pallet 3"
    assert StockMovement.objects.count() == 1


def test_second_receipt_adds_to_the_first_and_records_the_new_total(warehouse, sku):
    stock_receive(location=warehouse, sku=sku, quantity=5, actor=None)
    movement = stock_receive(location=warehouse, sku=sku, quantity=3, actor=None)

    assert levels(warehouse, sku) == (8, 0, 0, 0)
    assert (movement.on_hand_delta, movement.on_hand_after) == (3, 8)
    assert ledger_verify() == []


def test_return_restock_is_a_receipt_of_its_own_kind(warehouse, sku):
    movement = stock_receive(location=warehouse, sku=sku, quantity=1, actor=None, kind=MovementKind.RETURN_RESTOCK)

    assert movement.kind == MovementKind.RETURN_RESTOCK
    assert levels(warehouse, sku) == (1, 0, 0, 0)


def test_anonymous_actor_is_recorded_as_no_actor(warehouse, sku):
    movement = stock_receive(location=warehouse, sku=sku, quantity=1, actor=AnonymousUser())

    movement.refresh_from_db()
    assert movement.actor is None


def test_adjust_removes_damaged_units_with_the_reason(warehouse, sku, operator_user):
    stocked(warehouse, sku, 10)

    movement = stock_adjust(
        location=warehouse, sku=sku, delta=-3, reason_code="damaged", actor=operator_user, note="Forklift"
    )

    assert levels(warehouse, sku) == (7, 0, 0, 0)
    movement.refresh_from_db()
    assert movement.kind == MovementKind.ADJUSTMENT
    assert (movement.on_hand_delta, movement.reserved_delta) == (-3, 0)
    assert (movement.on_hand_after, movement.reserved_after) == (7, 0)
    assert movement.reason_code == "damaged"
    assert movement.actor == operator_user
    assert movement.note == "Forklift"
    assert (movement.document_type, movement.document_id) == ("manual", "")
    assert ledger_verify() == []


def test_adjust_found_units_creates_a_level_that_did_not_exist(warehouse, sku):
    movement = stock_adjust(location=warehouse, sku=sku, delta=2, reason_code="found", actor=None)

    assert levels(warehouse, sku) == (2, 0, 0, 0)
    assert (movement.on_hand_delta, movement.on_hand_after) == (2, 2)


def test_count_sets_on_hand_to_the_counted_quantity_and_records_the_variance(warehouse, sku, associate_user):
    stocked(warehouse, sku, 10)

    movement = stock_count(location=warehouse, sku=sku, counted=7, actor=associate_user)

    assert levels(warehouse, sku) == (7, 0, 0, 0)
    movement.refresh_from_db()
    assert movement.kind == MovementKind.COUNT
    assert (movement.on_hand_delta, movement.on_hand_after) == (-3, 7)
    assert movement.actor == associate_user
    assert movement.document_type == "count"
    assert "variance -3" in movement.note
    assert ledger_verify() == []


def test_count_that_matches_the_system_still_records_a_zero_variance_row(warehouse, sku):
    stocked(warehouse, sku, 4)

    movement = stock_count(location=warehouse, sku=sku, counted=4, actor=None)

    assert levels(warehouse, sku) == (4, 0, 0, 0)
    assert (movement.kind, movement.on_hand_delta, movement.on_hand_after) == (MovementKind.COUNT, 0, 4)


def test_count_of_a_never_stocked_sku_creates_its_level(warehouse, sku):
    stock_count(location=warehouse, sku=sku, counted=6, actor=None)

    assert levels(warehouse, sku) == (6, 0, 0, 0)
    assert ledger_verify() == []


def test_count_above_reserved_keeps_the_reservation(warehouse, sku):
    stocked(warehouse, sku, 10)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 4)], actor=None, document=ORDER)

    movement = stock_count(location=warehouse, sku=sku, counted=4, actor=None)

    assert levels(warehouse, sku) == (4, 4, 0, 0)
    assert (movement.on_hand_after, movement.reserved_after) == (4, 4)


def test_reserve_takes_units_out_of_available_and_writes_a_reserve_row(warehouse, sku, back_office_user):
    stocked(warehouse, sku, 10)

    [movement] = stock_reserve(
        location=warehouse, lines=[StockLine(sku.pk, 4)], actor=back_office_user, document=ORDER, note="web order"
    )

    assert levels(warehouse, sku) == (10, 4, 0, 0)
    assert StockLevel.objects.get(location=warehouse, sku=sku).available == 6
    movement.refresh_from_db()
    assert movement.kind == MovementKind.RESERVE
    assert (movement.on_hand_delta, movement.reserved_delta) == (0, 4)
    assert (movement.on_hand_after, movement.reserved_after) == (10, 4)
    assert (movement.document_type, movement.document_id) == ("order", "1042")
    assert movement.actor == back_office_user
    assert movement.note == "web order"
    assert ledger_verify() == []


def test_reserve_of_several_skus_writes_one_row_per_sku(warehouse, sku, second_sku):
    stocked(warehouse, sku, 5)
    stocked(warehouse, second_sku, 5)

    movements = stock_reserve(
        location=warehouse, lines=[StockLine(sku.pk, 2), StockLine(second_sku.pk, 3)], actor=None, document=ORDER
    )

    assert {(m.sku_id, m.reserved_delta, m.reserved_after) for m in movements} == {
        (sku.pk, 2, 2),
        (second_sku.pk, 3, 3),
    }
    assert levels(warehouse, sku) == (5, 2, 0, 0)
    assert levels(warehouse, second_sku) == (5, 3, 0, 0)


def test_reserve_merges_repeated_lines_of_one_sku(warehouse, sku):
    stocked(warehouse, sku, 10)

    movements = stock_reserve(
        location=warehouse, lines=[StockLine(sku.pk, 2), StockLine(sku.pk, 3)], actor=None, document=ORDER
    )

    assert len(movements) == 1
    assert (movements[0].reserved_delta, movements[0].reserved_after) == (5, 5)
    assert levels(warehouse, sku) == (10, 5, 0, 0)


def test_repeated_lines_are_merged_before_checking_availability(warehouse, sku):
    stocked(warehouse, sku, 4)
    before = database_state()

    with pytest.raises(InsufficientStock) as excinfo:
        stock_reserve(
            location=warehouse, lines=[StockLine(sku.pk, 3), StockLine(sku.pk, 2)], actor=None, document=ORDER
        )

    assert "5 requested but only 4 available" in excinfo.value.message
    assert database_state() == before


def test_release_returns_reserved_units_to_available(warehouse, sku):
    stocked(warehouse, sku, 10)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 4)], actor=None, document=ORDER)

    [movement] = stock_release(location=warehouse, lines=[StockLine(sku.pk, 3)], actor=None, document=ORDER)

    assert levels(warehouse, sku) == (10, 1, 0, 0)
    assert movement.kind == MovementKind.RELEASE
    assert (movement.on_hand_delta, movement.reserved_delta) == (0, -3)
    assert (movement.on_hand_after, movement.reserved_after) == (10, 1)
    assert (movement.document_type, movement.document_id) == ("order", "1042")
    assert ledger_verify() == []


def test_ship_takes_reserved_units_off_the_shelf(warehouse, sku, operator_user):
    stocked(warehouse, sku, 10)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 4)], actor=None, document=ORDER)

    [movement] = stock_ship(location=warehouse, lines=[StockLine(sku.pk, 4)], actor=operator_user, document=ORDER)

    assert levels(warehouse, sku) == (6, 0, 0, 0)
    movement.refresh_from_db()
    assert movement.kind == MovementKind.SHIP
    assert (movement.on_hand_delta, movement.reserved_delta) == (-4, -4)
    assert (movement.on_hand_after, movement.reserved_after) == (6, 0)
    assert movement.actor == operator_user
    assert ledger_verify() == []


def test_set_safety_stock_changes_the_level_and_writes_a_zero_delta_row(warehouse, sku, back_office_user):
    stocked(warehouse, sku, 10)

    level = stock_set_safety_stock(location=warehouse, sku=sku, safety_stock=3, actor=back_office_user)

    assert level.safety_stock == 3
    assert levels(warehouse, sku) == (10, 0, 3, 0)
    movement = StockMovement.objects.filter(kind=MovementKind.SAFETY_STOCK).get()
    assert (movement.on_hand_delta, movement.reserved_delta, movement.in_transit_delta) == (0, 0, 0)
    assert (movement.on_hand_after, movement.reserved_after) == (10, 0)
    assert movement.actor == back_office_user
    assert "0 → 3" in movement.note
    assert ledger_verify() == []


def test_available_to_promise_subtracts_reserved_and_safety_stock(warehouse, sku, back_office_user):
    stocked(warehouse, sku, 10)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 2)], actor=None, document=ORDER)
    stock_set_safety_stock(location=warehouse, sku=sku, safety_stock=5, actor=None)

    assert StockLevel.objects.get(location=warehouse, sku=sku).available == 3
    assert availability_for_sku(user=back_office_user, sku=sku)["available"] == 3

    with pytest.raises(InsufficientStock):
        stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 4)], actor=None, document=ORDER)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 3)], actor=None, document=ORDER)
    assert levels(warehouse, sku) == (10, 5, 5, 0)


def test_available_to_promise_is_never_negative_when_safety_stock_exceeds_free_units(warehouse, sku, back_office_user):
    stocked(warehouse, sku, 4)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 3)], actor=None, document=ORDER)
    stock_set_safety_stock(location=warehouse, sku=sku, safety_stock=10, actor=None)

    assert StockLevel.objects.get(location=warehouse, sku=sku).available == 0
    availability = availability_for_sku(user=back_office_user, sku=sku)
    assert availability["available"] == 0
    assert availability["locations"][0]["available"] == 0


def test_lines_by_sku_code_resolves_codes_and_refuses_unknown_ones(sku):
    assert lines_by_sku_code([(sku.code, 2)]) == [StockLine(sku.pk, 2)]

    with pytest.raises(NotFound) as excinfo:
        lines_by_sku_code([(sku.code, 1), ("NOPE-1", 1)])

    assert excinfo.value.field == "sku"
    assert "NOPE-1" in excinfo.value.message


# --- refusals: the right error, a helpful message, and nothing written ------------------------------

BAD_QUANTITIES = [0, -1, 1.5, "3", True, None]


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_receive_refuses_a_quantity_that_is_not_a_positive_whole_number(warehouse, sku, quantity):
    stocked(warehouse, sku, 2)
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_receive(location=warehouse, sku=sku, quantity=quantity, actor=None)

    assert excinfo.value.field == "quantity"
    assert database_state() == before


def test_receive_refuses_a_kind_that_is_not_a_receipt(warehouse, sku):
    with pytest.raises(ValidationFailed) as excinfo:
        stock_receive(location=warehouse, sku=sku, quantity=1, actor=None, kind=MovementKind.SHIP)

    assert excinfo.value.field == "kind"
    assert database_state() == ([], 0)


def test_receive_refuses_a_quantity_too_large_to_store(warehouse, sku):
    """A barcode typed into the quantity box must be a 400, not an integer overflow (a 500)."""
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_receive(location=warehouse, sku=sku, quantity=4_006_381_333_931, actor=None)

    assert excinfo.value.field == "quantity"
    assert database_state() == before


@pytest.mark.parametrize("service", [stock_reserve, stock_release, stock_ship])
@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_line_services_refuse_a_line_quantity_that_is_not_a_positive_whole_number(warehouse, sku, service, quantity):
    stocked(warehouse, sku, 5)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 5)], actor=None, document=ORDER)
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        service(
            location=warehouse, lines=[StockLine(sku.pk, 1), StockLine(sku.pk, quantity)], actor=None, document=ORDER
        )

    assert excinfo.value.field == "lines[1].quantity"
    assert database_state() == before


@pytest.mark.parametrize("service", [stock_reserve, stock_release, stock_ship])
def test_line_services_refuse_an_empty_list_of_lines(warehouse, sku, service):
    with pytest.raises(ValidationFailed) as excinfo:
        service(location=warehouse, lines=[], actor=None, document=ORDER)

    assert excinfo.value.field == "lines"
    assert database_state() == ([], 0)


@pytest.mark.parametrize("delta", [0, True, 1.5, "2", None])
def test_adjust_refuses_a_delta_that_is_not_a_non_zero_whole_number(warehouse, sku, delta):
    stocked(warehouse, sku, 5)
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_adjust(location=warehouse, sku=sku, delta=delta, reason_code="damaged", actor=None)

    assert excinfo.value.field == "delta"
    assert database_state() == before


@pytest.mark.parametrize("reason_code", ["", "oops", "DAMAGED"])
def test_adjust_refuses_an_unknown_reason(warehouse, sku, reason_code):
    stocked(warehouse, sku, 5)
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_adjust(location=warehouse, sku=sku, delta=-1, reason_code=reason_code, actor=None)

    assert excinfo.value.field == "reason_code"
    assert "reason" in excinfo.value.message
    assert database_state() == before


@pytest.mark.parametrize("counted", [-1, True, 2.0, "5", None])
def test_count_refuses_a_quantity_that_is_not_zero_or_more_whole_units(warehouse, sku, counted):
    stocked(warehouse, sku, 5)
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_count(location=warehouse, sku=sku, counted=counted, actor=None)

    assert excinfo.value.field == "counted"
    assert database_state() == before


@pytest.mark.parametrize("safety_stock", [-1, True, 1.5, "3"])
def test_set_safety_stock_refuses_a_negative_or_non_integer_value(warehouse, sku, safety_stock):
    stocked(warehouse, sku, 5)
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_set_safety_stock(location=warehouse, sku=sku, safety_stock=safety_stock, actor=None)

    assert excinfo.value.field == "safety_stock"
    assert database_state() == before


def test_reserving_more_than_available_is_refused_with_a_409_naming_the_line(warehouse, sku):
    stocked(warehouse, sku, 3)
    before = database_state()

    with pytest.raises(InsufficientStock) as excinfo:
        stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 4)], actor=None, document=ORDER)

    error = excinfo.value
    assert error.status_code == 409
    assert error.code == "insufficient_stock"
    assert error.message == "TEE-BLK-M at dal-dc: 4 requested but only 3 available."
    assert database_state() == before


def test_reserving_a_sku_never_stocked_at_the_location_is_refused(warehouse, store, sku):
    stocked(store, sku, 10)
    before = database_state()

    with pytest.raises(InsufficientStock) as excinfo:
        stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 1)], actor=None, document=ORDER)

    assert "TEE-BLK-M at dal-dc" in excinfo.value.message
    assert database_state() == before


def test_multi_line_reserve_with_only_the_second_line_short_reserves_nothing(warehouse, sku, second_sku):
    stocked(warehouse, sku, 10)
    stocked(warehouse, second_sku, 1)
    before = database_state()

    with pytest.raises(InsufficientStock) as excinfo:
        stock_reserve(
            location=warehouse, lines=[StockLine(sku.pk, 2), StockLine(second_sku.pk, 2)], actor=None, document=ORDER
        )

    assert excinfo.value.details["problems"] == ["TEE-WHT-L at dal-dc: 2 requested but only 1 available."]
    assert database_state() == before
    assert levels(warehouse, sku) == (10, 0, 0, 0)


def test_insufficient_stock_lists_every_short_line(warehouse, sku, second_sku):
    third = cast(SKU, SKUFactory(code="CAP-RED"))
    stocked(warehouse, sku, 1)
    stocked(warehouse, second_sku, 1)
    stocked(warehouse, third, 9)
    before = database_state()

    with pytest.raises(InsufficientStock) as excinfo:
        stock_reserve(
            location=warehouse,
            lines=[StockLine(sku.pk, 2), StockLine(third.pk, 1), StockLine(second_sku.pk, 5)],
            actor=None,
            document=ORDER,
        )

    problems = excinfo.value.details["problems"]
    assert len(problems) == 2
    assert any(p.startswith("TEE-BLK-M at dal-dc: 2 requested") for p in problems)
    assert any(p.startswith("TEE-WHT-L at dal-dc: 5 requested") for p in problems)
    assert "TEE-BLK-M" in excinfo.value.message and "TEE-WHT-L" in excinfo.value.message
    assert "CAP-RED" not in excinfo.value.message
    assert database_state() == before


def test_releasing_more_than_reserved_is_refused(warehouse, sku):
    stocked(warehouse, sku, 10)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 2)], actor=None, document=ORDER)
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_release(location=warehouse, lines=[StockLine(sku.pk, 3)], actor=None, document=ORDER)

    assert "only 2 reserved" in excinfo.value.message
    assert database_state() == before


def test_shipping_more_than_reserved_is_refused_even_with_units_on_hand(warehouse, sku):
    stocked(warehouse, sku, 10)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 2)], actor=None, document=ORDER)
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_ship(location=warehouse, lines=[StockLine(sku.pk, 3)], actor=None, document=ORDER)

    assert "only 2 reserved" in excinfo.value.message
    assert database_state() == before


def test_shipping_a_multi_line_order_with_one_unreserved_line_ships_nothing(warehouse, sku, second_sku):
    stocked(warehouse, sku, 10)
    stocked(warehouse, second_sku, 10)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 2)], actor=None, document=ORDER)
    before = database_state()

    with pytest.raises(ValidationFailed):
        stock_ship(
            location=warehouse, lines=[StockLine(sku.pk, 2), StockLine(second_sku.pk, 1)], actor=None, document=ORDER
        )

    assert database_state() == before


def test_adjusting_on_hand_below_reserved_is_refused(warehouse, sku):
    stocked(warehouse, sku, 10)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 8)], actor=None, document=ORDER)
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_adjust(location=warehouse, sku=sku, delta=-3, reason_code="lost", actor=None)

    assert "8 units are reserved" in excinfo.value.message
    assert database_state() == before


def test_adjusting_on_hand_below_zero_is_refused(warehouse, sku):
    stocked(warehouse, sku, 2)
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_adjust(location=warehouse, sku=sku, delta=-3, reason_code="lost", actor=None)

    assert "only 2 on hand" in excinfo.value.message
    assert database_state() == before


def test_removing_units_of_a_sku_never_stocked_is_refused_without_creating_a_level(warehouse, sku):
    with pytest.raises(ValidationFailed):
        stock_adjust(location=warehouse, sku=sku, delta=-1, reason_code="lost", actor=None)

    assert database_state() == ([], 0)


def test_counting_below_reserved_is_refused(warehouse, sku):
    stocked(warehouse, sku, 10)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 6)], actor=None, document=ORDER)
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_count(location=warehouse, sku=sku, counted=5, actor=None)

    assert "6 units are reserved" in excinfo.value.message
    assert database_state() == before


def test_receiving_at_an_inactive_location_is_refused(inactive_location, sku):
    with pytest.raises(ValidationFailed) as excinfo:
        stock_receive(location=inactive_location, sku=sku, quantity=5, actor=None)

    assert excinfo.value.field == "location"
    assert "old-dc is inactive" in excinfo.value.message
    assert database_state() == ([], 0)


def test_reserving_at_an_inactive_location_is_refused(warehouse, sku):
    stocked(warehouse, sku, 5)
    warehouse.is_active = False
    warehouse.save()
    before = database_state()

    with pytest.raises(ValidationFailed) as excinfo:
        stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 1)], actor=None, document=ORDER)

    assert excinfo.value.field == "location"
    assert database_state() == before
