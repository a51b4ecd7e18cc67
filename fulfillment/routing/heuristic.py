"""The heuristic used when the exact search runs out of budget, and to seed it.

1. Greedy cover: starting from a plan (or nothing), repeatedly open the site with the lowest
   cost per unit it would newly cover, while that beats backordering those units.
2. Local improvement, until nothing improves: fill backorders from spare stock of sites in
   the plan; drop a site and hand its units to the others (or backorder them); swap a site
   for one outside the plan that holds its units. Each move is kept only if the plan's total
   cost falls.
"""

from __future__ import annotations

import math

import numpy as np

from .problem import EPS, Problem, Solution

MAX_SWAP_CANDIDATES = 12
MAX_ROUNDS = 6


def _assignment(solution: Solution) -> dict[int, list[int]]:
    return {site: list(quantities) for site, quantities in zip(solution.sites, solution.quantities, strict=True)}


def _group_owner(problem: Problem, assignment: dict[int, list[int]]) -> dict[int, int]:
    owner: dict[int, int] = {}
    for g, group in enumerate(problem.groups):
        for site, quantities in assignment.items():
            if any(quantities[s] for s in group):
                owner[g] = site
    return owner


def _sku_group(problem: Problem) -> dict[int, int]:
    return {sku: g for g, group in enumerate(problem.groups) for sku in group}


def _top_up(problem: Problem, assignment: dict[int, list[int]]) -> None:
    """Give backordered units to sites already in the plan that have them spare (cheapest site first)."""
    p = problem
    sku_group = _sku_group(p)
    owner = _group_owner(p, assignment)
    shipped = np.zeros(len(p.skus), dtype=np.int64)
    for quantities in assignment.values():
        shipped += np.asarray(quantities)
    for sku in range(len(p.skus)):
        missing = int(p.qty[sku] - shipped[sku])
        if missing <= 0:
            continue
        for site in sorted(assignment, key=lambda s: (float(p.unit[s] + p.extra[s, sku]), s)):
            g = sku_group.get(sku)
            if g is not None and owner.get(g, site) != site:
                continue
            spare = int(p.avail[site, sku]) - assignment[site][sku]
            take = min(spare, missing)
            if take <= 0:
                continue
            trial = list(assignment[site])
            trial[sku] += take
            gain = p.backorder * take - (p.shipment_cost(site, trial) - p.shipment_cost(site, assignment[site]))
            if gain > EPS:
                assignment[site] = trial
                missing -= take
                if g is not None:
                    owner[g] = site
            if missing == 0:
                break


def greedy_cover(problem: Problem, start: Solution | None = None) -> Solution:
    """Greedy by cost per unit covered, then `improve`."""
    p = problem
    assignment = _assignment(start) if start is not None else {}
    sku_group = _sku_group(p)
    limit = p.max_packages
    while limit is None or len(assignment) < limit:
        shipped = np.zeros(len(p.skus), dtype=np.int64)
        for quantities in assignment.values():
            shipped += np.asarray(quantities)
        remaining = p.qty - shipped
        if not remaining.any():
            break
        owner = _group_owner(p, assignment)
        best: tuple[float, int, list[int]] | None = None
        for site in range(len(p.sites)):
            if site in assignment:
                continue
            take = np.minimum(remaining, p.avail[site]).tolist()
            for sku, g in sku_group.items():
                if g in owner:
                    take[sku] = 0
            units = sum(take)
            if not units:
                continue
            cost = p.shipment_cost(site, take)
            if not math.isfinite(cost) or cost >= p.backorder * units - EPS:
                continue
            ratio = cost / units
            if best is None or ratio < best[0] - EPS:
                best = (ratio, site, take)
        if best is None:
            break
        assignment[best[1]] = best[2]
    return improve(p, p.solution(assignment))


def improve(problem: Problem, solution: Solution) -> Solution:
    """Local search from `solution` (top-up, drop, swap); never returns a costlier plan."""
    p = problem
    best = solution
    for _ in range(MAX_ROUNDS):
        improved = False
        trial = _assignment(best)
        _top_up(p, trial)
        candidate = p.solution(trial)
        if candidate.key() < best.key():
            best, improved = candidate, True
        for site in best.sites:
            trial = _assignment(best)
            del trial[site]
            _top_up(p, trial)
            candidate = p.solution(trial)
            if candidate.key() < best.key():
                best, improved = candidate, True
                break
        outside = [s for s in np.argsort(p.fixed + p.price[:, 0], kind="stable").tolist() if s not in best.sites]
        for site in best.sites:
            current = _assignment(best)
            wanted = current.pop(site)
            for other in outside[:MAX_SWAP_CANDIDATES]:
                if other in current:
                    continue
                trial = {s: list(q) for s, q in current.items()}
                trial[other] = [min(int(p.avail[other, sku]), q) for sku, q in enumerate(wanted)]
                _top_up(p, trial)
                candidate = p.solution(trial)
                if candidate.key() < best.key():
                    best, improved = candidate, True
        if not improved:
            break
    return best
