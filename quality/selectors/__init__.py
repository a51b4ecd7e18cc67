"""Quality's reads. Import from here: `from quality.selectors import defect_rates`."""

from quality.selectors.defects import DefectRate, defect_rate_for_locations, defect_rates
from quality.selectors.inspections import (
    active_rule_facts,
    inspection_get,
    inspection_queue_locations,
    inspections_open,
    inspections_recent,
    qc_required_before_ship,
    qc_rule_list,
    qc_rules_for_locations,
    quarantine_lot_get,
    quarantine_lots_closed,
    quarantine_lots_open,
    shipment_qc_remaining,
)
from quality.selectors.photos import (
    photo_request_get,
    photo_requests_open,
    photo_url,
    photos_awaiting_approval,
    product_photo_get,
    sku_gallery,
    sku_primary_image_url,
    sku_primary_image_urls,
)

__all__ = [
    "DefectRate",
    "active_rule_facts",
    "defect_rate_for_locations",
    "defect_rates",
    "inspection_get",
    "inspection_queue_locations",
    "inspections_open",
    "inspections_recent",
    "photo_request_get",
    "photo_requests_open",
    "photo_url",
    "photos_awaiting_approval",
    "product_photo_get",
    "qc_required_before_ship",
    "qc_rule_list",
    "qc_rules_for_locations",
    "quarantine_lot_get",
    "quarantine_lots_closed",
    "quarantine_lots_open",
    "shipment_qc_remaining",
    "sku_gallery",
    "sku_primary_image_url",
    "sku_primary_image_urls",
]
