"""The routing engine: where each unit of an order ships from. Pure Python, no Django, no ORM.

Entry point::

    plan(request: RouteRequest, candidates: Sequence[Candidate], cost_model: CostModel,
         rules: Rules | None = None, *, time_budget_ms: float = 1000.0,
         consolidation: Consolidation | None = None) -> Plan

`request` holds the lines (SKU, quantity, unit weight), the destination's coordinates, the
service level (standard, express, next_day, same_day), when the order was placed (aware
datetime), the promised delivery date and, for a pickup, the pickup location. `candidates`
are the locations with their available-to-promise stock, capacity left today, cut-off and
time zone. `cost_model` prices a shipment; `rules` are the merchant's (for the order's
channel). The `Plan` lists the shipments (location, units, carrier, service, weight, cost
with breakdown, ship date, estimated delivery), the backordered units, the total cost and its
breakdown (all `Decimal`, rounded to cents), a one-line reason, up to 3 runner-up plans and
the method that found it.

What a plan costs (`CostModel`): per shipment (one package per location), handling by
location kind + a package cost + the carrier price (rate card by zone and weight, cheapest
card of the requested level or faster, including its late penalty) + optional per-unit terms
(`per_unit_base + per_unit_per_mile x miles`, for linear models such as Jasin & Sinha's), and
per unit not shipped a backorder penalty. A candidate adds its own terms (`fixed_cost` per
shipment, `unit_costs` per unit of a SKU: a partner's fees and prices, breakdown key
`partner_terms`) and the expected future cost of each unit it gives (`future_costs`: shadow
prices, key `future_cost`); the plan is exact for these costs too (a pair's shared units whose
rates differ by SKU are split by a knapsack over weights, `knapsack.py`).
Late days: the estimated delivery (ship date, see below, + the card's transit days for the
zone, Sundays skipped) after `promised_by`.
Ship date: today in the location's time zone if the order arrives before its cut-off, else
tomorrow; a Sunday becomes Monday.

Constraints: ATP per (location, SKU); a location with `capacity_left` 0 is not used (an order
uses at most one of its slots); only locations that ship orders, and stores only with
`ship_from_store` and within `ship_from_store_radius_miles`; excluded locations and kinds;
priority tiers (tier 1 serves what it can, later tiers only what it cannot); `max_packages`;
keep-together groups; the channel's `location_pool`. A pickup is served by its pickup location
alone (the rest backordered; the pool does not bind it).

The reason also names the pool that bound the order and the partner terms it pays, and, when
future costs moved the plan (`lookahead.py` compares it with the plan the search priced cheapest
for today alone), what
it kept where and for whose demand ("keeps the last 3 units at rno-dc for Pacific demand: $3.60
expected future cost saved for $1.17 more now").

How (`planner._solve_fast`), per priority tier:
1. Every one-location plan (vectorised), then two-location plans in order of a lower bound,
   each with the cheapest split of the units both hold (an exact subset-sum over weights:
   `search.py`), until the bound passes the best plan found. Once four pairs are kept as
   runners-up, a pair is split only if the cheapest weight split of its shared units
   (`Problem.split_price_floor`) could beat the best plan or one of those four.
2. If a lower bound shows no plan of three or more locations can be cheaper, the best is
   proven optimal: method "single" (one location) or "exact".
3. Otherwise a greedy cover tightens the best plan, and a MILP (`milp.py`, HiGHS) over the
   locations that could still take part searches for anything cheaper, within the work
   budget: method "milp" when it proves optimality.
4. If the budget runs out first: the best plan found, improved by local search
   (`heuristic.py`): method "heuristic".
The budget is counted work (`budget.py`: sets solved exactly, MILP nodes), not time, so the
same input gives the same plan however loaded the machine is; `time_budget_ms` is only a
safety cap far above a normal plan's time. Runner-ups (`Plan.alternatives`) are described when
first read. Ties go to fewer packages, then to locations with lower priority, then nearer, then code.

Consolidation (`consolidate.py`, only with `consolidation`, for a plan of two or more
shipments): each node (the hubs nearest the destination, the plan's own locations and the
location holding most of the order) is priced as the linehaul of the units it lacks from the
plan's other locations (a lane per pair: per unit and per kg, transit days) + handling of those
units at the node + one parcel from the node, shipped once the slowest leg has arrived and the
node has processed it (its late penalty included). The cheapest node replaces the split only if
it costs less and delivers no later than the promise; the plan then has one shipment and `legs`
(the transfers to make), and its reason says so ("Consolidated at cmh-dc: one box instead of
two, $3.40 cheaper, arrives Thu 10 Dec, within the promise; ...").

Also: `solve_exact` (the MILP alone, no time limit: the reference for benchmarks) and
`greedy_plan` (line by line from the nearest location in stock, as Magento's source
selection does: the baseline). `presets` has demo carriers and the Jasin & Sinha model.
"""

from .costs import add_transit_days, haversine_miles, late_days, ship_date, zone_for_miles
from .greedy import greedy_plan
from .planner import DEFAULT_TIME_BUDGET_MS, plan, solve_exact
from .types import (
    COST_KEYS,
    DEFAULT_ZONE_BANDS,
    LOCATION_KINDS,
    SERVICE_LEVELS,
    Alternative,
    Candidate,
    Consolidation,
    CostModel,
    Hub,
    Line,
    LinehaulLane,
    Plan,
    PlannedLeg,
    PlannedShipment,
    RateCard,
    RouteRequest,
    Rules,
)

__all__ = [
    "COST_KEYS",
    "DEFAULT_TIME_BUDGET_MS",
    "DEFAULT_ZONE_BANDS",
    "LOCATION_KINDS",
    "SERVICE_LEVELS",
    "Alternative",
    "Candidate",
    "Consolidation",
    "CostModel",
    "Hub",
    "Line",
    "LinehaulLane",
    "Plan",
    "PlannedLeg",
    "PlannedShipment",
    "RateCard",
    "RouteRequest",
    "Rules",
    "add_transit_days",
    "greedy_plan",
    "haversine_miles",
    "late_days",
    "plan",
    "ship_date",
    "solve_exact",
    "zone_for_miles",
]
