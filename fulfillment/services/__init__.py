"""Fulfillment write services: routing, shipments, work at locations, re-routing, cancellation."""

from fulfillment.services.cancel import order_cancel
from fulfillment.services.packing import BoxInput, shipment_pack
from fulfillment.services.pickups import (
    PickupLookup,
    pickup_handover,
    pickup_lookup,
    pickup_mark_ready,
    pickup_start,
    pickup_transfer_to_store,
    pickups_expire,
    pickups_remind,
)
from fulfillment.services.reroute import (
    Rejection,
    backorders_retry,
    order_hold,
    order_release,
    order_reroute,
    shipment_reject,
)
from fulfillment.services.routing import RoutingOutcome, cost_model_forget, cost_model_load, order_route
from fulfillment.services.shipments import (
    Allocation,
    order_status_sync,
    shipment_cancel,
    shipment_create,
    shipment_ship,
    shipment_transition,
)
from fulfillment.services.shipping import shipment_deliver, shipment_label
from fulfillment.services.store_requests import store_request_reject, store_requests_sla_sweep
from fulfillment.services.stores import StoreSettings, store_settings_update, store_ship_full_clear
from fulfillment.services.tracking import TrackingRefresh, package_tracking_record, tracking_refresh
from fulfillment.services.work import (
    PickLine,
    picklist_close,
    picklist_create,
    picklist_lines,
    shipment_accept,
)

__all__ = [
    "Allocation",
    "BoxInput",
    "PickLine",
    "PickupLookup",
    "Rejection",
    "RoutingOutcome",
    "StoreSettings",
    "TrackingRefresh",
    "backorders_retry",
    "cost_model_forget",
    "cost_model_load",
    "order_cancel",
    "order_hold",
    "order_release",
    "order_reroute",
    "order_route",
    "order_status_sync",
    "package_tracking_record",
    "picklist_close",
    "picklist_create",
    "picklist_lines",
    "pickup_handover",
    "pickup_lookup",
    "pickup_mark_ready",
    "pickup_start",
    "pickup_transfer_to_store",
    "pickups_expire",
    "pickups_remind",
    "shipment_accept",
    "shipment_cancel",
    "shipment_create",
    "shipment_deliver",
    "shipment_label",
    "shipment_pack",
    "shipment_reject",
    "shipment_ship",
    "shipment_transition",
    "store_request_reject",
    "store_requests_sla_sweep",
    "store_settings_update",
    "store_ship_full_clear",
    "tracking_refresh",
]
