"""Saying when the expected future cost of stock (shadow prices) changed where an order ships from.

The router prices a unit taken from a location at its carrier costs plus `Candidate.future_costs`
(what using it now is expected to cost later orders). When that moves the plan, the reason says
which units it kept where, for whose demand, and what it paid for that now.

The plan it is compared with is the cheapest for today among those the search already priced
(every one-location plan, and the splits it explored), not a second search: planning the order
again only to word the reason made a priced order several times slower.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

import numpy as np

from .costs import CompiledCostModel
from .problem import Solution
from .report import Stage, build_shipment, plan_costs
from .search import Singles
from .types import Candidate, Plan

ZERO = Decimal("0.00")


def has_future_costs(candidates: Sequence[Candidate], skus: Sequence[str]) -> bool:
    """True if some candidate prices a unit of one of these SKUs above zero for the future."""
    return any(
        candidate.future_costs.get(sku, 0) > 0 for candidate in candidates if candidate.future_costs for sku in skus
    )


def without_future_costs(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The same candidates, priced for today alone."""
    return [replace(c, future_costs={}, future_regions={}) if c.future_costs else c for c in candidates]


def _now_cost(found: Plan) -> Decimal:
    return found.total_cost - found.cost_breakdown.get("future_cost", ZERO)


def _units(count: int) -> str:
    return "1 unit" if count == 1 else f"{count} units"


def future_cost_note(chosen: Plan, myopic: Plan, candidates: Sequence[Candidate]) -> str:
    """Why the chosen plan differs from the plan priced for today alone ("" if it does not).

    Names the location whose kept units carry the most expected future cost: "keeps the last
    3 units at rno-dc for Pacific demand: $4.10 expected future cost saved for $1.20 more now".
    """
    taken: dict[str, dict[str, int]] = {}
    for shipment in chosen.shipments:
        for sku, count in shipment.lines.items():
            taken.setdefault(shipment.location, {})[sku] = taken.get(shipment.location, {}).get(sku, 0) + count
    by_code = {candidate.code: candidate for candidate in candidates}
    best: tuple[Decimal, str, dict[str, int]] | None = None
    for shipment in myopic.shipments:
        candidate = by_code.get(shipment.location)
        if candidate is None:
            continue
        kept = {
            sku: count - taken.get(shipment.location, {}).get(sku, 0)
            for sku, count in shipment.lines.items()
            if count > taken.get(shipment.location, {}).get(sku, 0)
        }
        saved = sum((Decimal(candidate.future_costs.get(sku, 0)) * count for sku, count in kept.items()), ZERO)
        if kept and saved > 0 and (best is None or saved > best[0]):
            best = (saved, shipment.location, kept)
    if best is None:
        return ""
    saved, code, kept = best
    candidate = by_code[code]
    units = sum(kept.values())
    last = all(int(candidate.available.get(sku, 0)) <= count for sku, count in kept.items())
    top = max(kept, key=lambda sku: (Decimal(candidate.future_costs.get(sku, 0)) * kept[sku], sku))
    region = candidate.future_regions.get(top, "")
    demand = f" for {region} demand" if region else " for later orders"
    more = _now_cost(chosen) - _now_cost(myopic)
    now = f"${more.quantize(ZERO)} more now" if more > 0 else "no more now"
    return (
        f"keeps {'the last ' if last else ''}{_units(units)} at {code}{demand}: "
        f"${saved.quantize(ZERO)} expected future cost saved for {now}"
    )


def best_for_today(stage: Stage, compiled: CompiledCostModel) -> Plan | None:
    """The cheapest plan for today alone (future costs left out) among those `stage` priced.

    Candidates: the chosen plan, the search's pool, nothing shipped, and every one-location
    plan (vectorised). Only its shipments and costs are filled in (it is compared, not shown);
    None when it is the chosen plan itself.
    """
    p = stage.problem
    zero = np.zeros(len(p.skus))
    future = np.vstack([zero if site.future_unit is None else site.future_unit for site in p.sites] or [zero])
    singles = Singles(p)
    today_singles = singles.cost - (p.avail * future[: len(p.sites)]).sum(axis=1)

    def today(solution: Solution) -> float:
        taken = zip(solution.sites, solution.quantities, strict=True)
        return solution.cost - sum(float(future[s] @ np.asarray(q, dtype=float)) for s, q in taken)

    found = [(today(s), s) for s in (stage.solution, *stage.pool, p.empty())]
    found += [
        (float(cost), singles.solution(p, site))
        for site, cost in enumerate(today_singles.tolist())
        if math.isfinite(cost)
    ]
    _cost, best = min(found, key=lambda pair: (round(pair[0], 4), len(pair[1].sites), pair[1].sites))
    if best.sites == stage.solution.sites and best.quantities == stage.solution.quantities:
        return None  # the prices did not move the plan
    shipments = [build_shipment(p, compiled, s, q) for s, q in zip(best.sites, best.quantities, strict=True)]
    backordered = p.total_units - sum(sum(q) for q in best.quantities)
    total, breakdown = plan_costs(shipments, p.backorder * backordered)
    return Plan(
        shipments=tuple(shipments),
        backorders={},
        total_cost=total,
        cost_breakdown=breakdown,
        reason="",
        alternatives=(),
        method=stage.method,
    )


def explain_future_costs(
    chosen: Plan, candidates: Sequence[Candidate], skus: Sequence[str], myopic: Callable[[], Plan | None]
) -> Plan:
    """The chosen plan, its reason extended when future costs changed the choice.

    `myopic` gives the plan to compare with: the best for today alone (`best_for_today`), called
    only when some candidate prices a unit of the order for the future (None: the same plan).
    """
    if not chosen.shipments or not has_future_costs(candidates, skus):
        return chosen
    today = myopic()
    note = "" if today is None else future_cost_note(chosen, today, candidates)
    if not note:
        return chosen
    return replace(chosen, reason=f"{chosen.reason}; {note}")
