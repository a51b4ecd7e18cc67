"""Exact enumeration of plans by number of sites, pruned and proven with lower bounds.

Why "ship everything the chosen sites can" is safe: if no unit costs more to add to a parcel
than its backorder penalty (`fill_is_optimal`: per-unit rate plus the largest price step the
unit's weight can cause), adding a missing unit to a site of the plan never costs more than
backordering it, so for a given set of sites (and a given keep-together assignment) some
optimal plan ships every unit those sites can. `split.evaluate_set` then finds the cheapest
way to do so. Sets are tried in order of a lower bound, by size: one site, two, three...

Lower bounds: a site that ships costs at least `base` (fixed cost + price of the lightest
bracket). Beyond the first bracket, its price grows at least at `slope` cents per gram
(the steepest line under its price steps), so the weight of shipped units costs at least
the smallest slope among the sites times their weight, minus one free first bracket per
site; every unit not shipped costs the backorder penalty.
"""

from __future__ import annotations

import math
from bisect import insort
from functools import lru_cache
from itertools import combinations

import numpy as np

from .budget import Budget
from .problem import EPS, Problem, Solution
from .split import evaluate_set

MAX_SETS = 60_000  # sets of one size scored at once; beyond that the enumeration gives up
RUNNERS_UP = 4  # two-site plans kept besides the best, for the plan's alternatives
_TIE = 1e-3  # cents: `Solution.key` rounds costs to 1e-4, so a pair this close to a kept one is split anyway


class Singles:
    """Every one-site plan (ship all it holds), vectorised, and each site's cost floor."""

    def __init__(self, problem: Problem) -> None:
        p = problem
        fill = p.avail
        self.weight = fill @ p.weight
        self.units = fill.sum(axis=1)
        bracket = np.searchsorted(p.breaks, self.weight, side="left")
        width = p.price.shape[1]
        rows = np.arange(len(p.sites))
        price = p.price[rows, np.minimum(bracket, width - 1)] if width else np.zeros(len(p.sites))
        price = np.where(bracket < width, price, math.inf)
        self.shipment = p.fixed + price + p.unit * self.units + (fill * p.extra).sum(axis=1)
        self.cost = np.where(self.units > 0, self.shipment + p.backorder * (p.total_units - self.units), math.inf)
        self.base = np.where(self.units > 0, p.fixed + (p.price[:, 0] if width else 0.0), math.inf)
        self.first = float(p.breaks[0]) if width and math.isfinite(float(p.breaks[0])) else 0.0
        if width > 1 and self.first > 0:
            rise = (p.price[:, 1:] - p.price[:, :1]) / (p.breaks[1:] - p.breaks[0])[None, :]
            self.slope = np.nan_to_num(rise.min(axis=1), nan=0.0, posinf=0.0)
        else:
            self.slope = np.zeros(len(p.sites))
        # what a site costs at least, before its units' weight: base less one free first bracket
        self.floor = self.base - self.slope * self.first

    def solution(self, problem: Problem, site: int) -> Solution:
        """The one-site plan of `site`."""
        return Solution(float(self.cost[site]), (site,), (tuple(int(q) for q in problem.avail[site]),))

    def best(self, problem: Problem, count: int) -> list[Solution]:
        """The `count` cheapest one-site plans, in deterministic order."""
        order = sorted(range(len(problem.sites)), key=lambda s: (round(float(self.cost[s]), 4), s))
        return [self.solution(problem, s) for s in order[:count] if math.isfinite(float(self.cost[s]))]


def _largest_step(problem: Problem, singles: Singles, sites: np.ndarray, added: np.ndarray) -> np.ndarray:
    """Per site: the most its price can rise when a unit of `added` grams joins any parcel it could ship."""
    p = problem
    width = p.price.shape[1]
    breaks = p.breaks
    lower = np.concatenate(([-1.0], breaks[:-1]))
    # in bracket k, adding the unit costs most when the parcel is as heavy as that bracket allows
    top = np.minimum(breaks[None, :], (singles.weight[sites] - added)[:, None].astype(float))
    valid = (top > lower[None, :]) & (top >= 0)
    after = np.searchsorted(breaks, (top + added[:, None]).ravel(), side="left").reshape(top.shape)
    rows = sites[:, None]
    price_after = np.where(after < width, p.price[rows, np.minimum(after, width - 1)], math.inf)
    jump = np.where(valid, price_after - p.price[sites], 0.0)
    return np.asarray(jump.max(axis=1))


