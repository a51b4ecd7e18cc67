"""Store reads: store clocks, today's load, the store's queues, pickups, and pickup options.

By purpose: `clocks` (profiles, clocks and today's load, read by routing and the pickup
services), `screens` (the store associate's pages, scoped to the user's stores), and
`pickup_options` (stores near a shop customer that can have a basket ready). Import them
from here.
"""

from fulfillment.selectors.stores.clocks import (
    DEAD_STATUSES,
    local_day_start,
    pickup_load_by_day,
    profile_of,
    ship_full_today,
    ship_load_today,
    store_clocks,
)
from fulfillment.selectors.stores.pickup_options import (
    DEFAULT_RADIUS_MILES,
    MAX_OPTIONS,
    MAX_RADIUS_MILES,
    PickupOption,
    TransferOption,
    atp_at,
    nearby_pickup_stores,
    pickup_options,
    round_miles,
    transfer_eta,
    transfer_sources,
    transfer_transit_days,
)
from fulfillment.selectors.stores.screens import (
    PICKUP_QUEUE_STATUSES,
    StoreCounts,
    StorePanel,
    hold_reason_of,
    order_hold_reason,
    pickup_get,
    store_counts,
    store_get,
    store_panel,
    store_pickups,
    store_request_get,
    store_requests,
    store_requests_to_pack,
    user_stores,
)

__all__ = [
    "DEAD_STATUSES",
    "DEFAULT_RADIUS_MILES",
    "MAX_OPTIONS",
    "MAX_RADIUS_MILES",
    "PICKUP_QUEUE_STATUSES",
    "PickupOption",
    "StoreCounts",
    "StorePanel",
    "TransferOption",
    "atp_at",
    "hold_reason_of",
    "local_day_start",
    "nearby_pickup_stores",
    "order_hold_reason",
    "pickup_get",
    "pickup_load_by_day",
    "pickup_options",
    "profile_of",
    "round_miles",
    "ship_full_today",
    "ship_load_today",
    "store_clocks",
    "store_counts",
    "store_get",
    "store_panel",
    "store_pickups",
    "store_request_get",
    "store_requests",
    "store_requests_to_pack",
    "transfer_eta",
    "transfer_sources",
    "transfer_transit_days",
    "user_stores",
]
