"""Routing pinned to one location: what each location would cost for an order, and routing to the one staff chose.

The engine prices "a plan restricted to that location" by planning with that location as the
only candidate: the same request, cost model and merchant rules as `order_route`, so a price
here is what the engine would charge for that location. The order's own reservations count as
available (re-routing releases them first), so the location it ships from now is priced too.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from core.types import AnyUser
from fulfillment.models import ShipmentLine, ShipmentStatus
from fulfillment.routing import Line, Plan, Rules, plan
from fulfillment.selectors.cost_model import cost_model_load, routing_rules_for
from fulfillment.services.routing import reserve
from fulfillment.services.routing.candidates import (
    candidates_and_locations,
    route_request,
    waiting_lines,
    with_exclusions,
)
from inventory.models import Location
from orders.models import Order, OrderLine, OrderStatus
from orders.services import order_lock

#: Shipments whose units re-routing takes back (nobody has started picking them).
_RELEASABLE = (ShipmentStatus.REQUESTED, ShipmentStatus.ACCEPTED)


@dataclass(frozen=True)
class LocationPrice:
    """What shipping the order's open units from one location would cost, per the engine."""

    location: Location
    plan: Plan
    current: bool

    @property
    def backordered_units(self) -> int:
        return sum(self.plan.backorders.values())

    @property
    def shipped_units(self) -> int:
        return sum(sum(shipment.lines.values()) for shipment in self.plan.shipments)

    @property
    def can_ship(self) -> bool:
        return self.shipped_units > 0

    @property
    def total_cost(self) -> Decimal:
        return self.plan.total_cost


def _own_reservations(order: Order) -> dict[str, dict[str, int]]:
    """Units the order holds in shipments that re-routing would release, by location code and SKU."""
    held: dict[str, dict[str, int]] = defaultdict(dict)
    rows = ShipmentLine.objects.filter(shipment__order=order, shipment__status__in=_RELEASABLE).values_list(
        "shipment__location__code", "sku__code", "quantity"
    )
    for code, sku, quantity in rows:
        held[code][sku] = held[code].get(sku, 0) + quantity
    return held


def order_locations_priced(*, order: Order) -> list[LocationPrice]:
    """Each location that could ship the order's open units (not shipped, not cancelled), priced by the
    engine as the only location allowed, cheapest first; those that can ship nothing come last.

    Reads only. Precondition: nothing of the order is being picked, packed or shipped (staff choose a
    location before pick), so its open units are the waiting ones plus those in releasable shipments.
    """
    lines = list(order.lines.select_related("sku").order_by("line_number"))
    open_lines = [line for line in lines if line.quantity > line.quantity_cancelled + line.quantity_shipped]
    if not open_lines:
        return []
    request = route_request(order, open_lines)
    request = dataclasses.replace(
        request,
        lines=tuple(
            Line(line.sku.code, line.quantity - line.quantity_cancelled - line.quantity_shipped, line.sku.weight_grams)
            for line in open_lines
        ),
    )
    held = _own_reservations(order)
    # The locations holding the order's reservations may have no other stock: `hubs` keeps them in.
    candidates, locations, _unrun = candidates_and_locations(
        sku_codes={line.sku_id: line.sku.code for line in open_lines}, order=order, hubs=frozenset(held)
    )
    rules = with_exclusions(routing_rules_for(order.channel), order)
    cost_model = cost_model_load()
    priced = []
    for candidate in candidates:
        if candidate.code in rules.excluded_locations or candidate.kind in rules.excluded_kinds:
            continue  # the merchant's rules or an earlier rejection keep it out: not a choice
        own = held.get(candidate.code, {})
        available = {sku: candidate.available.get(sku, 0) + own.get(sku, 0) for sku in {*candidate.available, *own}}
        alone = dataclasses.replace(candidate, available=available)
        found = plan(request, [alone], cost_model, rules)
        priced.append(LocationPrice(location=locations[candidate.code], plan=found, current=candidate.code in held))
    priced.sort(key=lambda price: (not price.can_ship, price.backordered_units, price.total_cost, price.location.code))
    return priced


def _pinned_rules(rules: Rules, location: Location) -> Rules:
    """The rules with every other location excluded (the channel's pool, set later, cannot undo an exclusion)."""
    others = Location.objects.exclude(pk=location.pk).values_list("code", flat=True)
    return dataclasses.replace(rules, excluded_locations=rules.excluded_locations | frozenset(others))


def order_route_pinned(
    *, order: Order, location: Location, actor: AnyUser | None, trigger: str, actor_label: str = ""
) -> reserve.RoutingOutcome | None:
    """Route the order's waiting units from `location` only (what it lacks waits for stock); record why.

    `order_route` with every other location excluded: same planning, reservation (re-planned if
    another order takes the stock meanwhile), decision record and timeline entry, whose trigger
    says who chose. None if nothing waits or the order is on hold or cancelled. Runs in one
    transaction with the order's row locked.
    """
    with transaction.atomic():
        order = order_lock(order)
        if order.status in (OrderStatus.ON_HOLD, OrderStatus.CANCELLED):
            return None
        lines: list[OrderLine] = waiting_lines(order)
        if not lines:
            return None
        rules = _pinned_rules(with_exclusions(routing_rules_for(order.channel), order), location)
        decision, reserved = reserve.reserve_and_record(
            order, lines, rules, trigger=trigger, actor=actor, actor_label=actor_label
        )
    return reserve._outcome(decision, reserved)
