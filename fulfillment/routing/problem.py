"""One routing problem in arrays: the eligible sites, what each holds, and what a shipment costs.

Sites are sorted by (priority, distance, code), so a lower site index is the preferred one in ties
(within one zone, or abroad where every site is in the farthest zone, the nearer site wins).
A solution is `Solution(cost, sites, quantities)`: for each site used, units per SKU (in the
order of `Problem.skus`); units no site ships are backordered.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from .costs import (
    CarrierCosts,
    CompiledCostModel,
    carrier_costs,
    cents,
    haversine_miles_many,
    ship_date,
    zone_for_miles,
)
from .types import Candidate, RouteRequest, Rules

EPS = 1e-6  # cents: costs closer than this are equal


@dataclass(slots=True)
class Site:
    """An eligible location for this problem, with everything its shipment cost depends on."""

    code: str
    kind: str
    priority: int
    miles: float
    zone: int
    ship_date: date
    fixed: float  # handling + package + the location's own per-shipment terms, cents
    unit_cost: float  # cents per unit (linear terms)
    carrier: CarrierCosts
    terms_label: str = ""  # whose terms they are ("Acme Supply terms")
    terms_fixed: float = 0.0  # the location's own per-shipment fee (part of `fixed`), cents
    terms_unit: np.ndarray | None = None  # per SKU: the location's own price per unit, cents
    future_unit: np.ndarray | None = None  # per SKU: expected future cost of one unit (shadow price), cents


class Solution(NamedTuple):
    """A plan in problem terms: total cost (cents), site indices used (ascending), units per SKU for each."""

    cost: float
    sites: tuple[int, ...]
    quantities: tuple[tuple[int, ...], ...]

    def key(self) -> tuple[float, int, tuple[int, ...]]:
        """Deterministic order: cost, then packages, then preferred sites (priority, distance, code)."""
        return (round(self.cost, 4), len(self.sites), self.sites)


@dataclass(slots=True)
class Problem:
    """Arrays for one routing problem (one priority tier of one order)."""

    skus: list[str]
    qty: np.ndarray  # units wanted per SKU
    weight: np.ndarray  # grams per unit per SKU
    sites: list[Site]
    avail: np.ndarray  # sites x SKUs, capped at qty
    fixed: np.ndarray  # per site, cents
    unit: np.ndarray  # per site, cents per unit
    extra: np.ndarray  # sites x SKUs: cents per unit of that SKU from that site (own terms + future cost)
    price: np.ndarray  # sites x brackets: carrier price + late penalty, inf if it cannot carry
    breaks: np.ndarray  # upper weight of each bracket (grams)
    backorder: float  # cents per unit not shipped
    groups: list[tuple[int, ...]]  # keep-together SKU indices
    max_packages: int | None
    # `breaks` as floats: `bracket` is called per candidate parcel, where bisect beats numpy ten-fold
    _break_list: list[float] = field(init=False, repr=False)
    # `rates` once per problem: the search reads it for every set it evaluates
    _rates: np.ndarray = field(init=False, repr=False)
    # the same arrays as lists, for the per-parcel arithmetic (numpy scalars cost more than the sums)
    _lists: tuple[list[int], list[float], list[float], list[list[float]], list[list[float]], list[list[float]]] = field(
        init=False, repr=False
    )

    def __post_init__(self) -> None:
        self._break_list = [float(b) for b in self.breaks.tolist()]
        self._rates = self.unit[:, None] + self.extra
        self._lists = (
            [int(w) for w in self.weight.tolist()],
            self.fixed.tolist(),
            self.unit.tolist(),
            self.extra.tolist(),
            self.price.tolist(),
            self._rates.tolist(),
        )

    @property
    def total_units(self) -> int:
        """Units wanted."""
        return int(self.qty.sum())

    @property
    def rates(self) -> np.ndarray:
        """Sites x SKUs: everything one more unit of a SKU costs at a site besides the carrier price (cents)."""
        return self._rates

    def extra_cost(self, site: int, quantities: Sequence[int]) -> float:
        """The per-SKU unit terms (own prices, future costs) of these units from a site, cents."""
        row = self._lists[3][site]
        return float(sum(row[sku] * count for sku, count in enumerate(quantities) if count))

    def bracket(self, weight: float) -> int:
        """Bracket index for a parcel weight (len(breaks) if too heavy for every card)."""
        return bisect_left(self._break_list, weight)

    def shipment_cost(self, site: int, quantities: Sequence[int]) -> float:
        """Cost in cents of one shipment of these units from a site (inf if too heavy)."""
        weights, fixed, unit, _, price, _ = self._lists
        units = 0
        weight = 0
        for sku, count in enumerate(quantities):
            if count:
                units += count
                weight += count * weights[sku]
        k = self.bracket(weight)
        row = price[site]
        if k >= len(row):
            return math.inf
        return fixed[site] + row[k] + unit[site] * units + self.extra_cost(site, quantities)

    def price_at(self, site: int, weight: float) -> float:
        """Carrier price (cents) of a parcel of this weight from the site; inf if too heavy."""
        row = self._lists[4][site]
        k = bisect_left(self._break_list, weight)
        return row[k] if k < len(row) else math.inf

    def split_price_floor(self, i: int, j: int, weight_i: int, weight_j: int, shared: int) -> float:
        """Least carrier price (cents) of sites `i` and `j` shipping their own `weight_i` and `weight_j`
        grams plus `shared` grams split between them in any way, whatever units make it up.

        A bound on a pair's split: for each price bracket `i` could end in, `i` takes as much as
        that bracket holds (prices only rise with weight, so `j` pays least for the rest).
        """
        row_i, limits = self._lists[4][i], self._break_list
        least = self.price_at(i, weight_i + shared) + self.price_at(j, weight_j)  # i takes it all
        for k in range(self.bracket(weight_i), min(self.bracket(weight_i + shared), len(row_i))):
            taken = math.floor(limits[k]) - weight_i  # all that i's bracket k holds: less than `shared`
            least = min(least, row_i[k] + self.price_at(j, weight_j + shared - taken))
        return least

    def assignment_floor(
        self, x: Mapping[int, Sequence[int]], flex: Sequence[tuple[int, int, Sequence[tuple[int, int]]]]
    ) -> float:
        """Least cost of a plan that ships `x` plus `flex` units (sku, count, [(holder, at most)]).

        Each site pays its price at the weight it already ships (prices only rise with weight),
        each flexible unit its cheapest holder's rate; units shipped by no one are backordered.
        """
        rates = self._lists[5]
        total = 0.0
        shipped = 0
        for site, quantities in x.items():
            row = rates[site]
            total += self._lists[1][site] + self.price_at(site, self.parcel_weight(quantities))
            total += sum(row[sku] * count for sku, count in enumerate(quantities) if count)
            shipped += sum(quantities)
        for sku, count, holders in flex:
            total += count * min(rates[site][sku] for site, _ in holders)
            shipped += count
        return total + self.backorder * float(self.total_units - shipped)

    def parcel_weight(self, quantities: Sequence[int]) -> int:
        """Grams of these units (per SKU, in the order of `skus`)."""
        weights = self._lists[0]
        return sum(weights[s] * q for s, q in enumerate(quantities) if q)

    def solution(self, assignment: Mapping[int, Sequence[int]]) -> Solution:
        """Cost a site -> units assignment (empty shipments dropped)."""
        used = sorted(site for site, quantities in assignment.items() if any(quantities))
        total = 0.0
        shipped = 0
        for site in used:
            total += self.shipment_cost(site, assignment[site])
            shipped += sum(int(q) for q in assignment[site])
        total += self.backorder * float(self.total_units - shipped)
        return Solution(total, tuple(used), tuple(tuple(int(q) for q in assignment[site]) for site in used))

    def empty(self) -> Solution:
        """Ship nothing: everything backordered."""
        return Solution(self.backorder * self.total_units, (), ())


def merge_lines(request: RouteRequest) -> tuple[list[str], list[int], list[int]]:
    """SKUs in first-seen order with total quantity and unit weight; validates the lines."""
    skus: list[str] = []
    qty: dict[str, int] = {}
    weight: dict[str, int] = {}
    for line in request.lines:
        if line.quantity <= 0:
            raise ValueError(f"line {line.sku}: quantity must be positive")
        if line.weight_grams < 0:
            raise ValueError(f"line {line.sku}: weight_grams must not be negative")
        if line.sku in qty:
            if weight[line.sku] != line.weight_grams:
                raise ValueError(f"SKU {line.sku} appears twice with different weights")
            qty[line.sku] += line.quantity
        else:
            skus.append(line.sku)
            qty[line.sku] = line.quantity
            weight[line.sku] = line.weight_grams
    return skus, [qty[s] for s in skus], [weight[s] for s in skus]


def merged_groups(groups: Sequence[frozenset[str]], skus: Sequence[str]) -> list[tuple[int, ...]]:
    """Keep-together groups restricted to the order's SKUs, overlapping groups merged, singletons dropped."""
    index = {sku: i for i, sku in enumerate(skus)}
    parent = list(range(len(skus)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for group in groups:
        members = sorted(index[sku] for sku in group if sku in index)
        for other in members[1:]:
            parent[find(other)] = find(members[0])
    classes: dict[int, list[int]] = {}
    for i in range(len(skus)):
        classes.setdefault(find(i), []).append(i)
    return sorted(tuple(members) for members in classes.values() if len(members) > 1)


def shipping_reasons(candidate: Candidate, miles: float, rules: Rules) -> str | None:
    """Why a candidate may not ship this order (None if it may), before costs and stock."""
    if candidate.code in rules.excluded_locations:
        return "excluded"
    if candidate.kind in rules.excluded_kinds:
        return f"{candidate.kind} excluded"
    if rules.location_pool is not None and candidate.code not in rules.location_pool:
        return "not in the channel's pool"
    if candidate.capacity_left is not None and candidate.capacity_left <= 0:
        return "no capacity left today"
    if not candidate.ships_orders:
        return "does not ship orders"
    if candidate.kind == "store":
        if not candidate.ship_from_store:
            return "store does not ship"
        radius = rules.ship_from_store_radius_miles
        if radius is not None and miles > radius:
            return "store beyond ship-from-store radius"
    return None


def _per_sku(amounts: Mapping[str, Decimal], skus: Sequence[str]) -> np.ndarray | None:
    """Dollars per SKU code as cents in the order of `skus` (None if all zero); a negative amount is refused."""
    if not amounts:
        return None
    row = np.array([cents(amounts.get(sku, 0)) for sku in skus], dtype=float)
    if (row < 0).any():
        raise ValueError("per-unit costs and future costs must not be negative")
    return row if row.any() else None


def _site_extra(site: Site, count: int) -> np.ndarray:
    row = np.zeros(count, dtype=float)
    if site.terms_unit is not None:
        row += site.terms_unit
    if site.future_unit is not None:
        row += site.future_unit
    return row


def build_problem(
    *,
    request: RouteRequest,
    candidates: Sequence[Candidate],
    compiled: CompiledCostModel,
    rules: Rules,
    skus: list[str],
    qty: list[int],
    weight: list[int],
    allowed: frozenset[str] | None,
    max_packages: int | None,
    groups: list[tuple[int, ...]],
) -> Problem:
    """Arrays for the candidates that may ship (in `allowed`, if given) and hold some wanted stock."""
    qty_arr = np.asarray(qty, dtype=np.int64)
    weight_arr = np.asarray(weight, dtype=np.int64)
    pool = [c for c in candidates if allowed is None or c.code in allowed]
    if pool:
        miles_all = haversine_miles_many(
            request.destination_lat,
            request.destination_lon,
            np.array([c.lat for c in pool], dtype=float),
            np.array([c.lon for c in pool], dtype=float),
        )
    else:
        miles_all = np.zeros(0)
    total_weight = int(qty_arr @ weight_arr)
    brackets = min(compiled.bracket_of(total_weight) + 1, len(compiled.breaks))
    carrier_cache: dict[tuple[int, date], CarrierCosts] = {}
    sites: list[Site] = []
    rows: list[list[int]] = []
    for candidate, miles in sorted(
        zip(pool, miles_all.tolist(), strict=True), key=lambda p: (p[0].priority, p[1], p[0].code)
    ):
        if shipping_reasons(candidate, miles, rules) is not None:
            continue
        # stock as given; capped to [0, wanted] for all sites at once below (per-element min/max is most of this loop)
        held = candidate.available.get
        row = [held(sku, 0) for sku in skus]
        if not any(units > 0 for units in row):
            continue
        zone = zone_for_miles(miles, compiled.model.zone_bands)
        shipped_on = ship_date(request.placed_at, candidate.timezone, candidate.cutoff_local)
        key = (zone, shipped_on)
        costs = carrier_cache.get(key)
        if costs is None:
            costs = carrier_costs(
                compiled,
                zone=zone,
                shipped_on=shipped_on,
                service=request.service,
                promised_by=request.promised_by,
                brackets=brackets,
                extra_transit_days=request.extra_transit_days,
            )
            carrier_cache[key] = costs
        if not math.isfinite(float(costs.price[0])):
            continue
        terms_fixed = cents(candidate.fixed_cost)
        sites.append(
            Site(
                code=candidate.code,
                kind=candidate.kind,
                priority=candidate.priority,
                miles=miles,
                zone=zone,
                ship_date=shipped_on,
                fixed=compiled.handling.get(candidate.kind, 0.0) + compiled.package + terms_fixed,
                unit_cost=compiled.per_unit_base + compiled.per_unit_per_mile * miles,
                carrier=costs,
                terms_label=candidate.cost_terms,
                terms_fixed=terms_fixed,
                terms_unit=_per_sku(candidate.unit_costs, skus),
                future_unit=_per_sku(candidate.future_costs, skus),
            )
        )
        rows.append(row)
    count = len(sites)
    return Problem(
        skus=skus,
        qty=qty_arr,
        weight=weight_arr,
        sites=sites,
        avail=np.clip(np.asarray(rows, dtype=np.int64).reshape(count, len(skus)), 0, qty_arr),
        fixed=np.array([s.fixed for s in sites], dtype=float),
        unit=np.array([s.unit_cost for s in sites], dtype=float),
        extra=(
            np.vstack([_site_extra(s, len(skus)) for s in sites]) if sites else np.zeros((0, len(skus)), dtype=float)
        ),
        price=(np.vstack([s.carrier.price for s in sites]) if sites else np.zeros((0, brackets))),
        breaks=compiled.breaks[:brackets],
        backorder=compiled.backorder,
        groups=groups,
        max_packages=max_packages,
    )