def unsafe_skus(problem: Problem, singles: Singles) -> list[int] | None:
    """SKUs for which "ship all the chosen sites hold" may not be optimal (see module docstring).

    A SKU is safe when adding one of its units to any parcel of any holder costs at most the
    backorder penalty (per-unit rate plus the largest price step its weight can cause). None
    if some site cannot carry all it holds in one parcel (nothing is safe then).
    """
    p = problem
    shipping = singles.units > 0
    if not np.isfinite(singles.shipment[shipping]).all():
        return None
    everyone = np.flatnonzero(shipping)
    heaviest = np.where(p.avail[everyone] > 0, p.weight[None, :], 0).max(axis=1).astype(float)
    rates = p.rates
    dearest = p.unit[everyone] + (p.extra[everyone].max(axis=1) if p.extra.size else 0.0)
    if p.backorder >= float((dearest + _largest_step(p, singles, everyone, heaviest)).max(initial=0.0)) - EPS:
        return []
    unsafe = []
    for sku in range(len(p.skus)):
        holders = np.flatnonzero(p.avail[:, sku] > 0)
        if not len(holders):
            continue
        step = _largest_step(p, singles, holders, np.full(len(holders), float(p.weight[sku])))
        if p.backorder < float((rates[holders, sku] + step).max()) - EPS:
            unsafe.append(sku)
    return unsafe


def unit_floor(problem: Problem, singles: Singles | None = None) -> float:
    """Least cost of the units alone, each shipped or backordered.

    A shipped unit costs at least the cheapest per-unit rate of a holder plus (with
    `singles`) its weight at the smallest slope among its holders; `Singles.floor` has
    already taken one free first bracket off each site.
    """
    p = problem
    total = 0.0
    rates = p.rates
    for sku in range(len(p.skus)):
        holders = p.avail[:, sku] > 0
        can = min(int(p.qty[sku]), int(p.avail[:, sku].sum()))
        if can:
            cheapest = float(rates[holders, sku].min())
            if singles is not None:
                cheapest += float(singles.slope[holders].min()) * float(p.weight[sku])
            total += can * min(cheapest, p.backorder)
        total += (int(p.qty[sku]) - can) * p.backorder
    return total


def lower_bound_multi(problem: Problem, singles: Singles, sites_at_least: int) -> float:
    """Least cost of any plan using at least `sites_at_least` sites."""
    if len(problem.sites) < sites_at_least:
        return math.inf
    floors = np.sort(singles.floor)[:sites_at_least]
    return float(floors.sum()) + unit_floor(problem, singles)


