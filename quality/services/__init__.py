"""Quality's writes. Import from here: `from quality.services import inspection_record`."""

from quality.services.exclusions import ExclusionReport, defect_exclusions_apply
from quality.services.inspections import UnitResult, inspection_record, inspections_open_for_receipt, qc_document
from quality.services.photos import (
    photo_approve,
    photo_make_primary,
    photo_reject,
    photo_request_cancel,
    photo_request_create,
    photos_upload,
)
from quality.services.quarantine import lot_document, quarantine_dispose, quarantine_lot_create
from quality.services.rules import RuleInput, qc_rule_save, quality_policy_get, quality_policy_set
from quality.services.shipments import shipment_inspections_open, shipment_qc_pass

__all__ = [
    "ExclusionReport",
    "RuleInput",
    "UnitResult",
    "defect_exclusions_apply",
    "inspection_record",
    "inspections_open_for_receipt",
    "lot_document",
    "photo_approve",
    "photo_make_primary",
    "photo_reject",
    "photo_request_cancel",
    "photo_request_create",
    "photos_upload",
    "qc_document",
    "qc_rule_save",
    "quality_policy_get",
    "quality_policy_set",
    "quarantine_dispose",
    "quarantine_lot_create",
    "shipment_inspections_open",
    "shipment_qc_pass",
]
