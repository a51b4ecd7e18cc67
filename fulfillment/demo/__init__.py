"""Fulfillment demo data, written through the services; every seed only adds what is missing.

`carriers` (carriers, rate cards, routing settings: `seed_carriers`), `sales_channels` (the
demo channels and the web shop's API key: `seed_channels`), `stores` (store hours and
settings: `seed_stores`; demo pickups and ship-from-store requests: `seed_store_orders`).
Import them from here.
"""

from fulfillment.demo.carriers import (
    DEMO_CARRIERS,
    GROUND_EXTRA_POUND,
    GROUND_FIRST_POUND,
    POSTAL_EXTRA_POUND,
    POSTAL_FIRST_POUND,
    SHIP_FROM_STORE_RADIUS_MILES,
    WEIGHT_BRACKETS_LB,
    ZONE_BAND_MILES,
    CarrierSeedResult,
    CarrierSpec,
    ServiceSpec,
    rate_rows,
    seed_carriers,
)
from fulfillment.demo.sales_channels import DEMO_CHANNELS, WEB_KEY_NAME, ChannelSeedResult, seed_channels
from fulfillment.demo.stores import (
    FLAGSHIPS,
    LONG_HOURS,
    PICKUP_CUSTOMERS,
    SHIP_FROM_STORE_ZIPS,
    STANDARD_HOURS,
    StoreSeedResult,
    seed_store_orders,
    seed_stores,
)

__all__ = [
    "DEMO_CARRIERS",
    "DEMO_CHANNELS",
    "FLAGSHIPS",
    "GROUND_EXTRA_POUND",
    "GROUND_FIRST_POUND",
    "LONG_HOURS",
    "PICKUP_CUSTOMERS",
    "POSTAL_EXTRA_POUND",
    "POSTAL_FIRST_POUND",
    "SHIP_FROM_STORE_RADIUS_MILES",
    "SHIP_FROM_STORE_ZIPS",
    "STANDARD_HOURS",
    "WEB_KEY_NAME",
    "WEIGHT_BRACKETS_LB",
    "ZONE_BAND_MILES",
    "CarrierSeedResult",
    "CarrierSpec",
    "ChannelSeedResult",
    "ServiceSpec",
    "StoreSeedResult",
    "rate_rows",
    "seed_carriers",
    "seed_channels",
    "seed_store_orders",
    "seed_stores",
]