def pair_lower_bounds(problem: Problem, singles: Singles, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Lower bound of each two-site plan (`first[k]`, `second[k]`), one per pair.

    The larger of: each site's price at the weight only it can carry; or the smaller slope of
    the two times the weight shipped. Plus per-unit rates (per SKU: the unit's cheaper holder for
    what both hold) and backordered units.
    """
    p = problem
    a_i = p.avail[first]
    a_j = p.avail[second]
    both = np.minimum(a_i + a_j, p.qty)
    only_i = np.maximum(0, both - a_j)
    only_j = np.maximum(0, both - a_i)
    filled = both.sum(axis=1)
    width = p.price.shape[1]
    bracket_i = np.minimum(np.searchsorted(p.breaks, only_i @ p.weight, side="left"), width - 1)
    bracket_j = np.minimum(np.searchsorted(p.breaks, only_j @ p.weight, side="left"), width - 1)
    price = p.price
    forced = price[first, bracket_i] + price[second, bracket_j] - price[first, 0] - price[second, 0]
    slope = np.minimum(singles.slope[first], singles.slope[second])
    by_slope = slope * ((both @ p.weight) - 2 * singles.first)
    rate_i = p.rates[first]
    rate_j = p.rates[second]
    shared = both - only_i - only_j
    units = (
        (only_i * rate_i).sum(axis=1)
        + (only_j * rate_j).sum(axis=1)
        + (shared * np.minimum(rate_i, rate_j)).sum(axis=1)
    )
    bound = (
        singles.base[first]
        + singles.base[second]
        + np.maximum(forced, by_slope)
        + units
        + p.backorder * (p.total_units - filled)
    )
    return np.asarray(bound)


def _promising(singles: Singles, problem: Problem, best: Solution, size: int) -> np.ndarray:
    """Sites that could be part of a `size`-site plan cheaper than `best`."""
    floors = singles.floor
    order = np.argsort(floors, kind="stable")
    others = float(floors[order[: size - 1]].sum())
    rest = np.full(len(floors), others)
    # a site among the cheapest size-1 is replaced by the next one
    spare = float(floors[order[size - 1]]) if len(order) >= size else math.inf
    for position in order[: size - 1].tolist():
        rest[position] = others - float(floors[position]) + spare
    return np.flatnonzero(floors + rest + unit_floor(problem, singles) < best.cost - EPS)


def best_pairs(
    problem: Problem, singles: Singles, incumbent: Solution, budget: Budget | None = None
) -> tuple[Solution, list[Solution], bool]:
    """Search two-site plans cheaper than `incumbent`, in order of `pair_lower_bounds`.

    Returns the best plan (the incumbent if no pair beats it), the pairs evaluated (for
    runner-ups) and whether every pair that could beat it was solved exactly (False also when
    the work budget ran out first).
    """
    p = problem
    budget = budget or Budget()
    best = incumbent
    seen: list[Solution] = []
    if len(p.sites) < 2:
        return best, seen, True
    promising = _promising(singles, p, best, 2)
    if len(promising) < 2:
        return best, seen, True
    # the full bound only for pairs whose two cost floors leave room under the incumbent: on big
    # networks most pairs fail this cheap test, and the full bound is sites^2 x SKUs of arrays
    upper = np.triu_indices(len(promising), k=1)
    floors = singles.floor[promising]
    rough = floors[upper[0]] + floors[upper[1]] + unit_floor(p, singles)
    keep = rough < best.cost - EPS
    first, second = promising[upper[0][keep]], promising[upper[1][keep]]
    pair_bounds = pair_lower_bounds(p, singles, first, second)
    exact = True
    runners_up: list[float] = []  # the costs of the cheapest pairs split so far, at most RUNNERS_UP
    for position in np.argsort(pair_bounds, kind="stable").tolist():
        if float(pair_bounds[position]) >= best.cost - EPS:
            break
        if not budget.take():
            return best, seen, False
        pair = (int(first[position]), int(second[position]))
        # a pair that can beat neither the best nor the runners-up kept so far is not split
        cutoff = max(best.cost, runners_up[-1]) + _TIE if len(runners_up) == RUNNERS_UP else math.inf
        found, solved = evaluate_set(p, pair, cutoff)
        exact = exact and solved
        if found is None:
            continue
        seen.append(found)
        insort(runners_up, found.cost)
        del runners_up[RUNNERS_UP:]
        if found.key() < best.key():
            best = found
    seen.sort(key=Solution.key)
    return best, seen[:RUNNERS_UP], exact


@lru_cache(maxsize=64)
def _combinations(count: int, size: int) -> np.ndarray:
    return np.array(list(combinations(range(count), size)), dtype=np.int64).reshape(-1, size)


def set_lower_bounds(problem: Problem, singles: Singles, sets: np.ndarray) -> np.ndarray:
    """Lower bound of the plan of each set of sites (rows of `sets`), shipping all they hold.

    Base costs, plus the larger of two bounds on the price of weight: what only one member
    holds must ship from it (its price at that weight); or each SKU's weight at the smallest
    slope among the members holding it, less one free first bracket per member. Plus
    per-unit rates (cheapest holder) and backorders.
    """
    p = problem
    held = p.avail[sets]  # sets x members x SKUs
    total_held = held.sum(axis=1)
    covered = np.minimum(total_held, p.qty)
    slopes = singles.slope[sets]
    holder_slope = np.where(held > 0, slopes[:, :, None], np.inf).min(axis=1)
    holder_slope = np.where(covered > 0, holder_slope, 0.0)
    by_slope = (covered * p.weight * holder_slope).sum(axis=1) - slopes.sum(axis=1) * singles.first
    only = np.maximum(0, covered[:, None, :] - (total_held[:, None, :] - held))
    width = p.price.shape[1]
    bracket = np.minimum(np.searchsorted(p.breaks, (only @ p.weight).ravel(), side="left"), width - 1)
    members = sets.ravel()
    forced = (p.price[members, bracket] - p.price[members, 0]).reshape(sets.shape).sum(axis=1)
    holder_unit = np.where(held > 0, p.rates[sets], np.inf).min(axis=1)
    units = (covered * np.where(covered > 0, holder_unit, 0.0)).sum(axis=1)
    return np.asarray(
        singles.base[sets].sum(axis=1)
        + np.maximum(by_slope, forced)
        + units
        + p.backorder * (p.total_units - covered.sum(axis=1))
    )


def best_sets(
    problem: Problem, singles: Singles, incumbent: Solution, size: int, budget: Budget | None = None
) -> tuple[Solution, list[Solution], bool]:
    """Search plans of exactly `size` sites (three or more) cheaper than `incumbent`.

    Every such set is scored with `set_lower_bounds` and solved exactly in that order until
    the bound reaches the best plan. Returns the best plan, those evaluated, and False if there
    were too many sets to score or the work budget ran out (the search is then incomplete).
    """
    p = problem
    budget = budget or Budget()
    best = incumbent
    promising = _promising(singles, p, best, size)
    if len(promising) < size:
        return best, [], True
    if math.comb(len(promising), size) > MAX_SETS:
        return best, [], False
    sets = promising[_combinations(len(promising), size)]
    rough = singles.floor[sets].sum(axis=1) + unit_floor(p, singles)
    sets = sets[rough < best.cost - EPS]
    if not len(sets):
        return best, [], True
    bound = np.concatenate(
        [set_lower_bounds(p, singles, sets[start : start + 4096]) for start in range(0, len(sets), 4096)]
    )
    seen: list[Solution] = []
    exact = True
    for index in np.argsort(bound, kind="stable").tolist():
        if float(bound[index]) >= best.cost - EPS:
            break
        if not budget.take():
            return best, seen, False
        found, solved = evaluate_set(p, tuple(int(s) for s in sets[index]), best.cost)
        exact = exact and solved
        if found is None:
            continue
        seen.append(found)
        if found.key() < best.key():
            best = found
    seen.sort(key=Solution.key)
    return best, seen[:4], exact


def enumerate_plans(
    problem: Problem, singles: Singles, budget: Budget | None = None
) -> tuple[Solution, list[Solution], bool]:
    """Best plan by sets of one, two, three... sites, assuming shipping all they hold is optimal.

    Stops when the lower bound of plans with more sites reaches the best (proven: True), or
    when a size has too many sets to score or the work budget runs out (False).
    """
    p = problem
    pool = singles.best(p, 4)
    best = min([*pool, p.empty()], key=Solution.key)
    limit = p.max_packages if p.max_packages is not None else len(p.sites)
    for size in range(2, limit + 1):
        if best.cost <= lower_bound_multi(p, singles, size) + EPS:
            break
        if size == 2:
            best, seen, solved = best_pairs(p, singles, best, budget)
        else:
            best, seen, solved = best_sets(p, singles, best, size, budget)
        pool.extend(seen)
        if not solved:
            return best, pool, False
    return best, pool, True
