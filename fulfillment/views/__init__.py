"""Fulfillment staff pages: routing settings (carriers, rate tables, zones, costs, rules), the
rate calculator, and store pickups.

Each view parses its input, calls one selector or service, and renders the full page, or a
named partial of it when htmx asks. Viewing needs `fulfillment.view_carrier`; changing
anything needs `fulfillment.manage_rates`.
"""

from fulfillment.views.calculator import rate_calculator
from fulfillment.views.carriers import (
    carrier_create_view,
    carrier_edit,
    service_create_view,
    service_edit,
    service_rates,
)
from fulfillment.views.labels import (
    label_file,
    label_print,
    label_void,
    packing_slip,
    return_label,
    return_label_file,
    work_rates,
    work_ship,
)
from fulfillment.views.manifests import manifest_document, manifests
from fulfillment.views.packing import work_pack
from fulfillment.views.pickups import (
    pickup_detail,
    pickup_find,
    pickup_handover_view,
    pickup_start_view,
    pickup_transfer,
    pickups,
)
from fulfillment.views.routing import routing_overview
from fulfillment.views.stores import (
    store_request_accept,
    store_request_reject_view,
    store_settings,
    store_ship_full_clear_view,
)
from fulfillment.views.work import work, work_accept, work_picklist, work_picklist_create, work_reject

__all__ = [
    "carrier_create_view",
    "carrier_edit",
    "label_file",
    "label_print",
    "label_void",
    "manifest_document",
    "manifests",
    "packing_slip",
    "pickup_detail",
    "pickup_find",
    "pickup_handover_view",
    "pickup_start_view",
    "pickup_transfer",
    "pickups",
    "rate_calculator",
    "return_label",
    "return_label_file",
    "routing_overview",
    "service_create_view",
    "service_edit",
    "service_rates",
    "store_request_accept",
    "store_request_reject_view",
    "store_settings",
    "store_ship_full_clear_view",
    "work",
    "work_accept",
    "work_pack",
    "work_picklist",
    "work_picklist_create",
    "work_rates",
    "work_reject",
    "work_ship",
]
