"""Look-ahead policies for the routing benchmark's quality part: shadow prices from `planning.lookahead`.

Every `RESOLVE_EVERY` of the horizon the fluid LP of the orders still to come is solved again on
the stock left (`basket_shadow_prices`: each (city, order type) a basket, the centres the
locations, a parcel per centre a basket draws from, no replenishment within the horizon), and the
router adds each (centre, item) dual value to every unit it takes there. The product refreshes its
prices on a schedule and after large stock changes; re-solving as stock drains mirrors that.
- `lookahead`: the instance's true arrival rates (city share x order type share);
- `lookahead-learned`: the first `LEARN_SHARE` of the orders are routed without prices; from then
  on the rates are the (city, order type) counts of every order seen so far (re-estimated at each
  solve, so they sharpen as the horizon goes on);
- `lookahead-sku` (not run by default, for comparison): the per-SKU transportation LP
  (`shadow_prices`, true rates) that charges a whole parcel per unit, prices x `SKU_PRICE_SCALE`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import numpy as np

from planning.lookahead import Basket, BasketNetwork, SkuNetwork, basket_shadow_prices, shadow_prices

RESOLVE_EVERY = 0.02  # share of the horizon between two solves
LEARN_SHARE = 0.2
# The per-SKU LP cannot see that a unit taken far away also splits later orders into more packages;
# weighting its prices up pays for part of that (first instance, T=10,000, solved every 2%):
# x0.5 1.072, x1 1.058, x1.5 1.050, x2 1.0495, x3 1.0493 cost_over_lp. The baskets' LP sees it.
SKU_PRICE_SCALE = 2.0
POLICIES = ("lookahead", "lookahead-learned", "lookahead-sku")


class InstanceLike(Protocol):
    """What the look-ahead reads of a quality instance (bench.routing.Instance)."""

    miles: np.ndarray
    types: list[tuple[int, ...]]
    city_p: np.ndarray
    type_p: np.ndarray
    lost: np.ndarray


def first_priced(policy: str, orders: int) -> int:
    """The first order routed with prices: the learned variant first watches `LEARN_SHARE` of them."""
    return int(LEARN_SHARE * orders) if policy == "lookahead-learned" else 0


def type_rates(inst: InstanceLike, policy: str, seen: Sequence[tuple[int, int]]) -> np.ndarray:
    """Share of the orders per (city, order type): the true one, or as counted in the orders seen."""
    if policy != "lookahead-learned":
        return np.outer(inst.city_p, inst.type_p)
    counts = np.zeros((len(inst.city_p), len(inst.types)))
    for city, type_index in seen:
        counts[city, type_index] += 1
    return counts / max(1, len(seen))


def prices(
    inst: InstanceLike,
    inventory: np.ndarray,
    policy: str,
    seen: Sequence[tuple[int, int]],
    orders_left: int,
    costs: tuple[float, float, float],
) -> list[dict[str, Decimal]]:
    """Per centre: the shadow price of one unit of each item it holds (dollars), for this policy.

    `costs` is the instance's (per package, per unit, per unit-mile) in dollars.
    """
    package, per_unit, per_mile = costs
    unit_cost = per_unit + per_mile * inst.miles
    if policy == "lookahead-sku":
        return _per_sku(inst, inventory, orders_left, unit_cost + package)
    rates = type_rates(inst, policy, seen)
    centres = [str(f) for f in range(inventory.shape[0])]
    result = basket_shadow_prices(
        BasketNetwork(
            locations=centres,
            regions=[str(c) for c in range(rates.shape[0])],
            stock=[{f"item-{i}": float(n) for i, n in enumerate(row) if n > 0} for row in inventory],
            baskets=[
                Basket(region=c, units={f"item-{i}": 1 for i in inst.types[t]}, orders=orders_left * rates[c, t])
                for c, t in zip(*np.nonzero(rates), strict=True)
            ],
            unit_cost=unit_cost.tolist(),
            parcel_cost=np.full(unit_cost.shape, package).tolist(),
            lost_sale=inst.lost.tolist(),
        )
    )
    if result.error:
        raise RuntimeError(f"look-ahead LP failed: {result.error}")
    return [{sku: Decimal(f"{price:.4f}") for sku, price in result.prices[code].items()} for code in centres]


def _per_sku(
    inst: InstanceLike, inventory: np.ndarray, orders_left: int, unit_cost: np.ndarray
) -> list[dict[str, Decimal]]:
    """The per-SKU transportation LP's prices (true rates), a whole package charged per unit."""
    item_p = np.zeros(inventory.shape[1])
    for t, members in enumerate(inst.types):
        item_p[list(members)] += inst.type_p[t]
    rates = np.outer(inst.city_p, item_p)
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
            weight=SKU_PRICE_SCALE,
        )
        for f, code in enumerate(centres):
            price = result.prices[code]
            if price > 0 and inventory[f, item] > 0:
                found[f][f"item-{item}"] = Decimal(f"{price:.4f}")
    return found
