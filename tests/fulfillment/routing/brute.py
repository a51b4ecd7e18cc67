"""An independent, deliberately naive reference for the router: every assignment, priced from scratch.

It shares no code with `fulfillment.routing` beyond the input dataclasses: eligibility,
zones, dates, rate-card lookup and costs are re-implemented here from the documented rules,
and every way to split every unit among the eligible locations (or backorder it) is tried.
Only for tiny instances (a few locations, SKUs and units). Costs are float cents.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.geo import haversine_miles
from fulfillment.routing import Candidate, CostModel, Plan, RouteRequest, Rules

LEVELS = ("standard", "express", "next_day", "same_day")


@dataclass
class Place:
    """An eligible location with what its shipment cost depends on."""

    candidate: Candidate
    miles: float
    zone: int
    shipped_on: date


def zone_of(miles: float, model: CostModel) -> int:
    for limit, zone in model.zone_bands:
        if miles <= limit:
            return zone
    return 8


def shipping_day(placed_at: datetime, candidate: Candidate) -> date:
    local = placed_at.astimezone(ZoneInfo(candidate.timezone))
    day = local.date()
    if candidate.cutoff_local is not None and local.time() >= candidate.cutoff_local:
        day += timedelta(days=1)
    if day.isoweekday() == 7:
        day += timedelta(days=1)
    return day


def delivered(day: date, transit: int) -> date:
    for _ in range(transit):
        day += timedelta(days=1)
        if day.isoweekday() == 7:
            day += timedelta(days=1)
    return day


def eligible(request: RouteRequest, candidates: Sequence[Candidate], model: CostModel, rules: Rules) -> list[Place]:
    """Locations that may ship this order, by the documented rules."""
    places = []
    for c in candidates:
        miles = haversine_miles(request.destination_lat, request.destination_lon, c.lat, c.lon)
        if c.code in rules.excluded_locations or c.kind in rules.excluded_kinds:
            continue
        if c.capacity_left is not None and c.capacity_left <= 0:
            continue
        if not c.ships_orders:
            continue
        if c.kind == "store":
            if not c.ship_from_store:
                continue
            if rules.ship_from_store_radius_miles is not None and miles > rules.ship_from_store_radius_miles:
                continue
        places.append(Place(c, miles, zone_of(miles, model), shipping_day(request.placed_at, c)))
    return places


def carrier_cents(request: RouteRequest, place: Place, model: CostModel, weight: int) -> float:
    """Cheapest card price + late penalty for a parcel (cents); inf if no card carries it."""
    per_day = float(model.late_penalty_per_day) * 100

    def late(transit: int) -> float:
        if request.promised_by is None:
            return 0.0
        return max(0, (delivered(place.shipped_on, transit) - request.promised_by).days) * per_day

    if not model.rate_cards:
        transit = list(model.fallback_transit_days)[min(max(place.zone, 1), 8) - 1]
        return late(transit)
    wanted = LEVELS.index(request.service)
    best = math.inf
    for card in model.rate_cards:
        level = LEVELS.index(card.level)
        if level < wanted or (level > wanted and not model.allow_upgrade):
            continue
        if place.zone not in card.transit_days or place.zone not in card.rates:
            continue
        rows = sorted(card.rates[place.zone])
        price = next((float(p) * 100 for limit, p in rows if weight <= limit), math.inf)
        best = min(best, price + late(card.transit_days[place.zone]))
    return best


def shipment_cents(request: RouteRequest, place: Place, model: CostModel, units: int, weight: int) -> float:
    """Cost of one shipment from a place (cents)."""
    per_unit = float(model.per_unit_base) * 100 + float(model.per_unit_per_mile) * 100 * place.miles
    handling = float(model.handling_by_kind.get(place.candidate.kind, 0)) * 100
    return handling + float(model.package_cost) * 100 + carrier_cents(request, place, model, weight) + per_unit * units


def _lines(request: RouteRequest) -> tuple[list[str], list[int], list[int]]:
    skus: list[str] = []
    qty: dict[str, int] = {}
    weight: dict[str, int] = {}
    for line in request.lines:
        if line.sku not in qty:
            skus.append(line.sku)
            qty[line.sku] = 0
            weight[line.sku] = line.weight_grams
        qty[line.sku] += line.quantity
    return skus, [qty[s] for s in skus], [weight[s] for s in skus]


def plan_cents(request: RouteRequest, candidates: Sequence[Candidate], model: CostModel, plan: Plan) -> float:
    """What a plan costs, priced by this module (cents); inf if a shipment is impossible."""
    skus, qty, weight = _lines(request)
    by_code = {c.code: c for c in candidates}
    total = 0.0
    shipped = dict.fromkeys(skus, 0)
    for shipment in plan.shipments:
        c = by_code[shipment.location]
        miles = haversine_miles(request.destination_lat, request.destination_lon, c.lat, c.lon)
        place = Place(c, miles, zone_of(miles, model), shipping_day(request.placed_at, c))
        units = sum(shipment.lines.values())
        grams = sum(weight[skus.index(s)] * q for s, q in shipment.lines.items())
        total += shipment_cents(request, place, model, units, grams)
        for sku, count in shipment.lines.items():
            shipped[sku] += count
    backordered = sum(q - shipped[s] for s, q in zip(skus, qty, strict=True))
    return total + backordered * float(model.backorder_penalty_per_unit) * 100


def keep_together_groups(rules: Rules, skus: Sequence[str]) -> list[set[str]]:
    """The order's keep-together groups as the router reads them: overlapping groups merged
    ({A, B} and {A, C} ship A, B and C together), SKUs not ordered and singletons dropped."""
    groups: list[set[str]] = []
    for group in rules.keep_together:
        members = {s for s in group if s in skus}
        for other in [g for g in groups if g & members]:
            members |= other
            groups.remove(other)
        if len(members) > 1:
            groups.append(members)
    return groups


def optimum_cents(request: RouteRequest, candidates: Sequence[Candidate], model: CostModel, rules: Rules) -> float:
    """The cheapest plan's cost over every assignment (cents). Priority tiers are not modelled."""
    skus, qty, weight = _lines(request)
    places = eligible(request, candidates, model, rules)
    groups = keep_together_groups(rules, skus)
    group_of = {s: n for n, g in enumerate(groups) for s in g}
    # states: (per place (units, grams), per group the place used or -1, backordered units)
    states = {(tuple((0, 0) for _ in places), tuple(-1 for _ in groups), 0)}
    for s, (sku, want) in enumerate(zip(skus, qty, strict=True)):
        stock = [max(0, min(int(p.candidate.available.get(sku, 0)), want)) for p in places]
        splits = _splits(want, stock)
        grown = set()
        for loads, owners, backordered in states:
            for split in splits:
                owners_after = list(owners)
                if sku in group_of:
                    used = [n for n, q in enumerate(split) if q]
                    g = group_of[sku]
                    if len(used) > 1 or (used and owners[g] not in (-1, used[0])):
                        continue
                    if used:
                        owners_after[g] = used[0]
                new_loads = tuple((u + q, grams + q * weight[s]) for (u, grams), q in zip(loads, split, strict=True))
                grown.add((new_loads, tuple(owners_after), backordered + want - sum(split)))
        states = grown
    best = math.inf
    penalty = float(model.backorder_penalty_per_unit) * 100
    for loads, _, backordered in states:
        shipping = [(place, u, grams) for place, (u, grams) in zip(places, loads, strict=True) if u]
        if rules.max_packages is not None and len(shipping) > rules.max_packages:
            continue
        cost = backordered * penalty + sum(shipment_cents(request, pl, model, u, g) for pl, u, g in shipping)
        best = min(best, cost)
    return best


def _splits(want: int, stock: list[int]) -> list[tuple[int, ...]]:
    """Every way to take at most `want` units from places with this stock."""
    found: list[tuple[int, ...]] = []

    def walk(n: int, left: int, taken: tuple[int, ...]) -> None:
        if n == len(stock):
            found.append(taken)
            return
        for q in range(min(stock[n], left) + 1):
            walk(n + 1, left - q, (*taken, q))

    walk(0, want, ())
    return found
