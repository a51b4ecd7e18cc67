"""Plan an order's waiting units and reserve the plan; record the decision on the order's timeline.

`order_route` is the one entry point. It routes whatever units of an order are waiting
(backordered): for a new order that is everything; after a rejected or cancelled shipment it
is just those units. It reserves each planned shipment through the inventory services in
the caller's transaction; if another order took the stock in between (InsufficientStock),
it re-reads availability and plans again, so two orders racing for the last unit never
both get it.
"""

from __future__ import annotations

import time as monotonic
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.errors import InsufficientStock
from core.types import AnyUser
from fulfillment.models import RoutingDecision, Shipment, ShipmentLine
from fulfillment.routing import Plan, Rules, plan
from fulfillment.selectors.cost_model import cost_model_load, routing_rules_for
from fulfillment.services.pickups.lifecycle import pickup_open
from fulfillment.services.routing.candidates import (
    candidates_and_locations,
    route_request,
    waiting_lines,
    with_channel_pool,
    with_exclusions,
    with_unrun_locations,
)
from fulfillment.services.routing.consolidated import consolidated_reserve
from fulfillment.services.routing.linehaul import consolidation_options
from fulfillment.services.routing.record import routing_record_write
from fulfillment.services.shipments import (
    Allocation,
    CreatedShipments,
    ShipmentSpec,
    order_status_sync,
    order_status_target,
    shipments_create,
)
from fulfillment.services.stores import store_request_deadline
from fulfillment.signals import shipments_routed
from inventory.models import Location, LocationKind
from orders.models import DeliveryMethod, Order, OrderEvent, OrderEventKind, OrderLine, OrderStatus
from orders.services import order_event_new, order_lock, order_status_event, order_transition_check

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class RoutingOutcome:
    decision: RoutingDecision
    shipments: list[Shipment]
    backordered_units: int
    # each new shipment's lines by shipment id, as written (their SKUs loaded)
    shipment_lines: dict[int, list[ShipmentLine]] = field(default_factory=dict)


def _allocations(lines: Sequence[OrderLine], sku_quantities: dict[str, int]) -> list[Allocation]:
    """Spread a shipment's units per SKU over the waiting order lines, in line order."""
    remaining = dict(sku_quantities)
    allocations = []
    for line in lines:
        take = min(line.quantity_backordered, remaining.get(line.sku.code, 0))
        if take > 0:
            allocations.append(Allocation(line, take))
            remaining[line.sku.code] -= take
    return allocations


@dataclass
class _Reserved:
    chosen: Plan
    shipments: list[Shipment]
    shipment_lines: dict[int, list[ShipmentLine]]
    elapsed_ms: float
    notes: list[str] = field(default_factory=list)


def _reserve_plan(
    order: Order,
    lines: Sequence[OrderLine],
    chosen: Plan,
    actor: AnyUser | None,
    locations: dict[str, Location],
    notes: list[str],
) -> tuple[list[Shipment], dict[int, list[ShipmentLine]]]:
    """Create (and reserve) the planned shipments; a store asked to ship gets an accept deadline (SLA).

    A consolidated plan (with legs) reserves its node's shipment, transfers and hold instead
    (`consolidated_reserve`), and adds a timeline note to `notes`.
    """
    if chosen.legs:
        reservation = consolidated_reserve(order=order, lines=lines, chosen=chosen, locations=locations, actor=actor)
        notes.append(reservation.note)
        created = CreatedShipments([reservation.shipment], {reservation.shipment.pk: reservation.lines})
    else:
        created = shipments_create(order=order, specs=_specs(order, lines, chosen, locations), actor=actor)
    if created.shipments:
        # Inside this transaction: whatever a receiver writes (a dropship purchase order) rolls back with the plan.
        shipments_routed.send(sender=Shipment, order=order, shipments=created.shipments, lines=created.lines)
    return created.shipments, created.lines


