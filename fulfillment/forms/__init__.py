"""Fulfillment forms: they parse and check input; the services write.

By page: `carriers` (carriers and services, service levels, pounds), `rate_grid` (a
service's rate table), `routing` (cost figures, routing rules, zone bands, the rate
calculator), `stores` (store settings) and `work` (the store associate's action forms).
Import them from here.
"""

from fulfillment.forms.carriers import (
    LEVEL_CHOICES,
    LEVEL_LABELS,
    CarrierForm,
    CarrierServiceForm,
    pounds_text,
    pounds_to_grams,
)
from fulfillment.forms.rate_grid import (
    BLANK_ROWS,
    MAX_GRID_ROWS,
    GridCell,
    GridRow,
    RateGrid,
    grid_from_table,
    parse_rate_grid,
)
from fulfillment.forms.routing import CostSettingsForm, RateCalculatorForm, RoutingPolicyForm, ZoneBandsForm
from fulfillment.forms.stores import StoreSettingsForm
from fulfillment.forms.work import HandoverForm, RejectRequestForm

__all__ = [
    "BLANK_ROWS",
    "LEVEL_CHOICES",
    "LEVEL_LABELS",
    "MAX_GRID_ROWS",
    "CarrierForm",
    "CarrierServiceForm",
    "CostSettingsForm",
    "GridCell",
    "GridRow",
    "HandoverForm",
    "RateCalculatorForm",
    "RateGrid",
    "RejectRequestForm",
    "RoutingPolicyForm",
    "StoreSettingsForm",
    "ZoneBandsForm",
    "grid_from_table",
    "parse_rate_grid",
    "pounds_text",
    "pounds_to_grams",
]
