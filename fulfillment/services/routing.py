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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

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
from fulfillment.services.shipments import Allocation, order_status_sync, shipment_create
from fulfillment.services.stores import store_request_deadline
from inventory.models import Location, LocationKind, StockLevel
from orders.models import DeliveryMethod, Order, OrderEventKind, OrderLine, OrderStatus
from orders.services import order_event_add, order_lock

MAX_ATTEMPTS = 3
COST_MODEL_TTL_SECONDS = 30.0
_cost_model_cache: dict[str, Any] = {}


@dataclass(frozen=True)
class RoutingOutcome:
    decision: RoutingDecision
    shipments: list[Shipment]
    backordered_units: int


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
    _cost_model_cache["model"] = (monotonic.monotonic(), model)
    return model


def cost_model_forget() -> None:
    """Drop the cached cost model (after staff edit rates, and between tests)."""
    _cost_model_cache.clear()


def routing_rules_for(channel: Channel) -> Rules:
    """The channel's routing policy, or the merchant's default one, as engine rules."""
    policy = (
        RoutingPolicy.objects.filter(channel=channel).first()
        or RoutingPolicy.objects.filter(channel__isnull=True).first()
    )
    if policy is None:
        return Rules()
    return Rules(
        excluded_locations=frozenset(policy.excluded_locations.values_list("code", flat=True)),
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

    return [
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


def _reserve_plan(order: Order, lines: Sequence[OrderLine], chosen: Plan, actor: AnyUser | None) -> list[Shipment]:
    """Create (and reserve) the planned shipments; a store asked to ship gets an accept deadline (SLA)."""
    locations = {loc.code: loc for loc in Location.objects.filter(code__in=[s.location for s in chosen.shipments])}
    shipments = []
    for planned in chosen.shipments:
        location = locations[planned.location]
        shipment = shipment_create(
            order=order,
            location=location,
            allocations=_allocations(lines, dict(planned.lines)),
            actor=actor,
            carrier=planned.carrier,
            service=planned.service,
            ship_by=planned.ship_date,
            estimated_delivery=planned.estimated_delivery,
            cost=planned.cost,
            weight_grams=planned.weight_grams,
        )
        if location.kind == LocationKind.STORE and order.delivery_method != DeliveryMethod.PICKUP:
            shipment.accept_by = store_request_deadline(location=location)
            Shipment.objects.filter(pk=shipment.pk).update(accept_by=shipment.accept_by)
        shipments.append(shipment)
    return shipments


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
        request = _route_request(order, lines)
        cost_model = cost_model_load()
        rules = _with_exclusions(routing_rules_for(order.channel), order)
        sku_codes = {line.sku_id: line.sku.code for line in lines}
        started = monotonic.perf_counter()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            chosen = plan(request, routing_candidates(sku_codes=sku_codes, order=order), cost_model, rules)
            try:
                with transaction.atomic():
                    shipments = _reserve_plan(order, lines, chosen, actor)
                break
            except InsufficientStock:
                if attempt == MAX_ATTEMPTS:
                    chosen = plan(request, [], cost_model, rules)  # everything waits for stock
                    shipments = []
                for line in lines:
                    line.refresh_from_db()
        elapsed_ms = (monotonic.perf_counter() - started) * 1000
        decision = _record(order, chosen, trigger=trigger, elapsed_ms=elapsed_ms, actor=actor, actor_label=actor_label)
        order_status_sync(order=order, actor=actor, actor_label=actor_label)
        pickup_open(order=order)
    backordered = sum(chosen.backorders.values())
    return RoutingOutcome(decision=decision, shipments=shipments, backordered_units=backordered)


def _record(
    order: Order, chosen: Plan, *, trigger: str, elapsed_ms: float, actor: AnyUser | None, actor_label: str
) -> RoutingDecision:
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
        elapsed_ms=Decimal(f"{elapsed_ms:.2f}"),
    )
    Order.objects.filter(pk=order.pk).update(routing_reason=chosen.reason[:300])
    order.routing_reason = chosen.reason[:300]
    order_event_add(
        order=order,
        kind=OrderEventKind.ROUTED if chosen.shipments else OrderEventKind.BACKORDERED,
        message=f"Routed ({trigger}): {chosen.reason}",
        actor=actor,
        actor_label=actor_label,
        data={"decision": decision.pk, "total_cost": str(chosen.total_cost)},
    )
    if chosen.backorders and chosen.shipments:
        waiting = ", ".join(f"{sku} x{qty}" for sku, qty in sorted(chosen.backorders.items()))
        order_event_add(
            order=order,
            kind=OrderEventKind.BACKORDERED,
            message=f"Waiting for stock: {waiting}.",
            actor=actor,
            actor_label=actor_label,
        )
    return decision
