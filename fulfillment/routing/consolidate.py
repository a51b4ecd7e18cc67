"""Consolidation: one parcel from a node instead of a split shipment.

For a plan that ships from two or more locations, each node (the hubs nearest the destination,
the plan's own locations, and the location holding most of the order) is priced as

    linehaul of the units the node lacks, from the plan's other locations, over the lanes
  + handling of those inbound units at the node
  + ONE parcel from the node, shipped once the last leg has arrived and the node has
    processed it, priced by the rate cards like any shipment (its late penalty included)
  + the split plan's backorder penalty (consolidation ships the same units).

The cheapest node replaces the split plan only if it costs less in total and delivers no later
than the promise (when the split is already late: no later than the split). Each node is a
handful of arithmetic operations and at most `Consolidation.max_hubs` + the plan's locations + 1
nodes are tried, in code order, so the answer is the same for the same input; the loop stops at the caller's
deadline only once one node has been priced (the only way timing can change the result).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .costs import (
    CompiledCostModel,
    add_transit_days,
    carrier_costs,
    cents,
    cents_to_decimal,
    haversine_miles,
    late_days,
    ship_date,
    zone_for_miles,
)
from .problem import merge_lines, shipping_reasons
from .report import day_label
from .types import (
    Alternative,
    Candidate,
    Consolidation,
    LinehaulLane,
    Plan,
    PlannedLeg,
    PlannedShipment,
    RouteRequest,
    Rules,
)

ZERO = Decimal("0.00")
_SUNDAY = 6
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True, slots=True)
class _Node:
    """A location priced as the consolidation node: handling (cents per inbound unit) and processing days."""

    code: str
    handling: float
    processing_days: int


@dataclass(frozen=True, slots=True)
class _Option:
    """One node's consolidated plan: the parcel, the legs, and what it all costs."""

    node: str
    shipment: PlannedShipment
    legs: tuple[PlannedLeg, ...]
    breakdown: dict[str, Decimal]
    total: Decimal
    late_days: int

    def key(self) -> tuple[Decimal, int, str]:
        """Cheapest first, then fewer legs, then the node's code."""
        return (self.total, len(self.legs), self.node)


_lane_indexes: dict[int, tuple[Consolidation, dict[tuple[str, str], LinehaulLane]]] = {}


def _lane_index(options: Consolidation) -> dict[tuple[str, str], LinehaulLane]:
    """Lanes by (origin, destination), built once per options object (a network can have thousands)."""
    found = _lane_indexes.get(id(options))
    if found is not None and found[0] is options:
        return found[1]
    index = {(lane.origin, lane.destination): lane for lane in options.lanes}
    if len(_lane_indexes) > 64:
        _lane_indexes.clear()
    _lane_indexes[id(options)] = (options, index)
    return index


def words(count: int) -> str:
    """A small count in words ('two'), larger ones in digits."""
    return _WORDS[count] if 0 <= count < len(_WORDS) else str(count)


def _nodes(
    request: RouteRequest,
    by_code: Mapping[str, Candidate],
    options: Consolidation,
    split: Plan,
    wanted: Mapping[str, int],
) -> list[_Node]:
    """The hubs nearest the destination, every location of the split plan, and the candidate holding
    most of the order (those two of a kind in `node_kinds`), by code."""
    hubs = [hub for hub in options.hubs if hub.code in by_code]
    hubs.sort(
        key=lambda hub: (
            haversine_miles(
                request.destination_lat, request.destination_lon, by_code[hub.code].lat, by_code[hub.code].lon
            ),
            hub.code,
        )
    )
    nodes = {
        hub.code: _Node(hub.code, cents(hub.handling_per_unit), max(0, hub.processing_days))
        for hub in hubs[: max(0, options.max_hubs)]
    }
    holder = max(
        sorted(by_code.values(), key=lambda c: c.code),
        key=lambda c: sum(min(q, max(0, int(c.available.get(sku, 0)))) for sku, q in wanted.items()),
    )  # the candidate with most of the order's units, the first code of equals
    for code in (*(shipment.location for shipment in split.shipments), holder.code):
        if code not in nodes and by_code[code].kind in options.node_kinds:
            nodes[code] = _Node(code, cents(options.handling_per_unit), max(0, options.processing_days))
    return [nodes[code] for code in sorted(nodes)]


