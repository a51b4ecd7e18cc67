"""Inspection before shipping (high-value goods): what the packing bench asks and how it passes.

A shipment whose units a before-ship rule covers may not be packed until those units have
passed (`quality.selectors.qc_required_before_ship`). The units are reserved for the shipment, so
none is held: a unit that fails goes to quarantine from the location's other units and the
packer inspects the replacement, which opens a follow-up inspection.
"""

from __future__ import annotations

from django.db import transaction

from core.types import Actor
from fulfillment.models import Shipment
from inventory.models import SKU
from quality.matching import BEFORE_SHIP, best_rule
from quality.models import Inspection, InspectionStatus, InspectionTrigger
from quality.selectors import active_rule_facts, shipment_qc_remaining
from quality.services.inspections import UnitResult, inspection_record


def shipment_inspections_open(*, shipment: Shipment) -> list[Inspection]:
    """The shipment's open before-ship inspections, opening one per SKU for units not yet covered.

    Idempotent: units an open inspection already covers are not opened again.
    """
    with transaction.atomic():
        locked = Shipment.objects.select_for_update(of=("self",)).get(pk=shipment.pk)
        remaining = shipment_qc_remaining(locked)
        open_now = list(
            Inspection.objects.filter(
                shipment=locked, trigger=InspectionTrigger.BEFORE_SHIP, status=InspectionStatus.OPEN
            ).order_by("id")
        )
        covered: dict[int, int] = {}
        for inspection in open_now:
            covered[inspection.sku_id] = covered.get(inspection.sku_id, 0) + inspection.sample_quantity
        to_open = {sku_id: units - covered.get(sku_id, 0) for sku_id, units in remaining.items()}
        to_open = {sku_id: units for sku_id, units in to_open.items() if units > 0}
        if to_open:
            rules, by_id = active_rule_facts(trigger=BEFORE_SHIP)
            skus = SKU.objects.in_bulk(list(to_open))
            for sku_id, units in sorted(to_open.items()):
                facts = best_rule(
                    rules,
                    location_id=locked.location_id,
                    sku_id=sku_id,
                    unit_price=skus[sku_id].price,
                    trigger=BEFORE_SHIP,
                    quantity=units,
                )
                rule = by_id[facts.rule_id] if facts else None
                open_now.append(
                    Inspection.objects.create(
                        rule=rule,
                        location_id=locked.location_id,
                        sku_id=sku_id,
                        trigger=InspectionTrigger.BEFORE_SHIP,
                        document_type="shipment",
                        document_id=str(locked.pk),
                        shipment=locked,
                        received_quantity=units,
                        sample_quantity=units,
                        checklist=list(rule.checklist) if rule else [],
                    )
                )
    return open_now


def shipment_qc_pass(*, shipment: Shipment, actor: Actor, note: str = "") -> list[Inspection]:
    """Record every unit the shipment still needs inspected as passed (the packer checked them all)."""
    with transaction.atomic():
        recorded = []
        for inspection in shipment_inspections_open(shipment=shipment):
            results = [UnitResult(passed=True)] * inspection.sample_quantity
            recorded.append(inspection_record(inspection=inspection, results=results, actor=actor, note=note))
    return recorded