def _specs(
    order: Order, lines: Sequence[OrderLine], chosen: Plan, locations: dict[str, Location]
) -> list[ShipmentSpec]:
    """One shipment spec per planned shipment."""
    specs = []
    for planned in chosen.shipments:
        location = locations[planned.location]
        is_store_request = location.kind == LocationKind.STORE and order.delivery_method != DeliveryMethod.PICKUP
        specs.append(
            ShipmentSpec(
                location=location,
                allocations=_allocations(lines, dict(planned.lines)),
                carrier=planned.carrier,
                service=planned.service,
                ship_by=planned.ship_date,
                estimated_delivery=planned.estimated_delivery,
                cost=planned.cost,
                weight_grams=planned.weight_grams,
                accept_by=store_request_deadline(location=location) if is_store_request else None,
            )
        )
    return specs


def _plan_and_reserve(order: Order, lines: Sequence[OrderLine], rules: Rules, actor: AnyUser | None) -> _Reserved:
    """Plan the waiting lines and reserve the plan; re-plan (up to `MAX_ATTEMPTS`) if another order
    took the stock meanwhile, then backorder. On return the lines' allocated units are up to date
    in memory too (they are changed only once a plan is reserved)."""
    request = route_request(order, lines)
    cost_model = cost_model_load()
    consolidation = consolidation_options(channel=order.channel, cost_model=cost_model)
    hubs = consolidation.hub_codes if consolidation is not None else frozenset()
    sku_codes = {line.sku_id: line.sku.code for line in lines}
    started = monotonic.perf_counter()
    shipments: list[Shipment] = []
    shipment_lines: dict[int, list[ShipmentLine]] = {}
    notes: list[str] = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        candidates, locations, unrun = candidates_and_locations(sku_codes=sku_codes, order=order, hubs=hubs)
        rules = with_unrun_locations(with_channel_pool(rules, order, locations), unrun)
        chosen = plan(request, candidates, cost_model, rules, consolidation=consolidation)
        notes = []
        try:
            if not chosen.legs:
                # The reservation at every location is the first write and is all or nothing
                # (`shipments_create`), so a plan that no longer fits has written nothing: no savepoint.
                shipments, shipment_lines = _reserve_plan(order, lines, chosen, actor, locations, notes)
            else:
                # A node and its transfers, reserved one after the other: a later shortage rolls back
                # the earlier reservations, then re-plans.
                with transaction.atomic():
                    shipments, shipment_lines = _reserve_plan(order, lines, chosen, actor, locations, notes)
            break
        except InsufficientStock:
            if attempt == MAX_ATTEMPTS:
                chosen = plan(request, [], cost_model, rules)  # everything waits for stock
                shipments, shipment_lines, notes = [], {}, []
    for shipment in shipments:
        for shipment_line in shipment_lines[shipment.pk]:
            shipment_line.order_line.quantity_allocated += shipment_line.quantity
    elapsed_ms = (monotonic.perf_counter() - started) * 1000
    return _Reserved(chosen, shipments, shipment_lines, elapsed_ms, notes)


def order_route(
    *, order: Order, actor: AnyUser | None = None, actor_label: str = "", trigger: str = "re-route"
) -> RoutingOutcome | None:
    """Plan and reserve every waiting unit of an order; record why. None if nothing waits.

    Runs in one transaction with the order's row locked. An order on hold or cancelled is
    not routed.
    """
    with transaction.atomic():
        order = order_lock(order)
        if order.status in (OrderStatus.ON_HOLD, OrderStatus.CANCELLED):
            return None
        lines = waiting_lines(order)
        if not lines:
            return None
        rules = with_exclusions(routing_rules_for(order.channel), order)
        decision, reserved = reserve_and_record(
            order, lines, rules, trigger=trigger, actor=actor, actor_label=actor_label
        )
    return _outcome(decision, reserved)


def reserve_and_record(
    order: Order, lines: Sequence[OrderLine], rules: Rules, *, trigger: str, actor: AnyUser | None, actor_label: str
) -> tuple[RoutingDecision, _Reserved]:
    """Plan and reserve `lines` of a locked order under `rules`, write the decision and its timeline
    (one statement), then bring the order's status up to date and open its pickup if it has one."""
    reserved = _plan_and_reserve(order, lines, rules, actor)
    decision, events = _record(order, reserved, trigger=trigger, actor=actor, actor_label=actor_label)
    routing_record_write(
        order=order,
        decision=decision,
        events=events,
        quoting=events[0],
        order_fields={"routing_reason": order.routing_reason},
    )
    order_status_sync(order=order, actor=actor, actor_label=actor_label)
    pickup_open(order=order)
    return decision, reserved


