"""Labels at the packing bench: live rates, buying per box, voiding, and end-of-day manifests."""

from fulfillment.services.labels.buy import label_void_later, shipment_labels_buy
from fulfillment.services.labels.parcels import box_customs, box_request, is_international
from fulfillment.services.labels.rates import LiveRate, RateShop, location_accounts, rate_choose, shipment_rates
from fulfillment.services.labels.returns import shipment_return_label
from fulfillment.services.labels.void import bought_label, manifest_candidates, manifest_create, package_void

__all__ = [
    "LiveRate",
    "RateShop",
    "bought_label",
    "box_customs",
    "box_request",
    "is_international",
    "label_void_later",
    "location_accounts",
    "manifest_candidates",
    "manifest_create",
    "package_void",
    "rate_choose",
    "shipment_labels_buy",
    "shipment_rates",
    "shipment_return_label",
]
