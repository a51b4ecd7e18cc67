"""Shadow prices of stock: what using one unit at a location now is expected to cost later orders.

Pure numeric code (numpy and scipy's HiGHS; no Django, no app), after Acimovic & Graves (2015,
"Making better fulfillment decisions on the fly in an online retail environment") and Jasin &
Sinha (2015): for each SKU, a transportation LP sends the demand expected from each ship-to
region until each location's next replenishment to the locations' stock at the least cost
(shipping per unit, or a lost sale per unit no location serves). The dual value of a location's
stock row is the shadow price: how much more the rest of the horizon costs with one unit less
there. A router that adds it to every unit it takes from that location keeps scarce stock for
the demand it is best placed to serve.

Time is cut at every location's replenishment day: in each segment a location still on its
current stock draws from it (one stock row across those segments); once replenished it is
assumed to hold enough for the rest of the horizon (it serves at its shipping cost, no row).

Entry point: `shadow_prices(problem) -> ShadowPrices`. An LP that fails gives zero prices and
says why (`ShadowPrices.error`); callers log it and route without look-ahead.

`basket_shadow_prices` (`baskets.py`) solves one LP over every SKU instead, from the expected
orders' baskets: it also prices a unit by the parcels a later order would need without it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from .baskets import Basket, BasketNetwork, BasketPrices, basket_shadow_prices

__all__ = [
    "Basket",
    "BasketNetwork",
    "BasketPrices",
    "ShadowPrices",
    "SkuNetwork",
    "basket_shadow_prices",
    "shadow_prices",
]


@dataclass(frozen=True, slots=True)
class SkuNetwork:
    """One SKU's stock, demand and costs.

    - `stock[i]`: units at location i now (available to promise);
    - `replenish_in_days[i]`: days until location i's stock is topped up again (inf: not within
      the horizon);
    - `demand_per_day[r]`: expected units per day ordered to region r;
    - `unit_cost[i][r]`: dollars to serve one unit of region r from location i (inf: cannot);
    - `lost_sale[r]`: dollars per unit of region r no location serves (a backorder, a lost sale);
    - `horizon_days`: how far ahead to look.
    """

    locations: Sequence[str]
    regions: Sequence[str]
    stock: Sequence[float]
    replenish_in_days: Sequence[float]
    demand_per_day: Sequence[float]
    unit_cost: Sequence[Sequence[float]]
    lost_sale: Sequence[float]
    horizon_days: float


@dataclass(frozen=True, slots=True)
class ShadowPrices:
    """Per location: the shadow price of one unit (dollars, >= 0) and the region whose demand its stock
    serves most in the plan (None if it serves none). `error` says why the prices are all zero."""

    prices: dict[str, float] = field(default_factory=dict)
    serves: dict[str, str | None] = field(default_factory=dict)
    expected_cost: float = 0.0
    error: str = ""


def _segments(network: SkuNetwork) -> list[float]:
    """Segment ends: each replenishment day within the horizon, then the horizon."""
    horizon = float(network.horizon_days)
    ends = {float(t) for t in network.replenish_in_days if 0 < float(t) < horizon}
    return sorted(ends | {horizon})


def shadow_prices(network: SkuNetwork, *, weight: float = 1.0) -> ShadowPrices:
    """Solve the SKU's transportation LP and read the stock rows' dual values (see the module docstring).

    `weight` scales the prices (a router may weigh the future more than one LP per SKU does), but
    never above what a unit there can save: the largest lost sale less its cost to that region.
    Above that, a router would rather backorder an order today than ship it.
    """
    locations = list(network.locations)
    zero = ShadowPrices(prices=dict.fromkeys(locations, 0.0), serves=dict.fromkeys(locations))
    try:
        found = _solve(network)
    except (ValueError, ArithmeticError) as error:
        return ShadowPrices(zero.prices, zero.serves, 0.0, f"{type(error).__name__}: {error}")
    if weight == 1.0:
        return found
    cost = np.asarray(network.unit_cost, dtype=float).reshape(len(locations), len(network.regions))
    saves = np.max(np.asarray(network.lost_sale, dtype=float)[None, :] - cost, axis=1, initial=0.0)
    prices = {
        code: min(found.prices[code] * weight, max(found.prices[code], float(saves[i])))
        for i, code in enumerate(locations)
    }
    return ShadowPrices(prices, found.serves, found.expected_cost, found.error)


def _solve(network: SkuNetwork) -> ShadowPrices:
    locations = list(network.locations)
    regions = list(network.regions)
    n_loc, n_reg = len(locations), len(regions)
    stock = np.asarray(network.stock, dtype=float).reshape(n_loc)
    rate = np.asarray(network.demand_per_day, dtype=float).reshape(n_reg)
    cost = np.asarray(network.unit_cost, dtype=float).reshape(n_loc, n_reg)
    lost = np.asarray(network.lost_sale, dtype=float).reshape(n_reg)
    replenish = np.asarray(network.replenish_in_days, dtype=float).reshape(n_loc)
    if network.horizon_days <= 0 or not n_loc or not n_reg or rate.sum() <= 0:
        return ShadowPrices(dict.fromkeys(locations, 0.0), dict.fromkeys(locations))
    if (stock < 0).any() or (rate < 0).any() or not np.isfinite(lost).all():
        raise ValueError("stock and demand must not be negative, and every region needs a finite lost-sale cost")
    ends = _segments(network)
    starts = [0.0, *ends[:-1]]
    columns: list[float] = []
    rows: list[int] = []
    cols: list[int] = []
    stock_rows: list[int] = []
    stock_cols: list[int] = []
    flow: list[tuple[int, int, int]] = []  # (location, region, column) of stock-limited flows
    for j, end in enumerate(ends):
        for r in range(n_reg):
            row = j * n_reg + r
            for i in range(n_loc):
                if not math.isfinite(float(cost[i, r])):
                    continue
                column = len(columns)
                columns.append(float(cost[i, r]))
                rows.append(row)
                cols.append(column)
                if replenish[i] >= end:  # still on today's stock in this segment
                    stock_rows.append(i)
                    stock_cols.append(column)
                    flow.append((i, r, column))
            rows.append(row)
            cols.append(len(columns))
            columns.append(float(lost[r]))
    demand = np.array([rate[r] * (end - start) for start, end in zip(starts, ends, strict=True) for r in range(n_reg)])
    a_eq = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(demand), len(columns)))
    a_ub = sparse.csr_matrix((np.ones(len(stock_rows)), (stock_rows, stock_cols)), shape=(n_loc, len(columns)))
    result = linprog(np.array(columns), A_ub=a_ub, b_ub=stock, A_eq=a_eq, b_eq=demand, bounds=(0, None), method="highs")
    if result.status != 0:
        raise ArithmeticError(f"LP not solved: {result.message}")
    marginals = np.asarray(result.ineqlin.marginals, dtype=float)
    prices = {code: max(0.0, -float(marginals[i])) for i, code in enumerate(locations)}
    served = np.zeros((n_loc, n_reg))
    for i, r, column in flow:
        served[i, r] += float(result.x[column])
    serves = {
        code: (regions[int(np.argmax(served[i]))] if served[i].max() > 1e-9 else None)
        for i, code in enumerate(locations)
    }
    return ShadowPrices(prices=prices, serves=serves, expected_cost=float(result.fun))
