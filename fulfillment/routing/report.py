"""Turning solutions into a `Plan`: shipments with Decimal costs, the reason line, runner-ups."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import overload

import numpy as np

from .costs import CompiledCostModel, cents_to_decimal, haversine_miles
from .problem import Problem, Solution, shipping_reasons
from .types import COST_KEYS, Alternative, Candidate, PlannedShipment, RouteRequest, Rules

ZERO = Decimal("0.00")


@dataclass(slots=True)
class Stage:
    """One solved problem (a priority tier): its solution and how it was found."""

    problem: Problem
    solution: Solution
    method: str
    pool: list[Solution]


def build_shipment(
    problem: Problem, compiled: CompiledCostModel, site_index: int, quantities: Sequence[int]
) -> PlannedShipment:
    """A `PlannedShipment` for units of one site, with the carrier option of its weight bracket."""
    p = problem
    site = p.sites[site_index]
    lines = {sku: int(q) for sku, q in zip(p.skus, quantities, strict=True) if q}
    weight = sum(int(q) * int(w) for q, w in zip(quantities, p.weight.tolist(), strict=True))
    units = sum(int(q) for q in quantities)
    bracket = p.bracket(weight)
    option = int(site.carrier.option[bracket])
    carrier, service, _transit, delivery, _late = site.carrier.options[option]
    late = float(site.carrier.late[bracket])
    carrier_price = float(site.carrier.price[bracket]) - late
    breakdown = {
        "shipping": cents_to_decimal(carrier_price + site.unit_cost * units),
        "handling": cents_to_decimal(compiled.handling.get(site.kind, 0.0)),
        "packages": cents_to_decimal(compiled.package),
        "late_penalty": cents_to_decimal(late),
    }
    terms = site.terms_fixed + _per_unit(site.terms_unit, quantities)
    if terms:
        breakdown["partner_terms"] = cents_to_decimal(terms)
    future = _per_unit(site.future_unit, quantities)
    if future:
        breakdown["future_cost"] = cents_to_decimal(future)
    return PlannedShipment(
        location=site.code,
        lines=lines,
        carrier=carrier,
        service=service,
        weight_grams=weight,
        cost=sum(breakdown.values(), ZERO),
        cost_breakdown=breakdown,
        ship_date=site.ship_date,
        estimated_delivery=delivery,
        zone=site.zone,
        distance_miles=site.miles,
    )


def _per_unit(rates: np.ndarray | None, quantities: Sequence[int]) -> float:
    """Cents of per-SKU rates times the units taken."""
    if rates is None:
        return 0.0
    return float(sum(float(rates[sku]) * int(q) for sku, q in enumerate(quantities) if q))


def plan_costs(shipments: Sequence[PlannedShipment], backorder_cents: float) -> tuple[Decimal, dict[str, Decimal]]:
    """Total and breakdown (keys `COST_KEYS`, and `EXTRA_COST_KEYS` a shipment has) of shipments plus the
    backorder penalty."""
    breakdown = dict.fromkeys(COST_KEYS, ZERO)
    for shipment in shipments:
        for key, value in shipment.cost_breakdown.items():
            breakdown[key] = breakdown.get(key, ZERO) + value
    breakdown["backorder_penalty"] = cents_to_decimal(backorder_cents)
    return sum(breakdown.values(), ZERO), breakdown


def day_label(day: date) -> str:
    """'Thu 27 Nov'."""
    return f"{day:%a} {day.day} {day:%b}"


def _units(count: int) -> str:
    return f"{count} unit" if count == 1 else f"{count} units"


def _items(count: int) -> str:
    return "the item" if count == 1 else f"all {count} items"


def _packages(count: int) -> str:
    return "1 package" if count == 1 else f"{count} packages"


def describe_solution(problem: Problem, compiled: CompiledCostModel, solution: Solution) -> Alternative:
    """A runner-up as an `Alternative` with a one-line summary."""
    shipments = [
        build_shipment(problem, compiled, s, q) for s, q in zip(solution.sites, solution.quantities, strict=True)
    ]
    backordered = problem.total_units - sum(sum(q) for q in solution.quantities)
    total, _ = plan_costs(shipments, problem.backorder * backordered)
    where = " + ".join(problem.sites[s].code for s in solution.sites) or "nothing shipped"
    summary = f"{where}: {_packages(len(shipments))}, ${total}"
    if shipments:
        summary += f", arrives {day_label(max(s.estimated_delivery for s in shipments))}"
    if backordered:
        summary += f", {_units(backordered)} backordered"
    terms = sum((s.cost_breakdown.get("partner_terms", ZERO) for s in shipments), ZERO)
    if terms:
        labels = sorted({problem.sites[s].terms_label for s in solution.sites if problem.sites[s].terms_label})
        summary += f", incl. {' and '.join(labels) or 'partner terms'} ${terms}"
    future = sum((s.cost_breakdown.get("future_cost", ZERO) for s in shipments), ZERO)
    if future:
        summary += f", incl. ${future} expected future cost"
    return Alternative(
        locations=tuple(problem.sites[s].code for s in solution.sites),
        total_cost=total,
        packages=len(shipments),
        backordered_units=backordered,
        summary=summary,
    )


class RunnerUps(Sequence[Alternative]):
    """Runner-up plans, described only when first read.

    Describing them (shipments, Decimal costs, a summary line each) was most of a plan's time,
    and most callers never read them (the benchmark, re-plans, the look-ahead's comparison).
    Compares equal to, and pickles as, the tuple it stands for.
    """

    __slots__ = ("_found", "_make")

    def __init__(self, make: Callable[[], tuple[Alternative, ...]]) -> None:
        self._make: Callable[[], tuple[Alternative, ...]] | None = make
        self._found: tuple[Alternative, ...] | None = None

    def _all(self) -> tuple[Alternative, ...]:
        if self._found is None:
            assert self._make is not None
            self._found, self._make = self._make(), None
        return self._found

    @overload
    def __getitem__(self, index: int) -> Alternative: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Alternative, ...]: ...

    def __getitem__(self, index: int | slice) -> Alternative | tuple[Alternative, ...]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[Alternative]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())

    def __reduce__(self) -> tuple[type, tuple[tuple[Alternative, ...]]]:
        return (tuple, (self._all(),))


def lazy_alternatives(
    problem: Problem, compiled: CompiledCostModel, chosen: Solution, pool: list[Solution]
) -> RunnerUps:
    """`alternatives`, computed when first read."""
    return RunnerUps(lambda: alternatives(problem, compiled, chosen, pool))


def alternatives(
    problem: Problem, compiled: CompiledCostModel, chosen: Solution, pool: list[Solution]
) -> tuple[Alternative, ...]:
    """Up to 3 cheapest plans on other location sets than the chosen one."""
    found: list[Alternative] = []
    seen = {chosen.sites}
    for solution in sorted(pool, key=Solution.key):
        if solution.sites in seen:
            continue
        seen.add(solution.sites)
        found.append(describe_solution(problem, compiled, solution))
        if len(found) == 3:
            break
    return tuple(found)


def pool_words(rules: Rules) -> str:
    """The channel's pool rule as the reason says it ("" without a pool)."""
    if rules.location_pool is None:
        return ""
    codes = sorted(rules.location_pool)
    listed = ", ".join(codes[:4]) + (" and more" if len(codes) > 4 else "")
    name = f"{rules.pool_name} " if rules.pool_name else "the channel's "
    return f"{name}pool only ({listed or 'no location'})"


def unrun_words(rules: Rules, backorders: dict[str, int]) -> str:
    """The locations that hold some of the order's SKUs but that nobody runs, when units wait ("" else)."""
    if not backorders or not rules.unrun_locations:
        return ""
    codes = sorted(rules.unrun_locations)
    listed = ", ".join(codes[:3]) + (" and more" if len(codes) > 3 else "")
    if len(codes) == 1:
        return f"{listed} holds stock but no active supplier runs it"
    return f"{listed} hold stock but no active supplier runs them"


def held_words(candidates: Sequence[Candidate], request: RouteRequest, rules: Rules, backorders: dict[str, int]) -> str:
    """Where the backordered SKUs are held by locations that may not ship this order, and why ("" when
    none): "no eligible location has stock" alone reads as if there were none, when every location
    holding it may have reached its daily cap. The channel's pool is left out (its own words say it)."""
    if not backorders:
        return ""
    why: dict[str, list[str]] = {}
    for candidate in sorted(candidates, key=lambda c: c.code):
        if not any(candidate.available.get(sku, 0) > 0 for sku in backorders):
            continue
        miles = haversine_miles(request.destination_lat, request.destination_lon, candidate.lat, candidate.lon)
        refused = shipping_reasons(candidate, miles, rules)
        if refused and refused != "not in the channel's pool":
            why.setdefault(refused, []).append(candidate.code)
    parts = [
        ", ".join(codes[:3]) + (f" and {len(codes) - 3} more" if len(codes) > 3 else "") + f" ({refused})"
        for refused, codes in why.items()
    ]
    return f"held at {'; '.join(parts)}" if parts else ""


def terms_words(stages: Sequence[Stage], shipments: Sequence[PlannedShipment]) -> str:
    """The partner terms the plan pays, by whose they are ("" when none)."""
    labels = {site.code: site.terms_label for stage in stages for site in stage.problem.sites}
    parts = [
        f"{labels.get(s.location) or s.location + ' terms'} ${s.cost_breakdown['partner_terms']}"
        for s in shipments
        if s.cost_breakdown.get("partner_terms")
    ]
    return f"incl. {', '.join(parts)}" if parts else ""


def reason(
    *,
    stages: Sequence[Stage],
    shipments: Sequence[PlannedShipment],
    backorders: dict[str, int],
    items: int,
    rules: Rules | None = None,
    held: str = "",
) -> str:
    """One line a person can read: where from, why, packages, cost, arrival, backorders; the
    channel's pool and the partner terms paid when they apply; `held` (`held_words`): where
    backordered units are held but may not ship from."""
    rules = rules or Rules()
    text = _reason(stages=stages, shipments=shipments, backorders=backorders, items=items)
    for words in (pool_words(rules), terms_words(stages, shipments), unrun_words(rules, backorders), held):
        if words:
            text += f"; {words}"
    return text


def _reason(
    *,
    stages: Sequence[Stage],
    shipments: Sequence[PlannedShipment],
    backorders: dict[str, int],
    items: int,
) -> str:
    first = stages[0].problem if stages else None
    backordered = sum(backorders.values())
    if not shipments:
        missing = ", ".join(list(backorders)[:3]) + (" and more" if len(backorders) > 3 else "")
        if first is None or not first.sites:
            return f"Backordered: no eligible location has stock of {missing}"
        return f"Backordered: shipping {missing} would cost more than the backorder penalty or break a rule"
    codes = [s.location for s in shipments]
    full_sites = (
        []
        if first is None
        else [s.code for s, row in zip(first.sites, first.avail, strict=True) if (row >= first.qty).all()]
    )
    if len(stages) > 1:
        why = "tier 1 locations first, later tiers only for what they lack"
    elif len(shipments) == 1:
        if full_sites == codes:
            why = f"only location with {_items(items)}"
        elif codes[0] in full_sites:
            why = f"cheapest of {len(full_sites)} locations with {_items(items)}"
        elif not full_sites:
            why = f"no single location has {_items(items)}; cheapest plan"
        else:
            why = "cheapest plan within the rules"
    elif not full_sites:
        why = f"no single location has {_items(items)}"
    else:
        why = "cheaper than one package"
    arrival = max(s.estimated_delivery for s in shipments)
    total = sum((s.cost for s in shipments), ZERO)
    where = codes[0] if len(codes) == 1 else " and ".join([", ".join(codes[:-1]), codes[-1]])
    verb = "Shipped from" if len(codes) == 1 else "Split across"
    text = f"{verb} {where}: {why}; {_packages(len(shipments))}, ${total}, arrives {day_label(arrival)}"
    if backordered:
        text += f"; {_units(backordered)} backordered"
    return text
