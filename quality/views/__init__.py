"""Quality's pages, one function view per screen."""

from quality.views.inspections import inspection_detail, inspection_photo, qc_queue, shipment_check
from quality.views.photos import photo_file, photo_queue, photo_request_upload, photo_review, sku_photos
from quality.views.quarantine import quarantine_dispose_view, quarantine_list
from quality.views.rules import policy_edit, rule_edit, rule_list

__all__ = [
    "inspection_detail",
    "inspection_photo",
    "photo_file",
    "photo_queue",
    "photo_request_upload",
    "photo_review",
    "policy_edit",
    "qc_queue",
    "quarantine_dispose_view",
    "quarantine_list",
    "rule_edit",
    "rule_list",
    "shipment_check",
    "sku_photos",
]