def _legs_for(
    node: str,
    need: Mapping[str, int],
    split: Plan,
    by_code: Mapping[str, Candidate],
    lanes: Mapping[tuple[str, str], LinehaulLane],
    options: Consolidation,
    weights: Mapping[str, int],
) -> dict[str, dict[str, int]] | None:
    """Which plan location sends which units to the node (cheapest lane per unit first); None if
    some unit has no way there."""
    usable = [
        (shipment, lanes[(shipment.location, node)])
        for shipment in split.shipments
        if shipment.location != node
        and (shipment.location, node) in lanes
        and by_code[shipment.location].kind in options.origin_kinds
    ]
    legs: dict[str, dict[str, int]] = {}
    for sku, count in need.items():
        remaining = count
        grams = weights[sku]
        order = sorted(
            usable,
            key=lambda pair: (
                pair[1].cost_per_unit + pair[1].cost_per_kg * grams / 1000,
                pair[1].transit_days,
                pair[0].location,
            ),
        )
        for shipment, _lane in order:
            take = min(remaining, int(shipment.lines.get(sku, 0)))
            if take:
                legs.setdefault(shipment.location, {})
                legs[shipment.location][sku] = legs[shipment.location].get(sku, 0) + take
                remaining -= take
            if remaining == 0:
                break
        if remaining:
            return None
    return legs


def _price(
    node: _Node,
    request: RouteRequest,
    by_code: Mapping[str, Candidate],
    compiled: CompiledCostModel,
    rules: Rules,
    options: Consolidation,
    split: Plan,
    wanted: Mapping[str, int],
    weights: Mapping[str, int],
) -> _Option | None:
    """The consolidated plan at one node, or None if the node cannot be used."""
    site = by_code[node.code]
    miles = haversine_miles(request.destination_lat, request.destination_lon, site.lat, site.lon)
    if shipping_reasons(site, miles, rules) is not None:
        return None
    own = {sku: min(q, max(0, int(site.available.get(sku, 0)))) for sku, q in wanted.items()}
    need = {sku: q - own[sku] for sku, q in wanted.items() if q > own[sku]}
    if not need:  # the node alone: a one-location plan the router has already weighed
        return None
    lanes = _lane_index(options)
    sent = _legs_for(node.code, need, split, by_code, lanes, options, weights)
    if sent is None:
        return None
    legs = []
    linehaul = 0.0
    for origin in sorted(sent):
        lane = lanes[(origin, node.code)]
        lines = sent[origin]
        grams = sum(q * weights[sku] for sku, q in lines.items())
        cost = cents(lane.cost_per_unit) * sum(lines.values()) + cents(lane.cost_per_kg) * grams / 1000
        linehaul += cost
        source = by_code[origin]
        leaves = ship_date(request.placed_at, source.timezone, source.cutoff_local)
        legs.append(
            PlannedLeg(
                origin=origin,
                destination=node.code,
                lines={sku: lines[sku] for sku in wanted if sku in lines},
                weight_grams=grams,
                cost=cents_to_decimal(cost),
                ship_date=leaves,
                arrives=add_transit_days(leaves, max(0, lane.transit_days)),
                transit_days=max(0, lane.transit_days),
            )
        )
    ready = add_transit_days(max(leg.arrives for leg in legs), node.processing_days)
    leaves = max(ship_date(request.placed_at, site.timezone, site.cutoff_local), ready)
    if leaves.weekday() == _SUNDAY:
        leaves += timedelta(days=1)
    units = sum(wanted.values())
    grams = sum(q * weights[sku] for sku, q in wanted.items())
    bracket = compiled.bracket_of(grams)
    if bracket >= len(compiled.breaks):
        return None
    zone = zone_for_miles(miles, compiled.model.zone_bands)
    carrier = carrier_costs(
        compiled,
        zone=zone,
        shipped_on=leaves,
        service=request.service,
        promised_by=request.promised_by,
        brackets=bracket + 1,
        extra_transit_days=request.extra_transit_days,
    )
    price = float(carrier.price[bracket])
    if not math.isfinite(price):
        return None
    late = float(carrier.late[bracket])
    carrier_code, service, _transit, delivery, days_late = carrier.options[int(carrier.option[bracket])]
    parcel = {
        "shipping": cents_to_decimal(
            price - late + (compiled.per_unit_base + compiled.per_unit_per_mile * miles) * units
        ),
        "handling": cents_to_decimal(compiled.handling.get(site.kind, 0.0)),
        "packages": cents_to_decimal(compiled.package),
        "late_penalty": cents_to_decimal(late),
    }
    parcel.update(_own_terms(site, own, sent, by_code))
    inbound = sum(sum(leg.lines.values()) for leg in legs)
    breakdown = {
        **parcel,
        "backorder_penalty": split.cost_breakdown.get("backorder_penalty", ZERO),
        "linehaul": sum((leg.cost for leg in legs), ZERO),
        "hub_handling": cents_to_decimal(node.handling * inbound),
    }
    shipment = PlannedShipment(
        location=node.code,
        lines=dict(wanted),
        carrier=carrier_code,
        service=service,
        weight_grams=grams,
        cost=sum(parcel.values(), ZERO),
        cost_breakdown=parcel,
        ship_date=leaves,
        estimated_delivery=delivery,
        zone=zone,
        distance_miles=miles,
    )
    return _Option(node.code, shipment, tuple(legs), breakdown, sum(breakdown.values(), ZERO), days_late)


