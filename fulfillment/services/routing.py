"""Route orders: build the engine's inputs from the database, plan, reserve the plan.

`order_route` is the one entry point. It routes whatever units of an order are waiting
(backordered): for a new order that is everything; after a rejected or cancelled shipment it
is just those units. It reserves each planned shipment through the inventory services in
the caller's transaction; if another order took the stock in between (InsufficientStock),
it re-reads availability and plans again, so two orders racing for the last unit never
both get it.
"""

from __future__ import annotations

import dataclasses
import time as monotonic
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Prefetch, Q, Value
from django.db.models.functions import Greatest
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from channels.models import Channel
from core.errors import InsufficientStock
from core.types import AnyUser
from fulfillment.models import (
    CarrierService,
    CostSettings,
    RoutingDecision,
    RoutingExclusion,
    RoutingPolicy,
    Shipment,
    ShipmentLine,
    ZoneBand,
)
from fulfillment.routing import (
    DEFAULT_ZONE_BANDS,
    Candidate,
    CostModel,
    Line,
    Plan,
    RateCard,
    RouteRequest,
    Rules,
    plan,
)
from fulfillment.services.pickups import pickup_open
from fulfillment.services.shipments import (
    Allocation,
    ShipmentSpec,
    order_status_sync,
    order_status_target,
    shipments_create,
)
from fulfillment.services.stores import store_request_deadline
from inventory.models import Location, LocationKind, StockLevel
from orders.models import DeliveryMethod, Order, OrderEvent, OrderEventKind, OrderLine, OrderStatus
from orders.services import (
    order_event_new,
    order_lock,
    order_status_event,
    order_transition_check,
)

MAX_ATTEMPTS = 3
COST_MODEL_TTL_SECONDS = 30.0
_cost_model_cache: dict[str, Any] = {}
# Bumped by every forget: a value read from the database before a forget is not cached after it.
_cache_generation = [0]


@dataclass(frozen=True)
class RoutingOutcome:
    decision: RoutingDecision
    shipments: list[Shipment]
    backordered_units: int
    # each new shipment's lines by shipment id, as written (their SKUs loaded)
    shipment_lines: dict[int, list[ShipmentLine]] = field(default_factory=dict)


def _rate_cards() -> list[RateCard]:
    services = CarrierService.objects.filter(is_active=True, carrier__is_active=True).select_related("carrier")
    services = services.prefetch_related("rates", "transit_times")
    cards = []
    for service in services:
        rates: dict[int, list[tuple[int, Decimal]]] = {}
        for row in sorted(service.rates.all(), key=lambda r: (r.zone, r.max_weight_grams)):
            rates.setdefault(row.zone, []).append((row.max_weight_grams, row.price))
        transit = {row.zone: row.days for row in service.transit_times.all()}
        cards.append(
            RateCard(
                carrier=service.carrier.code,
                service=service.code,
                level=service.level,
                transit_days=transit,
                rates=rates,
            )
        )
    return cards


def cost_model_load(*, fresh: bool = False) -> CostModel:
    """The merchant's cost model from the database, cached in-process for a few seconds.

    Rate edits reach routing within `COST_MODEL_TTL_SECONDS`; `fresh=True` skips the cache.
    """
    cached = _cost_model_cache.get("model")
    if cached and not fresh and monotonic.monotonic() - cached[0] < COST_MODEL_TTL_SECONDS:
        return cached[1]
    generation, read_at = _cache_generation[0], monotonic.monotonic()
    settings_row = CostSettings.objects.first() or CostSettings()
    bands = tuple((float(band.max_miles), band.zone) for band in ZoneBand.objects.order_by("max_miles"))
    model = CostModel(
        rate_cards=tuple(_rate_cards()),
        zone_bands=bands or DEFAULT_ZONE_BANDS,
        handling_by_kind={
            LocationKind.WAREHOUSE: settings_row.handling_warehouse,
            LocationKind.STORE: settings_row.handling_store,
            LocationKind.THIRD_PARTY: settings_row.handling_3pl,
            LocationKind.DROPSHIP_SUPPLIER: settings_row.handling_dropship,
        },
        package_cost=settings_row.package_cost,
        late_penalty_per_day=settings_row.late_penalty_per_day,
        backorder_penalty_per_unit=settings_row.backorder_penalty_per_unit,
    )
    if generation == _cache_generation[0]:
        _cost_model_cache["model"] = (read_at, model)
    return model


