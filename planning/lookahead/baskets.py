"""Shadow prices from the orders' baskets: one fluid LP over every SKU, so a split costs a parcel.

The per-SKU LP (`shadow_prices`) charges each unit on its own; it cannot see that the last units
of one SKU at a location decide whether a later order of several SKUs ships as one parcel or as
two. Jasin & Sinha's (2015) deterministic LP can: expected orders of each basket (SKUs and units)
from each region over the horizon, each basket's units served from the locations' stock (or
lost), and a parcel charged per location a basket draws from (a fractional parcel: the LP is the
fluid relaxation). The dual value of each (location, SKU) stock row is the shadow price: how much
more the rest of the horizon costs with one unit less there, split parcels included.

Pure numeric code (numpy and scipy's HiGHS). Entry point: `basket_shadow_prices(network)`. An LP
that fails gives no prices and says why (`BasketPrices.error`); callers route without look-ahead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

__all__ = ["Basket", "BasketNetwork", "BasketPrices", "basket_shadow_prices"]


@dataclass(frozen=True, slots=True)
class Basket:
    """Orders expected over the horizon (`orders`, may be fractional) of these units, to region `region`."""

    region: int
    units: Mapping[str, int]
    orders: float


@dataclass(frozen=True, slots=True)
class BasketNetwork:
    """Stock, expected baskets and costs of a network.

    - `stock[i]`: units of each SKU at location i now (missing: none);
    - `unit_cost[i][r]`: dollars per unit sent from location i to region r (inf: cannot);
    - `parcel_cost[i][r]`: dollars per parcel from location i to region r (handling, box);
    - `lost_sale[r]`: dollars per unit of region r no location serves.
    """

    locations: Sequence[str]
    regions: Sequence[str]
    stock: Sequence[Mapping[str, float]]
    baskets: Sequence[Basket]
    unit_cost: Sequence[Sequence[float]]
    parcel_cost: Sequence[Sequence[float]]
    lost_sale: Sequence[float]


@dataclass(frozen=True, slots=True)
class BasketPrices:
    """`prices[location][sku]`: dollars (> 0 only) per unit used there now; `serves[location][sku]`: the
    region the priced stock serves most in the plan; `error` says why there are none."""

    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    serves: dict[str, dict[str, str]] = field(default_factory=dict)
    expected_cost: float = 0.0
    error: str = ""


@dataclass
class _Lp:
    """The LP in coordinate form, built column by column."""

    cost: list[float] = field(default_factory=list)
    eq_rows: list[int] = field(default_factory=list)
    eq_cols: list[int] = field(default_factory=list)
    links: list[tuple[int, int]] = field(default_factory=list)  # (unit column, parcel column): unit share <= parcel
    stock_terms: dict[tuple[int, str], list[tuple[int, float, int]]] = field(
        default_factory=dict
    )  # (col, units, region)
    demands: int = 0

    def column(self, cost: float) -> int:
        self.cost.append(cost)
        return len(self.cost) - 1


def basket_shadow_prices(network: BasketNetwork) -> BasketPrices:
    """Solve the baskets' fluid LP and read the stock rows' dual values (see the module docstring)."""
    try:
        return _solve(network)
    except (ValueError, ArithmeticError) as error:
        return BasketPrices(error=f"{type(error).__name__}: {error}")


def _build(network: BasketNetwork) -> _Lp:
    """One demand row per (basket, SKU): its share served from each location holding the SKU, or lost."""
    n_loc, n_reg = len(network.locations), len(network.regions)
    unit = np.asarray(network.unit_cost, dtype=float).reshape(n_loc, n_reg)
    parcel = np.asarray(network.parcel_cost, dtype=float).reshape(n_loc, n_reg)
    lost = np.asarray(network.lost_sale, dtype=float).reshape(n_reg)
    if not np.isfinite(lost).all() or (lost < 0).any():
        raise ValueError("every region needs a finite lost-sale cost")
    lp = _Lp()
    for basket in network.baskets:
        if basket.orders < 0 or any(count < 0 for count in basket.units.values()):
            raise ValueError("expected orders and units must not be negative")
        if basket.orders == 0:
            continue
        r = basket.region
        parcels: dict[int, int] = {}
        for sku, count in sorted(basket.units.items()):
            if count == 0:
                continue
            for i in range(n_loc):
                if network.stock[i].get(sku, 0) <= 0 or not math.isfinite(float(unit[i, r])):
                    continue
                if i not in parcels:
                    parcels[i] = lp.column(basket.orders * float(parcel[i, r]))
                share = lp.column(basket.orders * count * float(unit[i, r]))
                lp.eq_rows.append(lp.demands)
                lp.eq_cols.append(share)
                lp.links.append((share, parcels[i]))
                lp.stock_terms.setdefault((i, sku), []).append((share, basket.orders * count, r))
            lp.eq_rows.append(lp.demands)
            lp.eq_cols.append(lp.column(basket.orders * count * float(lost[r])))
            lp.demands += 1
    return lp


def _solve(network: BasketNetwork) -> BasketPrices:
    if any(value < 0 for held in network.stock for value in held.values()):
        raise ValueError("stock must not be negative")
    lp = _build(network)
    prices: dict[str, dict[str, float]] = {code: {} for code in network.locations}
    serves: dict[str, dict[str, str]] = {code: {} for code in network.locations}
    if not lp.demands:
        return BasketPrices(prices, serves)
    stock_rows = sorted(lp.stock_terms)
    rows, cols, values = [], [], []
    for row, (share, parcel) in enumerate(lp.links):
        rows += [row, row]
        cols += [share, parcel]
        values += [1.0, -1.0]
    for offset, key in enumerate(stock_rows):
        for share, units, _region in lp.stock_terms[key]:
            rows.append(len(lp.links) + offset)
            cols.append(share)
            values.append(units)
    bound = [0.0] * len(lp.links) + [float(network.stock[i][sku]) for i, sku in stock_rows]
    a_ub = sparse.csr_matrix((values, (rows, cols)), shape=(len(bound), len(lp.cost)))
    a_eq = sparse.csr_matrix((np.ones(len(lp.eq_rows)), (lp.eq_rows, lp.eq_cols)), shape=(lp.demands, len(lp.cost)))
    result = linprog(
        np.array(lp.cost), A_ub=a_ub, b_ub=bound, A_eq=a_eq, b_eq=np.ones(lp.demands), bounds=(0, None), method="highs"
    )
    if result.status != 0:
        raise ArithmeticError(f"LP not solved: {result.message}")
    marginals = np.asarray(result.ineqlin.marginals, dtype=float)[len(lp.links) :]
    for (i, sku), marginal in zip(stock_rows, marginals, strict=True):
        if -marginal <= 1e-9:
            continue
        code = network.locations[i]
        prices[code][sku] = -float(marginal)
        sent = np.zeros(len(network.regions))
        for share, units, region in lp.stock_terms[(i, sku)]:
            sent[region] += units * float(result.x[share])
        if sent.max() > 1e-9:
            serves[code][sku] = network.regions[int(np.argmax(sent))]
    return BasketPrices(prices, serves, expected_cost=float(result.fun))
