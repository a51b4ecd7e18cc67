"""Stock policies from a forecast: reorder point, order-up-to level, and what a transfer is worth.

Periodic review: every `review_days` the inventory position (on hand - reserved + on order +
in transit - backorders) is compared with the reorder point; at or under it, an order brings it up
to the order-up-to level. An order placed now arrives after the lead time L, and the next chance
to order comes R review days later, so stock must last L + R days (the protection interval):

- safety stock  = z(service level) * error_sd * sqrt(L + R), error_sd the forecast's one-day error
  (from its backtest), days assumed independent;
- reorder point = daily mean * L + safety stock;
- order-up-to   = reorder point + daily mean * R (one order covers the demand until the next).

All quantities are whole units, rounded up (a policy that rounds down under-serves).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class StockPolicy:
    safety_stock: int
    reorder_point: int
    order_up_to: int
    service_level: float
    lead_time_days: float
    review_days: float = 0.0


def stock_policy(
    *, daily_mean: float, error_sd: float, lead_time_days: float, review_days: float, service_level: float
) -> StockPolicy:
    """The reorder point and order-up-to level of one SKU at one location (see the module docstring)."""
    daily_mean = max(0.0, daily_mean)
    lead = max(0.0, lead_time_days)
    level = min(max(service_level, 0.5), 0.9999)
    z = NormalDist().inv_cdf(level)
    review = max(0.0, review_days)
    safety = z * max(0.0, error_sd) * math.sqrt(lead + review)
    reorder = daily_mean * lead + safety
    up_to = reorder + daily_mean * review
    return StockPolicy(
        safety_stock=math.ceil(safety - 1e-9),
        reorder_point=math.ceil(reorder - 1e-9),
        order_up_to=max(math.ceil(up_to - 1e-9), math.ceil(reorder - 1e-9)),
        service_level=level,
        lead_time_days=lead,
        review_days=review,
    )


@dataclass(frozen=True)
class TransferValue:
    """Why a transfer pays or not: each term in money, per the proposal's explanation."""

    shipping_savings: float
    avoided_lost_sales: float
    transfer_cost: float

    @property
    def net(self) -> float:
        return self.shipping_savings + self.avoided_lost_sales - self.transfer_cost

    @property
    def pays(self) -> bool:
        return self.net > 0


def rebalance_gain(
    *,
    units: int,
    shortfall_units: float,
    unit_margin: float,
    shipping_saving_per_unit: float,
    cost_per_unit: float,
    fixed_cost: float = 0.0,
) -> TransferValue:
    """What moving `units` to a location short of `shortfall_units` is worth.

    Units that cover the shortfall avoid lost sales (their margin); every unit moved ships to
    its customer from nearer (the shipping saving per unit); the lane charges per unit plus
    a fixed cost.
    """
    covered = min(float(units), max(0.0, shortfall_units))
    return TransferValue(
        shipping_savings=units * max(0.0, shipping_saving_per_unit),
        avoided_lost_sales=covered * max(0.0, unit_margin),
        transfer_cost=units * max(0.0, cost_per_unit) + max(0.0, fixed_cost),
    )