def cost_model_forget() -> None:
    """Drop the cached cost model and routing rules (after staff edit rates or rules, and between tests)."""
    _cache_generation[0] += 1
    _cost_model_cache.clear()


def _routing_policy_changed(**kwargs: Any) -> None:
    """A routing policy (or a location a policy may name) changed: forget the cached rules now
    (this process) and again after commit (so no request re-reads the old rules meanwhile)."""
    cost_model_forget()
    transaction.on_commit(cost_model_forget)


# Every write of a policy forgets the cached rules, whoever makes it (service, admin, shell, tests).
post_save.connect(_routing_policy_changed, sender=RoutingPolicy, dispatch_uid="routing.policy_saved")
post_delete.connect(_routing_policy_changed, sender=RoutingPolicy, dispatch_uid="routing.policy_deleted")
m2m_changed.connect(
    _routing_policy_changed, sender=RoutingPolicy.excluded_locations.through, dispatch_uid="routing.policy_locations"
)
post_save.connect(_routing_policy_changed, sender=Location, dispatch_uid="routing.location_saved")


def routing_rules_for(channel: Channel) -> Rules:
    """The channel's routing policy, or the merchant's default one, as engine rules.

    Cached in-process with the cost model (`COST_MODEL_TTL_SECONDS`); any write of a policy
    forgets it (signals above), so this process routes with new rules at once and the other
    worker processes within the TTL.
    """
    key = f"rules:{channel.pk}"
    cached = _cost_model_cache.get(key)
    if cached and monotonic.monotonic() - cached[0] < COST_MODEL_TTL_SECONDS:
        return cached[1]
    generation, read_at = _cache_generation[0], monotonic.monotonic()
    rules = _rules_from_database(channel)
    if generation == _cache_generation[0]:
        _cost_model_cache[key] = (read_at, rules)
    return rules


def _rules_from_database(channel: Channel) -> Rules:
    policies = {
        policy.channel_id: policy
        for policy in RoutingPolicy.objects.filter(Q(channel=channel) | Q(channel__isnull=True)).prefetch_related(
            Prefetch("excluded_locations", queryset=Location.objects.only("code"))
        )
    }
    policy = policies.get(channel.pk) or policies.get(None)
    if policy is None:
        return Rules()
    return Rules(
        excluded_locations=frozenset(location.code for location in policy.excluded_locations.all()),
        excluded_kinds=frozenset(policy.excluded_kinds or ()),
        priority_tiers=tuple(frozenset(tier) for tier in policy.priority_tiers or ()),
        max_packages=policy.max_packages,
        keep_together=tuple(frozenset(group) for group in policy.keep_together or ()),
        ship_from_store_radius_miles=(
            float(policy.ship_from_store_radius_miles) if policy.ship_from_store_radius_miles else None
        ),
    )


def _with_exclusions(rules: Rules, order: Order) -> Rules:
    """Add the locations that rejected this order (RoutingExclusion) to the excluded ones."""
    rejected = set(RoutingExclusion.objects.filter(order=order).values_list("location__code", flat=True))
    if not rejected:
        return rules
    return dataclasses.replace(rules, excluded_locations=rules.excluded_locations | frozenset(rejected))


def routing_candidates(*, sku_codes: dict[int, str], order: Order) -> list[Candidate]:
    """Locations that could serve the order (see `_candidates_and_locations`)."""
    return _candidates_and_locations(sku_codes=sku_codes, order=order)[0]


