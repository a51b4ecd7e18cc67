"""Look-ahead policies for the routing benchmark's quality part: shadow prices from `planning.lookahead`.

Every `RESOLVE_EVERY` orders each item's transportation LP is solved again on the stock left and
the orders still to come (cities are the regions, centres the locations, no replenishment within
the horizon), and the router adds each centre's price to every unit it takes there.
- `lookahead`: demand rates are the instance's true ones (city share x item share per order);
- `lookahead-learned`: the first `LEARN_SHARE` of the orders are routed without prices and
  counted; the rates are those counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import numpy as np

from planning.lookahead import SkuNetwork, shadow_prices

RESOLVE_EVERY = 0.02  # share of the horizon between two solves
LEARN_SHARE = 0.2
# The per-SKU LP cannot see that a unit taken far away also splits later orders into more packages;
# weighting its prices up pays for that. On the first instance (T=10,000, solved every 2%):
# x0.5 1.072, x1 1.058, x1.5 1.050, x2 1.0495, x3 1.0493 cost_over_lp.
PRICE_SCALE = 2.0


class InstanceLike(Protocol):
    """What the look-ahead reads of a quality instance (bench.routing.Instance)."""

    miles: np.ndarray
    carries: np.ndarray
    types: list[tuple[int, ...]]
    city_p: np.ndarray
    type_p: np.ndarray
    lost: np.ndarray
    orders: int


def true_rates(inst: InstanceLike) -> np.ndarray:
    """Units of each item per order, by city (cities x items)."""
    item_p = np.zeros(inst.carries.shape[1])
    for t, members in enumerate(inst.types):
        item_p[list(members)] += inst.type_p[t]
    return np.outer(inst.city_p, item_p)


def learned_rates(inst: InstanceLike, seen: Sequence[tuple[int, int]]) -> np.ndarray:
    """Units of each item per order, by city, as counted in the orders seen."""
    counts = np.zeros((len(inst.city_p), inst.carries.shape[1]))
    for city, type_index in seen:
        counts[city, list(inst.types[type_index])] += 1
    return counts / max(1, len(seen))


def prices(
    inst: InstanceLike, inventory: np.ndarray, rates: np.ndarray, orders_left: int, unit_cost: np.ndarray
) -> list[dict[str, Decimal]]:
    """Per centre: the shadow price of one unit of each item it holds (dollars)."""
    found: list[dict[str, Decimal]] = [{} for _ in range(inventory.shape[0])]
    centres = [str(f) for f in range(inventory.shape[0])]
    for item in range(inventory.shape[1]):
        if not inventory[:, item].any():
            continue
        result = shadow_prices(
            SkuNetwork(
                locations=centres,
                regions=[str(c) for c in range(rates.shape[0])],
                stock=inventory[:, item].tolist(),
                replenish_in_days=[float("inf")] * len(centres),
                demand_per_day=rates[:, item].tolist(),
                unit_cost=unit_cost.tolist(),
                lost_sale=inst.lost.tolist(),
                horizon_days=float(orders_left),
            ),
            weight=PRICE_SCALE,
        )
        for f, code in enumerate(centres):
            price = result.prices[code]
            if price > 0 and inventory[f, item] > 0:
                found[f][f"item-{item}"] = Decimal(f"{price:.4f}")
    return found
