"""The exact model of one routing problem as a MILP, solved with HiGHS (highspy).

Variables, for each site `l` offered to the model:
- `y_l` binary: the site ships a package;
- `x_ls` integer in [0, ATP]: units of SKU `s` it ships (`x_ls <= ATP_ls * y_l`);
- the carrier price as a function of the parcel weight, exactly: the site's price over the
  weight brackets is cut into runs where it is flat (one binary `z`, "the parcel fits the
  run's heaviest bracket") or affine in the bracket index (a binary `z` and an integer
  bracket index `k`, price `alpha z + slope k`, capacity `beta z + delta k`). One run is
  chosen when the site ships; the parcel's weight must fit the chosen bracket. Bracket
  limits are integer grams, so `W <= beta + delta k` is written with half a gram of slack;
- `b_s` >= 0: backordered units of `s`, at the backorder penalty;
- `g_tl` binary per keep-together group: the group's units ship only from site `l`.
Rows: every unit ships or is backordered; at most `max_packages` sites; at most one site per
group. Ties are broken by a tiny cost per site used (fewer packages, then preferred sites).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from highspy._core import HighsModelStatus, _Highs  # the public Highs prints a banner on stdout

from .problem import Problem, Solution

TIE_EPS = 1e-4  # cents per site used, scaled by the site's preference rank
_INF = math.inf


@dataclass(slots=True)
class MilpResult:
    """What the MILP found: the best solution (None if none below the cutoff) and whether it is proven optimal."""

    solution: Solution | None
    optimal: bool
    status: str


class _Model:
    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.starts: list[int] = [0]
        self.index: list[int] = []
        self.value: list[float] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []

    def row(self, lower: float, upper: float) -> int:
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        return len(self.row_lower) - 1

    def col(self, cost: float, lower: float, upper: float, integer: bool, entries: Sequence[tuple[int, float]]) -> int:
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(1 if integer else 0)
        for row, coefficient in entries:
            self.index.append(row)
            self.value.append(coefficient)
        self.starts.append(len(self.index))
        return len(self.cost) - 1


def price_runs(price: np.ndarray, breaks: np.ndarray, last: int) -> list[tuple[int, int, float, float, float, float]]:
    """Cut brackets 0..last into runs: `(first, last, alpha, slope, beta, delta)`.

    On a run, price(k) = alpha + slope k and "weight fits bracket k" is weight <= beta + delta k
    (for integer weights). A flat run has slope 0 and delta 0 (beta = its heaviest limit).
    """
    runs: list[tuple[int, int, float, float, float, float]] = []
    start = 0
    while start <= last:
        end = start
        while end + 1 <= last and abs(float(price[end + 1]) - float(price[start])) <= 1e-9:
            end += 1
        if end > start or start == last:
            runs.append((start, end, float(price[start]), 0.0, float(breaks[end]) + 0.5, 0.0))
            start = end + 1
            continue
        slope = float(price[start + 1] - price[start])
        end = start + 1
        while end + 1 <= last and abs(float(price[end + 1] - price[end]) - slope) <= 1e-6:
            end += 1
        # an affine capacity with integer-gram limits: residuals must spread by less than a gram
        while end > start:
            delta = (float(breaks[end]) - float(breaks[start])) / (end - start)
            residuals = [float(breaks[k]) - delta * k for k in range(start, end + 1)]
            if max(residuals) - min(residuals) < 0.8:
                beta = (max(residuals) + min(residuals) + 1.0) / 2.0
                runs.append((start, end, float(price[start]) - slope * start, slope, beta, delta))
                break
            end = start + (end - start) // 2
        else:
            runs.append((start, start, float(price[start]), 0.0, float(breaks[start]) + 0.5, 0.0))
        start = end + 1
    return runs


def solve_milp(
    problem: Problem,
    sites: Sequence[int],
    *,
    time_limit_s: float | None = None,
    cutoff: float | None = None,
    max_nodes: int | None = None,
) -> MilpResult:
    """Solve the problem restricted to `sites` exactly (or until the node or time limit).

    With `cutoff`, only solutions cheaper than it are searched (None means none exists below it).
    `max_nodes` bounds branch-and-bound by counted work, so the answer does not depend on the
    machine's load; `time_limit_s` is then only a safety cap.
    """
    p = problem
    n_skus = len(p.skus)
    model = _Model()
    demand = [model.row(float(q), float(q)) for q in p.qty.tolist()]
    packages = model.row(-_INF, float(p.max_packages)) if p.max_packages is not None else -1
    group_of: dict[int, int] = {}
    group_rows = []
    for g, group in enumerate(p.groups):
        group_rows.append(model.row(-_INF, 1.0))
        for sku in group:
            group_of[sku] = g
    columns: list[tuple[int, list[tuple[int, int]]]] = []  # (site, [(sku, x column)])
    rank = {site: position for position, site in enumerate(sorted(sites))}
    width = p.price.shape[1]
    for site in sites:
        avail = p.avail[site]
        stocked = [s for s in range(n_skus) if avail[s] > 0]
        full_weight = int(avail @ p.weight)
        last = min(p.bracket(full_weight), width - 1)
        price = p.price[site]
        while last > 0 and not math.isfinite(float(price[last])):
            last -= 1
        runs = price_runs(price, p.breaks, last)
        constant = len(runs) == 1 and runs[0][3] == 0.0 and p.bracket(full_weight) <= last
        links = {s: model.row(-_INF, 0.0) for s in stocked}
        weight_row = -1 if constant else model.row(-_INF, 0.0)
        choose_row = -1 if constant else model.row(0.0, 0.0)
        y_entries: list[tuple[int, float]] = [(links[s], -float(avail[s])) for s in stocked]
        if packages >= 0:
            y_entries.append((packages, 1.0))
        if not constant:
            y_entries.append((choose_row, -1.0))
        tie = TIE_EPS * (1.0 + rank[site] / (2.0 * len(sites)))
        model.col(float(p.fixed[site]) + (runs[0][2] if constant else 0.0) + tie, 0.0, 1.0, True, y_entries)
        if not constant:
            for first, final, alpha, slope, beta, delta in runs:
                if slope == 0.0 and delta == 0.0:
                    model.col(alpha, 0.0, 1.0, True, [(choose_row, 1.0), (weight_row, -beta)])
                    continue
                low = model.row(0.0, _INF)
                high = model.row(-_INF, 0.0)
                model.col(
                    alpha, 0.0, 1.0, True, [(choose_row, 1.0), (weight_row, -beta), (low, -first), (high, -final)]
                )
                model.col(slope, 0.0, float(final), True, [(weight_row, -delta), (low, 1.0), (high, 1.0)])
        group_links: dict[int, dict[int, int]] = {}
        for s in stocked:
            if s in group_of:
                group_links.setdefault(group_of[s], {})[s] = model.row(-_INF, 0.0)
        xs: list[tuple[int, int]] = []
        for s in stocked:
            entries = [(demand[s], 1.0), (links[s], 1.0)]
            if not constant:
                entries.append((weight_row, float(p.weight[s])))
            if s in group_of:
                entries.append((group_links[group_of[s]][s], 1.0))
            xs.append((s, model.col(float(p.unit[site] + p.extra[site, s]), 0.0, float(avail[s]), True, entries)))
        for g, rows in group_links.items():
            model.col(
                0.0, 0.0, 1.0, True, [(group_rows[g], 1.0)] + [(row, -float(avail[s])) for s, row in rows.items()]
            )
        columns.append((site, xs))
    for s in range(n_skus):
        model.col(p.backorder, 0.0, float(p.qty[s]), False, [(demand[s], 1.0)])
    highs = _Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", TIE_EPS / 10)
    if time_limit_s is not None:
        highs.setOptionValue("time_limit", float(time_limit_s))
    if max_nodes is not None:
        highs.setOptionValue("mip_max_nodes", int(max_nodes))
    if cutoff is not None:
        highs.setOptionValue("objective_bound", float(cutoff))
    highs.passModel(
        len(model.cost),
        len(model.row_lower),
        len(model.index),
        1,  # column-wise
        1,  # minimise
        0.0,
        np.array(model.cost),
        np.array(model.lower),
        np.array(model.upper),
        np.array(model.row_lower),
        np.array(model.row_upper),
        np.array(model.starts, dtype=np.int32),
        np.array(model.index, dtype=np.int32),
        np.array(model.value),
        np.array(model.integer, dtype=np.int32),
    )
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    label = highs.modelStatusToString(status)
    if status == HighsModelStatus.kInfeasible:
        return MilpResult(None, True, label)
    if info.primal_solution_status != 2:  # no feasible solution found
        return MilpResult(None, False, label)
    values = highs.getSolution().col_value
    assignment: dict[int, list[int]] = {}
    for site, xs in columns:
        quantities = [0] * n_skus
        for s, column in xs:
            quantities[s] = round(values[column])
        if any(quantities):
            assignment[site] = quantities
    return MilpResult(p.solution(assignment), status == HighsModelStatus.kOptimal, label)