def _candidates_and_locations(
    *, sku_codes: dict[int, str], order: Order
) -> tuple[list[Candidate], dict[str, Location]]:
    """Locations that could serve the order, with their ATP of its SKUs and capacity left today.

    Three queries whatever the network size: locations, stock levels, today's ship orders at
    the locations with a daily cap (`fulfillment.selectors.stores.ship_load_today`: since each
    location's local midnight, without pickups and without work it rejected or cancelled).
    A store that rejected a request for "no capacity" today is full until its local midnight
    (`ship_full_today`, read from the profiles joined to the locations: no extra query).
    """
    if order.delivery_method == DeliveryMethod.PICKUP and order.pickup_location_id is not None:
        locations = list(Location.objects.filter(pk=order.pickup_location_id, is_active=True))
    else:
        locations = list(
            Location.objects.filter(is_active=True, ships_orders=True, latitude__isnull=False).select_related(
                "store_profile"
            )
        )
    ids = [location.pk for location in locations]
    available: dict[int, dict[str, int]] = {location_id: {} for location_id in ids}
    levels = (
        StockLevel.objects.filter(location_id__in=ids, sku_id__in=sku_codes)
        .annotate(atp=Greatest(F("on_hand") - F("reserved") - F("safety_stock"), Value(0)))
        .filter(atp__gt=0)
        .values_list("location_id", "sku_id", "atp")
    )
    for location_id, sku_id, atp in levels:
        available[location_id][sku_codes[sku_id]] = atp
    from fulfillment.selectors.stores import ship_full_today, ship_load_today  # selectors build on these services

    is_pickup = order.delivery_method == DeliveryMethod.PICKUP
    # A pickup is always reserved at its store (the store's pickup capacity moves its ready-by
    # time instead); ship orders respect each location's daily cap, counted on its local day.
    capped = [] if is_pickup else [loc for loc in locations if loc.daily_order_capacity is not None]
    used_today = ship_load_today(capped)
    full_today = set() if is_pickup else ship_full_today(locations)

    def capacity_left(location: Location) -> int | None:
        if location.pk in full_today:
            return 0
        if is_pickup or location.daily_order_capacity is None:
            return None
        return max(location.daily_order_capacity - used_today.get(location.pk, 0), 0)

    candidates = [
        Candidate(
            code=location.code,
            kind=location.kind,
            lat=float(location.latitude or 0),
            lon=float(location.longitude or 0),
            available=available[location.pk],
            capacity_left=capacity_left(location),
            priority=location.priority,
            cutoff_local=location.order_cutoff_time,
            timezone=location.timezone,
            ships_orders=location.ships_orders or is_pickup,
            ship_from_store=location.ship_from_store,
        )
        for location in locations
        if available[location.pk] or is_pickup
    ]
    return candidates, {location.code: location for location in locations}


def _waiting_lines(order: Order) -> list[OrderLine]:
    return [line for line in order.lines.select_related("sku").order_by("line_number") if line.quantity_backordered > 0]


def _route_request(order: Order, lines: Sequence[OrderLine]) -> RouteRequest:
    return RouteRequest(
        lines=tuple(Line(line.sku.code, line.quantity_backordered, line.sku.weight_grams) for line in lines),
        destination_lat=float(order.ship_latitude or 0),
        destination_lon=float(order.ship_longitude or 0),
        placed_at=order.placed_at,
        service=order.service_level,
        promised_by=order.promised_delivery_date,
        channel=order.channel.code,
        pickup_location=order.pickup_location.code if order.pickup_location_id and order.pickup_location else None,
    )


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


def _reserve_plan(
    order: Order,
    lines: Sequence[OrderLine],
    chosen: Plan,
    actor: AnyUser | None,
    locations: dict[str, Location],
) -> tuple[list[Shipment], dict[int, list[ShipmentLine]]]:
    """Create (and reserve) the planned shipments; a store asked to ship gets an accept deadline (SLA)."""
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
    created = shipments_create(order=order, specs=specs, actor=actor)
    return created.shipments, created.lines


