"""Carriers, their services and rate tables, zone bands, cost settings and routing rules.

Staff edit these from the Routing pages; the demo seeds them through the same functions.
Every write drops the routing engine's cached cost model once the transaction commits, so
the next order is routed with the new figures (and a rolled-back edit changes nothing).

Refusals are `ValidationFailed` naming the field at fault. By subject: `carriers`, `tables`
(rate tables), `routing_settings` (zone bands, cost figures, routing rules); `common` holds
the limits they share. Import them from here.
"""

from fulfillment.services.rates.carriers import (
    carrier_create,
    carrier_service_create,
    carrier_service_update,
    carrier_update,
)
from fulfillment.services.rates.common import (
    COST_SETTINGS_FIELDS,
    GRAMS_PER_POUND,
    MAX_BRACKET_GRAMS,
    MAX_POLICY_PACKAGES,
    MAX_PRICE,
    MAX_RADIUS_MILES,
    MAX_TRANSIT_DAYS,
    ZONES,
    after_commit_forget,
    check_level,
    check_name,
    validated_save,
)
from fulfillment.services.rates.routing_settings import (
    PolicyRules,
    cost_settings_update,
    routing_policy_set,
    zone_bands_set,
)
from fulfillment.services.rates.tables import (
    Problem,
    RateRowInput,
    RateTableSummary,
    price_field,
    rate_table_problems,
    rate_table_set,
    transit_field,
    weight_field,
)

__all__ = [
    "COST_SETTINGS_FIELDS",
    "GRAMS_PER_POUND",
    "MAX_BRACKET_GRAMS",
    "MAX_POLICY_PACKAGES",
    "MAX_PRICE",
    "MAX_RADIUS_MILES",
    "MAX_TRANSIT_DAYS",
    "ZONES",
    "PolicyRules",
    "Problem",
    "RateRowInput",
    "RateTableSummary",
    "after_commit_forget",
    "carrier_create",
    "carrier_service_create",
    "carrier_service_update",
    "carrier_update",
    "check_level",
    "check_name",
    "cost_settings_update",
    "price_field",
    "rate_table_problems",
    "rate_table_set",
    "routing_policy_set",
    "transit_field",
    "validated_save",
    "weight_field",
    "zone_bands_set",
]