def _own_terms(
    node: Candidate, own: dict[str, int], sent: Mapping[str, Mapping[str, int]], by_code: Mapping[str, Candidate]
) -> dict[str, Decimal]:
    """The locations' own terms and future costs of the units a consolidated parcel takes from each
    (the node's fee and its own units, the origins' units), under the keys a shipment has them."""
    terms = cents(node.fixed_cost)
    future = 0.0
    sources = [(node, own), *((by_code[origin], lines) for origin, lines in sent.items())]
    for source, lines in sources:
        for sku, count in lines.items():
            terms += cents(source.unit_costs.get(sku, 0)) * count
            future += cents(source.future_costs.get(sku, 0)) * count
    found = {}
    if terms:
        found["partner_terms"] = cents_to_decimal(terms)
    if future:
        found["future_cost"] = cents_to_decimal(future)
    return found


def _promise_words(delivery: date, promised_by: date | None, days_late: int) -> str:
    if promised_by is None:
        return "no promise date"
    if days_late == 0:
        return "within the promise"
    return f"{days_late} day{'s' if days_late != 1 else ''} after the promise, no later than the split"


def _units(count: int) -> str:
    return f"{count} unit" if count == 1 else f"{count} units"


def consolidated_reason(option: _Option, split: Plan, promised_by: date | None) -> str:
    """'Consolidated at cmh-dc: one box instead of two, $3.40 cheaper, arrives Thu 10 Dec, within the promise; ...'."""
    saving = split.total_cost - option.total
    delivery = option.shipment.estimated_delivery
    sources = ", ".join(f"{leg.origin} ({_units(sum(leg.lines.values()))})" for leg in option.legs)
    text = (
        f"Consolidated at {option.node}: one box instead of {words(split.packages)}, ${saving} cheaper, "
        f"arrives {day_label(delivery)}, {_promise_words(delivery, promised_by, option.late_days)}; "
        f"transfers from {sources} reach it by {day_label(max(leg.arrives for leg in option.legs))}"
    )
    if split.backordered_units:
        text += f"; {_units(split.backordered_units)} backordered"
    return text


def _split_alternative(split: Plan) -> Alternative:
    codes = tuple(shipment.location for shipment in split.shipments)
    arrival = max(shipment.estimated_delivery for shipment in split.shipments)
    summary = f"Split: {' + '.join(codes)}: {split.packages} packages, ${split.total_cost}"
    summary += f", arrives {day_label(arrival)}"
    if split.backordered_units:
        summary += f", {_units(split.backordered_units)} backordered"
    return Alternative(
        locations=codes,
        total_cost=split.total_cost,
        packages=split.packages,
        backordered_units=split.backordered_units,
        summary=summary,
    )


def consolidate(
    request: RouteRequest,
    candidates: Sequence[Candidate],
    compiled: CompiledCostModel,
    rules: Rules,
    options: Consolidation,
    split: Plan,
    *,
    deadline: float,
) -> Plan:
    """The split plan, or a cheaper consolidated one that keeps the promise (see the module docstring)."""
    if len(split.shipments) < 2 or request.pickup_location is not None:
        return split
    by_code = {candidate.code: candidate for candidate in candidates}
    if any(shipment.location not in by_code for shipment in split.shipments):
        return split
    skus, _qty, unit_weights = merge_lines(request)
    weights = dict(zip(skus, unit_weights, strict=True))
    wanted: dict[str, int] = {}
    for sku in skus:  # in line order, so the node's lines read like the order's
        count = sum(int(shipment.lines.get(sku, 0)) for shipment in split.shipments)
        if count:
            wanted[sku] = count
    split_late = max(late_days(s.estimated_delivery, request.promised_by) for s in split.shipments)
    best: _Option | None = None
    for node in _nodes(request, by_code, options, split, wanted):
        if best is not None and time.perf_counter() > deadline:
            break
        option = _price(node, request, by_code, compiled, rules, options, split, wanted, weights)
        if option is None or option.late_days > split_late:
            continue
        if best is None or option.key() < best.key():
            best = option
    if best is None or best.total >= split.total_cost:
        return split
    return Plan(
        shipments=(best.shipment,),
        backorders=dict(split.backorders),
        total_cost=best.total,
        cost_breakdown=best.breakdown,
        reason=consolidated_reason(best, split, request.promised_by),
        alternatives=(_split_alternative(split), *split.alternatives[:2]),
        method=split.method,
        legs=best.legs,
    )
