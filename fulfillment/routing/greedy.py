"""The baseline router: line by line from the nearest location in stock, as Magento's source selection."""

from __future__ import annotations

from collections.abc import Sequence

from .costs import compile_cost_model
from .planner import pickup_plan, validate_request
from .problem import build_problem, merge_lines, merged_groups
from .report import build_shipment, plan_costs
from .types import Candidate, CostModel, Plan, RouteRequest, Rules


def greedy_plan(
    request: RouteRequest,
    candidates: Sequence[Candidate],
    cost_model: CostModel,
    rules: Rules | None = None,
) -> Plan:
    """Baseline: line by line, take units from the nearest location in stock (Magento's distance source selection).

    It honours eligibility (exclusions, capacity, ship-from-store), `max_packages` (once
    reached, only locations already used) and keep-together (a group goes to the nearest
    location holding all of it, else the one holding most); it ignores priority tiers and cost.
    """
    rules = rules or Rules()
    validate_request(request, candidates)
    skus, qty, weight = merge_lines(request)
    compiled = compile_cost_model(cost_model)
    groups = merged_groups(rules.keep_together, skus)
    if request.pickup_location is not None:
        return pickup_plan(request, candidates, cost_model, rules, skus, qty, weight)
    p = build_problem(
        request=request,
        candidates=candidates,
        compiled=compiled,
        rules=rules,
        skus=skus,
        qty=qty,
        weight=weight,
        allowed=None,
        max_packages=rules.max_packages,
        groups=groups,
    )
    nearest = sorted(range(len(p.sites)), key=lambda s: (p.sites[s].miles, s))
    assignment: dict[int, list[int]] = {}
    limit = rules.max_packages

    def may_use(site: int) -> bool:
        return site in assignment or limit is None or len(assignment) < limit

    def give(site: int, sku: int, count: int) -> bool:
        trial = list(assignment.get(site, [0] * len(skus)))
        trial[sku] += count
        if p.shipment_cost(site, trial) == float("inf"):
            return False
        assignment[site] = trial
        return True

    group_of = {sku: g for g, group in enumerate(groups) for sku in group}
    placed: set[int] = set()
    for sku in range(len(skus)):
        g = group_of.get(sku)
        if g is not None:
            if g in placed:
                continue
            placed.add(g)
            members = groups[g]
            usable = [s for s in nearest if may_use(s)]
            whole = [s for s in usable if all(p.avail[s, m] >= p.qty[m] for m in members)]
            pick = whole[0] if whole else max(usable, key=lambda s: int(p.avail[s, list(members)].sum()), default=None)
            if pick is not None:
                for member in members:
                    if p.avail[pick, member]:
                        give(pick, member, int(p.avail[pick, member]))
            continue
        need = int(p.qty[sku])
        for site in nearest:
            if need == 0:
                break
            take = min(need, int(p.avail[site, sku]))
            if take and may_use(site) and give(site, sku, take):
                need -= take
    solution = p.solution(assignment)
    shipments = [build_shipment(p, compiled, s, q) for s, q in zip(solution.sites, solution.quantities, strict=True)]
    shipped = [sum(q[s] for q in solution.quantities) for s in range(len(skus))]
    backorders = {sku: int(p.qty[s]) - shipped[s] for s, sku in enumerate(skus) if int(p.qty[s]) > shipped[s]}
    total, breakdown = plan_costs(shipments, compiled.backorder * sum(backorders.values()))
    where = ", ".join(s.location for s in shipments) or "nowhere"
    text = f"Nearest location in stock, line by line: {where}; {len(shipments)} packages, ${total}"
    return Plan(
        shipments=tuple(shipments),
        backorders=backorders,
        total_cost=total,
        cost_breakdown=breakdown,
        reason=text,
        alternatives=(),
        method="greedy",
    )
