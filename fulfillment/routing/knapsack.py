"""Splitting the units two sites both hold when what a unit costs besides the carrier differs SKU by SKU."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .problem import Problem

MAX_KNAPSACK_CELLS = 4_000_000  # chunks x weights kept to rebuild the split; beyond, a greedy split


def pair_split_premium(
    problem: Problem, sites: tuple[int, ...], x: dict[int, list[int]], flex: Sequence[tuple[int, int, Sequence[Any]]]
) -> float:
    """For two sites, the least their carrier prices rise by taking the flexible units (sku, count, holders),
    however they are split (a bound: it looks at their weight only); 0 for any other number of sites."""
    if len(sites) != 2 or not flex:
        return 0.0
    i, j = sites
    weight_i, weight_j = problem.parcel_weight(x[i]), problem.parcel_weight(x[j])
    shared = sum(int(problem.weight[sku]) * count for sku, count, _ in flex)
    floor = problem.split_price_floor(i, j, weight_i, weight_j, shared)
    return floor - problem.price_at(i, weight_i) - problem.price_at(j, weight_j)


def split_pair_by_sku(
    problem: Problem, i: int, j: int, x_i: list[int], x_j: list[int], shared: list[tuple[int, int]]
) -> bool:
    """Give the shared units to `i` or `j` (in place) when what a unit costs besides the carrier
    differs SKU by SKU; False if not searched exactly.

    For every weight `i` could take, the least extra rate of a set of units of that weight
    (a 0/1 knapsack over binary chunks of each SKU's units, in numpy); then the weight whose
    two carrier prices plus that rate are cheapest.
    """
    p = problem
    rates = p.rates
    base_i = int(np.dot(x_i, p.weight))
    base_j = int(np.dot(x_j, p.weight))
    chunks: list[tuple[int, int, int, float]] = []  # (sku, units, weight, extra rate at i over j)
    for sku, count in shared:
        delta = float(rates[i, sku] - rates[j, sku])
        size = 1
        while count > 0:
            take = min(size, count)
            chunks.append((sku, take, take * int(p.weight[sku]), delta * take))
            count -= take
            size *= 2
    step = math.gcd(*(weight for _, _, weight, _ in chunks)) or 1
    total = sum(weight for _, _, weight, _ in chunks) // step
    if (total + 1) * len(chunks) > MAX_KNAPSACK_CELLS:
        for sku, count in shared:
            (x_i if float(rates[i, sku]) <= float(rates[j, sku]) else x_j)[sku] += count
        return False
    cost = np.full(total + 1, math.inf)
    cost[0] = 0.0
    taken: list[np.ndarray] = []
    for _, _, weight, extra in chunks:
        shift = weight // step
        moved = np.full(total + 1, math.inf)
        moved[shift:] = cost[: total + 1 - shift] + extra
        better = moved < cost - 1e-9
        taken.append(better)
        cost = np.where(better, moved, cost)
    given = np.arange(total + 1) * step
    width = p.price.shape[1]
    shared_weight = total * step

    def prices(site: int, weights: np.ndarray) -> np.ndarray:
        k = np.searchsorted(p.breaks, weights, side="left")
        return np.where(k < width, p.price[site, np.minimum(k, width - 1)], math.inf)

    totals = prices(i, base_i + given) + prices(j, base_j + shared_weight - given) + cost
    best = int(np.argmin(totals))
    if not math.isfinite(float(totals[best])):
        for sku, count in shared:
            (x_i if float(rates[i, sku]) <= float(rates[j, sku]) else x_j)[sku] += count
        return True
    for (sku, units, weight, _), better in zip(reversed(chunks), reversed(taken), strict=True):
        if better[best]:
            x_i[sku] += units
            best -= weight // step
        else:
            x_j[sku] += units
    return True
