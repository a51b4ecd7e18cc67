"""The entry points: `plan` (the router) and `solve_exact` (MILP reference); the baseline is in `greedy.py`."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

import numpy as np

from .budget import Budget
from .consolidate import consolidate
from .costs import cents_to_decimal, compile_cost_model, haversine_miles, late_days, service_rank, ship_date
from .heuristic import greedy_cover, improve
from .lookahead import best_for_today, explain_future_costs, without_future_costs
from .milp import solve_milp
from .problem import EPS, Problem, Solution, build_problem, merge_lines, merged_groups
from .report import Stage, build_shipment, day_label, held_words, lazy_alternatives, plan_costs, reason
from .search import Singles, enumerate_plans, unit_floor, unsafe_skus
from .types import (
    LOCATION_KINDS,
    Alternative,
    Candidate,
    Consolidation,
    CostModel,
    Plan,
    PlannedShipment,
    RouteRequest,
    Rules,
)

# Only a safety cap: the search is bounded by counted work (`budget.py`), so a plan does not
# depend on machine load; a normal plan takes well under a tenth of this.
DEFAULT_TIME_BUDGET_MS = 1000.0
_METHOD_ORDER = ("single", "exact", "milp", "heuristic")
_MIN_MILP_SECONDS = 0.005
MAX_UNSAFE_CHOICES = 16

StageSolver = Callable[[Problem], tuple[Solution, str, list[Solution]]]


def plan(
    request: RouteRequest,
    candidates: Sequence[Candidate],
    cost_model: CostModel,
    rules: Rules | None = None,
    *,
    time_budget_ms: float = DEFAULT_TIME_BUDGET_MS,
    consolidation: Consolidation | None = None,
) -> Plan:
    """Route an order: the cheapest plan within the rules (see the package docstring).

    With `consolidation` (the channel allows it), a plan that splits may become one parcel
    from a node the other locations send their units to first (`consolidate`).
    """
    budget = Budget.capped(time_budget_ms)
    rules = rules or Rules()

    def solve(problem: Problem) -> tuple[Solution, str, list[Solution]]:
        return _solve_fast(problem, budget)

    def route(offered: Sequence[Candidate]) -> tuple[Plan, list[Stage]]:
        found, stages = _route(request, offered, cost_model, rules, solve)
        if consolidation is None or len(found.shipments) < 2:
            return found, stages
        merged = consolidate(
            request, offered, compile_cost_model(cost_model), rules, consolidation, found, deadline=budget.deadline
        )
        return merged, stages

    chosen, stages = route(candidates)

    def myopic() -> Plan | None:
        if len(stages) == 1 and not chosen.legs:
            return best_for_today(stages[0], compile_cost_model(cost_model))
        return route(without_future_costs(candidates))[0]  # tiers or consolidation: plan again (rare)

    return explain_future_costs(chosen, candidates, [line.sku for line in request.lines], myopic)


def solve_exact(
    request: RouteRequest,
    candidates: Sequence[Candidate],
    cost_model: CostModel,
    rules: Rules | None = None,
    *,
    time_limit_s: float | None = None,
) -> Plan:
    """The optimum by the MILP alone over every eligible location (no enumeration, no pruning).

    Slow on big networks; it is the reference the router is measured against.
    """

    def solve(problem: Problem) -> tuple[Solution, str, list[Solution]]:
        if not problem.sites or problem.max_packages == 0:
            return problem.empty(), "milp", []
        result = solve_milp(problem, range(len(problem.sites)), time_limit_s=time_limit_s)
        solution = result.solution or problem.empty()
        return solution, "milp" if result.optimal else "heuristic", [solution]

    return _route(request, candidates, cost_model, rules or Rules(), solve)[0]


def _solve_fast(problem: Problem, budget: Budget) -> tuple[Solution, str, list[Solution]]:
    """Enumerate sets of sites by size with bounds; the MILP only if that cannot prove the best."""
    p = problem
    if not p.sites or p.max_packages == 0:
        return p.empty(), "single", []
    singles = Singles(p)
    unsafe = unsafe_skus(p, singles)
    choices = math.prod(int(p.qty[s]) + 1 for s in unsafe) if unsafe is not None else 0
    if unsafe == []:
        best, pool, exact = enumerate_plans(p, singles, budget)
    elif unsafe is not None and choices <= MAX_UNSAFE_CHOICES:
        # some units may be better backordered: try every quantity of them, the rest as usual
        best, pool, exact = p.empty(), [], True
        for shipped in itertools.product(*(range(int(p.qty[s]) + 1) for s in unsafe)):
            qty = p.qty.copy()
            qty[unsafe] = shipped
            sub = replace(p, qty=qty, avail=np.minimum(p.avail, qty))
            found, seen, solved = enumerate_plans(sub, Singles(sub), budget)
            exact = exact and solved
            for solution in [found, *seen]:
                mapped = p.solution(dict(zip(solution.sites, solution.quantities, strict=True)))
                pool.append(mapped)
                if mapped.key() < best.key():
                    best = mapped
    else:
        pool = singles.best(p, 4)
        best, exact = min([*pool, p.empty()], key=Solution.key), False
    if exact:
        return best, "single" if len(best.sites) <= 1 else "exact", pool
    # not provable by enumeration: seed with the greedy cover, then the MILP on the sites that could help
    seeded = greedy_cover(p, best)
    if seeded.key() < best.key():
        best = seeded
        pool.append(seeded)
    keep = np.flatnonzero(singles.base + unit_floor(p) < best.cost - EPS)
    if len(keep) == 0:  # no plan at all can beat `best`
        return best, "single" if len(best.sites) <= 1 else "exact", pool
    left = budget.seconds_left()
    if left < _MIN_MILP_SECONDS:  # the safety cap, not the normal way out
        return improve(p, best), "heuristic", pool
    result = solve_milp(p, keep.tolist(), time_limit_s=left, cutoff=best.cost - EPS, max_nodes=budget.milp_nodes)
    if result.solution is not None and result.solution.key() < best.key():
        best = result.solution
        pool.append(best)
    if result.optimal:
        return best, "milp", pool
    return improve(p, best), "heuristic", pool


def validate_request(request: RouteRequest, candidates: Sequence[Candidate]) -> None:
    """Refuse (ValueError) a request or candidate list no router can plan: unknown service, naive time, duplicates."""
    service_rank(request.service)
    if request.placed_at.tzinfo is None:
        raise ValueError("placed_at must be timezone-aware")
    codes = set()
    for candidate in candidates:
        if candidate.code in codes:
            raise ValueError(f"candidate {candidate.code} appears twice")
        if candidate.kind not in LOCATION_KINDS:
            raise ValueError(f"candidate {candidate.code}: unknown kind {candidate.kind!r}")
        if candidate.fixed_cost < 0:
            raise ValueError(f"candidate {candidate.code}: fixed_cost must not be negative")
        codes.add(candidate.code)


def _tiers(rules: Rules, candidates: Sequence[Candidate]) -> list[frozenset[str] | None]:
    if not rules.priority_tiers:
        return [None]
    seen: set[str] = set()
    tiers: list[frozenset[str] | None] = []
    for tier in rules.priority_tiers:
        codes = frozenset(tier) - seen
        seen |= codes
        if codes:
            tiers.append(codes)
    rest = frozenset(c.code for c in candidates) - seen
    if rest:
        tiers.append(rest)
    return tiers


def _route(
    request: RouteRequest, candidates: Sequence[Candidate], cost_model: CostModel, rules: Rules, solve: StageSolver
) -> tuple[Plan, list[Stage]]:
    """The plan, and the stages (tiers) that found it."""
    validate_request(request, candidates)
    skus, qty, weight = merge_lines(request)
    compiled = compile_cost_model(cost_model)
    groups = merged_groups(rules.keep_together, skus)
    if request.pickup_location is not None:
        return pickup_plan(request, candidates, cost_model, rules, skus, qty, weight), []
    remaining = list(qty)
    packages_left = rules.max_packages
    blocked: set[int] = set()
    stages: list[Stage] = []
    shipments: list[PlannedShipment] = []
    for allowed in _tiers(rules, candidates):
        wanted = [0 if s in blocked else r for s, r in enumerate(remaining)]
        if not any(wanted) or packages_left == 0:
            break
        problem = build_problem(
            request=request,
            candidates=candidates,
            compiled=compiled,
            rules=rules,
            skus=skus,
            qty=wanted,
            weight=weight,
            allowed=allowed,
            max_packages=packages_left,
            groups=groups,
        )
        if not problem.sites:
            continue
        solution, method, pool = solve(problem)
        stages.append(Stage(problem, solution, method, pool))
        shipped = [0] * len(skus)
        for site, quantities in zip(solution.sites, solution.quantities, strict=True):
            shipments.append(build_shipment(problem, compiled, site, quantities))
            for s, count in enumerate(quantities):
                shipped[s] += count
        remaining = [r - q for r, q in zip(remaining, shipped, strict=True)]
        if packages_left is not None:
            packages_left -= len(solution.sites)
        for group in groups:  # a group that shipped (partly) here may not ship from a later tier
            if any(shipped[s] for s in group):
                blocked.update(group)
    backorders = {sku: r for sku, r in zip(skus, remaining, strict=True) if r > 0}
    total, breakdown = plan_costs(shipments, compiled.backorder * sum(remaining))
    method = max((stage.method for stage in stages), key=_METHOD_ORDER.index, default="single")
    runner_ups: Sequence[Alternative] = ()
    if len(stages) == 1:
        stage = stages[0]
        runner_ups = lazy_alternatives(stage.problem, compiled, stage.solution, stage.pool)
    found = Plan(
        shipments=tuple(shipments),
        backorders=backorders,
        total_cost=total,
        cost_breakdown=breakdown,
        reason=reason(
            stages=stages,
            shipments=shipments,
            backorders=backorders,
            items=len(skus),
            rules=rules,
            held=held_words(candidates, request, rules, backorders),
        ),
        alternatives=runner_ups,
        method=method,
    )
    return found, stages


def pickup_plan(
    request: RouteRequest,
    candidates: Sequence[Candidate],
    cost_model: CostModel,
    rules: Rules,
    skus: list[str],
    qty: list[int],
    weight: list[int],
) -> Plan:
    """A pickup: the pickup location hands over what it holds; the rest is backordered."""
    compiled = compile_cost_model(cost_model)
    code = request.pickup_location
    found = next((c for c in candidates if c.code == code), None)
    refusal = None
    if found is None:
        refusal = "is not a candidate"
    elif found.code in rules.excluded_locations or found.kind in rules.excluded_kinds:
        refusal = "is excluded"
    elif found.capacity_left is not None and found.capacity_left <= 0:
        refusal = "has no capacity left today"
    elif rules.max_packages == 0:
        refusal = "is not allowed a package"
    shipments: list[PlannedShipment] = []
    remaining = list(qty)
    if found is not None and refusal is None:
        fill = [min(q, max(0, int(found.available.get(sku, 0)))) for sku, q in zip(skus, qty, strict=True)]
        if any(fill):
            ready = ship_date(request.placed_at, found.timezone, found.cutoff_local)
            late = late_days(ready, request.promised_by) * compiled.late_per_day
            breakdown = {
                "shipping": Decimal("0.00"),
                "handling": cents_to_decimal(compiled.handling.get(found.kind, 0.0)),
                "packages": Decimal("0.00"),
                "late_penalty": cents_to_decimal(late),
            }
            shipments.append(
                PlannedShipment(
                    location=found.code,
                    lines={sku: q for sku, q in zip(skus, fill, strict=True) if q},
                    carrier="pickup",
                    service="pickup",
                    weight_grams=sum(q * w for q, w in zip(fill, weight, strict=True)),
                    cost=sum(breakdown.values(), Decimal("0.00")),
                    cost_breakdown=breakdown,
                    ship_date=ready,
                    estimated_delivery=ready,
                    zone=0,
                    distance_miles=haversine_miles(
                        request.destination_lat, request.destination_lon, found.lat, found.lon
                    ),
                )
            )
            remaining = [q - f for q, f in zip(qty, fill, strict=True)]
    backorders = {sku: r for sku, r in zip(skus, remaining, strict=True) if r > 0}
    total, cost_breakdown = plan_costs(shipments, compiled.backorder * sum(remaining))
    if shipments:
        text = f"Pickup at {code}: ready {day_label(shipments[0].estimated_delivery)}"
        if backorders:
            text += f"; {sum(backorders.values())} units backordered (not in stock there)"
    elif refusal:
        text = f"Backordered: pickup location {code} {refusal}"
    else:
        text = f"Backordered: pickup location {code} has none of the items"
    return Plan(
        shipments=tuple(shipments),
        backorders=backorders,
        total_cost=total,
        cost_breakdown=cost_breakdown,
        reason=text,
        alternatives=(),
        method="single",
    )