def _plan_and_reserve(order: Order, lines: Sequence[OrderLine], rules: Rules, actor: AnyUser | None) -> _Reserved:
    """Plan the waiting lines and reserve the plan; re-plan (up to `MAX_ATTEMPTS`) if another order
    took the stock meanwhile, then backorder. On return the lines' allocated units are up to date
    in memory too (they are changed only once a plan is reserved)."""
    request = _route_request(order, lines)
    cost_model = cost_model_load()
    sku_codes = {line.sku_id: line.sku.code for line in lines}
    started = monotonic.perf_counter()
    shipments: list[Shipment] = []
    shipment_lines: dict[int, list[ShipmentLine]] = {}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        candidates, locations = _candidates_and_locations(sku_codes=sku_codes, order=order)
        chosen = plan(request, candidates, cost_model, rules)
        try:
            if len(chosen.shipments) <= 1:
                # One location: its reservation is the first write and is all or nothing
                # (`stock_reserve`), so a plan that no longer fits has written nothing: no savepoint.
                shipments, shipment_lines = _reserve_plan(order, lines, chosen, actor, locations)
            else:
                # Several: a later location's shortage rolls back the earlier reservations, then re-plans.
                with transaction.atomic():
                    shipments, shipment_lines = _reserve_plan(order, lines, chosen, actor, locations)
            break
        except InsufficientStock:
            if attempt == MAX_ATTEMPTS:
                chosen = plan(request, [], cost_model, rules)  # everything waits for stock
                shipments, shipment_lines = [], {}
    for shipment in shipments:
        for shipment_line in shipment_lines[shipment.pk]:
            shipment_line.order_line.quantity_allocated += shipment_line.quantity
    elapsed_ms = (monotonic.perf_counter() - started) * 1000
    return _Reserved(chosen, shipments, shipment_lines, elapsed_ms)


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
        lines = _waiting_lines(order)
        if not lines:
            return None
        rules = _with_exclusions(routing_rules_for(order.channel), order)
        reserved = _plan_and_reserve(order, lines, rules, actor)
        decision, events = _record(order, reserved, trigger=trigger, actor=actor, actor_label=actor_label)
        Order.objects.filter(pk=order.pk).update(routing_reason=order.routing_reason)
        OrderEvent.objects.bulk_create(events)
        order_status_sync(order=order, actor=actor, actor_label=actor_label)
        pickup_open(order=order)
    return _outcome(decision, reserved)


def order_route_new(
    *,
    order: Order,
    lines: list[OrderLine],
    actor: AnyUser | None = None,
    actor_label: str = "",
    timeline: Sequence[OrderEvent] = (),
) -> RoutingOutcome:
    """Route and reserve an order created in the current transaction (`orders.services.order_import`).

    Preconditions: `order` and `lines` (SKUs loaded) were just inserted by the caller in this
    transaction, so the order row is the caller's (no lock to take), nothing refers to the
    order yet (no shipment, no location rejected it) and its status is new. Does what
    `order_route(trigger="new order")` does, without reading the order back: the timeline
    entries in `timeline` (not saved yet) are written first, with this routing's, in one
    INSERT; the order's routing reason and status in one UPDATE. On return `order` and
    `lines` are as the database holds them.
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
        Order.objects.filter(pk=order.pk).update(routing_reason=order.routing_reason, **status_fields)
        OrderEvent.objects.bulk_create([*timeline, *events])
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
    """Store the decision; set the order's routing reason in memory; return the timeline entries to write."""
    chosen = reserved.chosen
    decision = RoutingDecision.objects.create(
        order=order,
        trigger=trigger[:40],
        method=chosen.method,
        reason=chosen.reason[:300],
        total_cost=chosen.total_cost,
        plan={
            "shipments": [shipment.as_dict() for shipment in chosen.shipments],
            "backorders": dict(chosen.backorders),
            "cost_breakdown": {key: str(value) for key, value in chosen.cost_breakdown.items()},
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
            data={"decision": decision.pk, "total_cost": str(chosen.total_cost)},
        )
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