def order_route_new(
    *,
    order: Order,
    lines: list[OrderLine],
    actor: AnyUser | None = None,
    actor_label: str = "",
    timeline: Sequence[OrderEvent] = (),
) -> RoutingOutcome:
    """Route and reserve an order created in the current transaction (`fulfillment.services.intake.order_import`).

    Preconditions: `order` and `lines` (SKUs loaded) were just inserted by the caller in this
    transaction, so the order row is the caller's (no lock to take), nothing refers to the
    order yet (no shipment, no location rejected it) and its status is new. Does what
    `order_route(trigger="new order")` does, without reading the order back: the timeline
    entries in `timeline` (not saved yet) are written first, with this routing's; they, the
    decision and the order's routing reason and status take one statement
    (`routing_record_write`). On return `order` and `lines` are as the database holds them.
    """
    trigger = "new order"
    with transaction.atomic(savepoint=False):
        reserved = _plan_and_reserve(order, lines, routing_rules_for(order.channel), actor)
        decision, events = _record(order, reserved, trigger=trigger, actor=actor, actor_label=actor_label)
        # No new shipment is accepted yet, so the order is routed, or backordered when nothing was reserved.
        target = order_status_target(lines=lines, working=False)
        changed = target != order.status
        if changed:
            order_transition_check(order=order, to=target)
            events.append(
                order_status_event(order=order, previous=order.status, to=target, actor=actor, actor_label=actor_label)
            )
            order.status = target
            order.updated_at = timezone.now()
        status_fields = {"status": target, "updated_at": order.updated_at} if changed else {}
        routing_record_write(
            order=order,
            decision=decision,
            events=[*timeline, *events],
            quoting=events[0],
            order_fields={"routing_reason": order.routing_reason, **status_fields},
        )
        pickup_open(order=order)
    return _outcome(decision, reserved)


def _outcome(decision: RoutingDecision, reserved: _Reserved) -> RoutingOutcome:
    return RoutingOutcome(
        decision=decision,
        shipments=reserved.shipments,
        backordered_units=sum(reserved.chosen.backorders.values()),
        shipment_lines=reserved.shipment_lines,
    )


def _record(
    order: Order, reserved: _Reserved, *, trigger: str, actor: AnyUser | None, actor_label: str
) -> tuple[RoutingDecision, list[OrderEvent]]:
    """The decision and the timeline entries to write (`routing_record_write`, the first entry quoting the
    decision); set the order's routing reason in memory."""
    chosen = reserved.chosen
    decision = RoutingDecision(
        order=order,
        trigger=trigger[:40],
        method=chosen.method,
        reason=chosen.reason[:300],
        total_cost=chosen.total_cost,
        plan={
            "shipments": [shipment.as_dict() for shipment in chosen.shipments],
            "backorders": dict(chosen.backorders),
            "cost_breakdown": {key: str(value) for key, value in chosen.cost_breakdown.items()},
            **({"legs": [leg.as_dict() for leg in chosen.legs]} if chosen.legs else {}),
        },
        alternatives=[alternative.as_dict() for alternative in chosen.alternatives],
        elapsed_ms=Decimal(f"{reserved.elapsed_ms:.2f}"),
    )
    order.routing_reason = chosen.reason[:300]
    events = [
        order_event_new(
            order=order,
            kind=OrderEventKind.ROUTED if chosen.shipments else OrderEventKind.BACKORDERED,
            message=f"Routed ({trigger}): {chosen.reason}",
            actor=actor,
            actor_label=actor_label,
            data={"decision": None, "total_cost": str(chosen.total_cost)},  # the id once written
        )
    ]
    events += [
        order_event_new(order=order, kind=OrderEventKind.SHIPMENT, message=note, actor=actor, actor_label=actor_label)
        for note in reserved.notes
    ]
    if chosen.backorders and chosen.shipments:
        waiting = ", ".join(f"{sku} x{qty}" for sku, qty in sorted(chosen.backorders.items()))
        events.append(
            order_event_new(
                order=order,
                kind=OrderEventKind.BACKORDERED,
                message=f"Waiting for stock: {waiting}.",
                actor=actor,
                actor_label=actor_label,
            )
        )
    return decision, events
