"""Reserving a consolidated plan: the node's own units for its shipment, a transfer from each origin
for the rest, and the hold that keeps the shipment out of the work queue until they arrive.

The units on their way are allocated on the order lines (the order is routed, not backordered)
but are not lines of the shipment yet: a shipment line is always a unit reserved at the
shipment's location, so cancelling or shipping the shipment moves exactly its own stock. They
become shipment lines when their transfer is received at the node
(`fulfillment.services.consolidation`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.types import AnyUser
from fulfillment.models import (
    ConsolidationHold,
    ConsolidationLeg,
    Shipment,
    ShipmentLine,
)
from fulfillment.routing import Plan
from fulfillment.routing.report import day_label
from fulfillment.services.routing.consolidated_rows import LegUnits, consolidation_rows_write
from fulfillment.services.shipments import Allocation, ShipmentSpec, shipments_create
from inventory.models import Location
from inventory.services import StockLine, transfer_create
from orders.models import Order, OrderLine


@dataclass(frozen=True)
class ConsolidatedReservation:
    """What reserving a consolidated plan wrote: the node's shipment and its lines, and a timeline note."""

    shipment: Shipment
    lines: list[ShipmentLine]
    note: str


class _Spreader:
    """Hands out the waiting units of the order lines, in line order, to the node and to each leg."""

    def __init__(self, lines: Sequence[OrderLine]) -> None:
        self.lines = list(lines)
        self.left = {line.pk: line.quantity_backordered for line in self.lines}

    def take(self, per_sku: Mapping[str, int]) -> list[Allocation]:
        remaining = dict(per_sku)
        found = []
        for line in self.lines:
            count = min(self.left[line.pk], remaining.get(line.sku.code, 0))
            if count > 0:
                found.append(Allocation(line, count))
                self.left[line.pk] -= count
                remaining[line.sku.code] -= count
        return found


def consolidated_reserve(
    *,
    order: Order,
    lines: Sequence[OrderLine],
    chosen: Plan,
    locations: Mapping[str, Location],
    actor: AnyUser | None,
) -> ConsolidatedReservation:
    """Reserve a consolidated plan in the caller's transaction (the order's row is locked).

    The node's shipment reserves what the node holds (`shipments_create`); each leg is a
    transfer from its origin to the node (`transfer_create` reserves its units at the origin);
    the hold and the legs record which order-line units each transfer brings, and those units
    are allocated on the order lines (one statement after the transfers,
    `consolidation_rows_write`). Raises InsufficientStock, having possibly written part of
    it, if a location no longer has the units: the caller rolls back its savepoint and plans
    again. On return the lines' allocated units are up to date in memory for the legs (the
    caller does it for the shipment's lines).
    """
    planned = chosen.shipments[0]
    node = locations[planned.location]
    inbound: dict[str, int] = {}
    for leg in chosen.legs:
        for sku, count in leg.lines.items():
            inbound[sku] = inbound.get(sku, 0) + count
    spreader = _Spreader(lines)
    own = {sku: count - inbound.get(sku, 0) for sku, count in planned.lines.items() if count > inbound.get(sku, 0)}
    spec = ShipmentSpec(
        location=node,
        allocations=spreader.take(own),
        carrier=planned.carrier,
        service=planned.service,
        ship_by=planned.ship_date,
        estimated_delivery=planned.estimated_delivery,
        cost=planned.cost,
        weight_grams=planned.weight_grams,
    )
    created = shipments_create(order=order, specs=[spec], actor=actor)
    shipment = created.shipments[0]
    split_cost = chosen.alternatives[0].total_cost if chosen.alternatives else chosen.total_cost
    hold = ConsolidationHold(
        order=order, shipment=shipment, node=node, saving=max(split_cost - chosen.total_cost, Decimal("0.00"))
    )
    sku_ids = {line.sku.code: line.sku_id for line in lines}
    legs: list[LegUnits] = []
    brought = []
    for planned_leg in chosen.legs:
        origin = locations[planned_leg.origin]
        allocations = spreader.take(planned_leg.lines)
        transfer = transfer_create(
            source=origin,
            destination=node,
            lines=[StockLine(sku_ids[sku], count) for sku, count in planned_leg.lines.items()],
            actor=actor,
            note=f"Consolidation of {order.number} at {node.code}",
            savepoint=False,  # a shortage rolls back routing's own savepoint, this attempt's every write
        )
        stored = ConsolidationLeg(
            transfer=transfer,
            origin=origin,
            cost=planned_leg.cost,
            ship_date=planned_leg.ship_date,
            expected_arrival=planned_leg.arrives,
        )
        legs.append(LegUnits(stored, [(a.line, a.quantity) for a in allocations]))
        units = sum(a.quantity for a in allocations)
        brought.append(
            f"{transfer.number} brings {units} unit{'s' if units != 1 else ''} from {origin.code} "
            f"(expected {day_label(planned_leg.arrives)})"
        )
    consolidation_rows_write(hold, legs)  # the hold, the legs, their lines, the lines' allocated units
    for brings in legs:  # the database has them; so do the caller's lines
        for line, count in brings.units:
            line.quantity_allocated += count
    note = (
        f"Consolidating at {node.code}: {'; '.join(brought)}. {shipment.number} waits in the consolidation area "
        "until every unit has arrived, then packs as one box."
    )
    return ConsolidatedReservation(shipment=shipment, lines=created.lines[shipment.pk], note=note)
