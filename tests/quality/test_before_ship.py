"""Inspection before shipping high-value goods: the packing bench asks, the packer inspects or passes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.errors import Conflict
from fulfillment.demo import seed_carriers
from fulfillment.services import cost_model_forget
from inventory.models import MovementKind, StockMovement
from quality.models import Inspection, InspectionStatus, QuarantineLot
from quality.selectors import qc_required_before_ship, shipment_qc_remaining
from quality.services import UnitResult, inspection_record, shipment_inspections_open, shipment_qc_pass
from tests.factories import stocked
from tests.factories.orders import place_order
from tests.factories.pages import make_sku
from tests.quality.conftest import atp, level, make_channel, make_rule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def carriers(db: Any) -> Any:
    seed_carriers()
    cost_model_forget()
    yield
    cost_model_forget()


@pytest.fixture
def order_of(warehouse: Any, high_value: Any) -> Any:
    tee = make_sku(code="TEE-BLK-M")
    stocked(warehouse, high_value, 3)
    stocked(warehouse, tee, 10)
    make_rule(
        "High value before shipping",
        on_inbound=False,
        before_ship=True,
        min_unit_price=Decimal("500.00"),
        checklist=("Serial number matches", "Seal intact"),
    )
    web = make_channel(code="web")

    def _order(lines: list[tuple[str, int]], external_id: str = "W-1") -> Any:
        order = place_order(web, lines, external_id=external_id, postal_code="75201").order
        return order.shipments.get()

    return _order


def test_only_shipments_with_high_value_units_need_an_inspection_before_packing(order_of, high_value) -> None:
    cheap = order_of([("TEE-BLK-M", 2)], "W-1")
    dear = order_of([("TEE-BLK-M", 1), ("WATCH-GLD", 2)], "W-2")
    assert not qc_required_before_ship(cheap)
    assert qc_required_before_ship(dear)
    assert shipment_qc_remaining(dear) == {high_value.pk: 2}


def test_the_pass_service_clears_the_shipment_for_packing(order_of, operator_user) -> None:
    shipment = order_of([("WATCH-GLD", 2)])
    shipment_qc_pass(shipment=shipment, actor=operator_user, note="serials checked")
    assert not qc_required_before_ship(shipment)
    inspection = Inspection.objects.get(shipment=shipment)
    assert (inspection.trigger, inspection.status, inspection.passed_units) == ("before_ship", "passed", 2)
    assert shipment_qc_pass(shipment=shipment, actor=operator_user) == []  # nothing left to pass


def test_a_unit_failing_before_shipping_is_quarantined_and_its_replacement_inspected(
    order_of, warehouse, high_value, ledger_clean
) -> None:
    shipment = order_of([("WATCH-GLD", 2)])
    (inspection,) = shipment_inspections_open(shipment=shipment)
    assert shipment_inspections_open(shipment=shipment) == [inspection]  # opening twice opens nothing new
    assert inspection.sample_quantity == 2 and inspection.held_quantity == 0
    inspection_record(
        inspection=inspection,
        results=[UnitResult(passed=True), UnitResult(passed=False, failed_checks=(1,))],
        actor=None,
    )
    # The failed watch went to quarantine from the spare unit; the shipment keeps its two reserved.
    now = level(warehouse, high_value)
    assert (now.on_hand, now.reserved, now.quarantined, atp(warehouse, high_value)) == (2, 2, 1, 0)
    assert QuarantineLot.objects.get().quantity_open == 1
    assert StockMovement.objects.filter(kind=MovementKind.QUARANTINE, quarantined_delta=1).count() == 1
    assert shipment_qc_remaining(shipment) == {high_value.pk: 1}
    (follow_up,) = shipment_inspections_open(shipment=shipment)
    assert follow_up.pk != inspection.pk and follow_up.sample_quantity == 1
    # No spare unit is left to quarantine if the replacement fails too: refused with the reason.
    with pytest.raises(Conflict, match="reserved for orders"):
        inspection_record(inspection=follow_up, results=[UnitResult(passed=False, failed_checks=(0,))], actor=None)
    inspection_record(inspection=follow_up, results=[UnitResult(passed=True)], actor=None)
    assert not qc_required_before_ship(shipment)
    assert Inspection.objects.filter(shipment=shipment, status=InspectionStatus.OPEN).count() == 0
    ledger_clean()


def test_the_packing_bench_refuses_a_shipment_until_its_inspection_passed(order_of, operator_user) -> None:
    from fulfillment.models import ShipmentStatus
    from fulfillment.services import shipment_accept, shipment_pack

    shipment = order_of([("WATCH-GLD", 1)])
    shipment_accept(shipment=shipment, actor=operator_user)
    with pytest.raises(Conflict, match="must pass a quality check before they ship"):
        shipment_pack(shipment=shipment, scanned=["WATCH-GLD"], weight_grams=300, actor=operator_user)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.ACCEPTED

    shipment_qc_pass(shipment=shipment, actor=operator_user, note="serial checked")
    shipment_pack(shipment=shipment, scanned=["WATCH-GLD"], weight_grams=300, actor=operator_user)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED
