"""What routing plans from: the locations that could serve an order, with their stock and capacity today.

Reads only; `fulfillment.services.routing.reserve` plans with these inputs and reserves.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from core.errors import Conflict
from core.geo import international_transit_days, not_on_map_reason
from fulfillment.models import LocationCostTerms, LocationSkuCost, RoutingExclusion, ShadowPrice
from fulfillment.routing import Candidate, Line, RouteRequest, Rules
from fulfillment.selectors.stores import ship_full_today, ship_load_today
from fulfillment.services.routing.shipping_locations import shipping_locations
from inventory.models import Location, LocationKind, StockLevel
from orders.models import DeliveryMethod, Order, OrderLine


def with_exclusions(rules: Rules, order: Order) -> Rules:
    """Add the locations that rejected this order (RoutingExclusion) to the excluded ones."""
    rejected = set(RoutingExclusion.objects.filter(order=order).values_list("location__code", flat=True))
    if not rejected:
        return rules
    return dataclasses.replace(rules, excluded_locations=rules.excluded_locations | frozenset(rejected))


def with_channel_pool(rules: Rules, order: Order, locations: dict[str, Location]) -> Rules:
    """Add the channel's location pool (read with the locations: `in_channel_pool`) to the rules.

    A channel with no pool leaves the rules as they are; a pickup is collected where the customer
    chose, so the pool does not bind it.
    """
    if order.delivery_method == DeliveryMethod.PICKUP or not any(
        getattr(location, "channel_has_pool", False) for location in locations.values()
    ):
        return rules
    pool = frozenset(code for code, location in locations.items() if getattr(location, "in_channel_pool", False))
    return dataclasses.replace(rules, location_pool=pool, pool_name=order.channel.name)


class ServingNetwork(NamedTuple):
    """What `candidates_and_locations` read: the candidates, every location read by code, and the
    locations holding some of the order's SKUs that nobody runs (never candidates)."""

    candidates: list[Candidate]
    locations: dict[str, Location]
    unrun: frozenset[str]


def with_unrun_locations(rules: Rules, unrun: frozenset[str]) -> Rules:
    """Add the locations holding the order's SKUs that nobody runs, so the explanation of a backorder names them."""
    return dataclasses.replace(rules, unrun_locations=unrun) if unrun else rules


def _own_terms(location: Location) -> LocationCostTerms | None:
    try:
        return location.cost_terms  # reverse one-to-one, joined by the locations query
    except LocationCostTerms.DoesNotExist:
        return None


def _worked(location: Location) -> bool:
    """Whether someone ships what routing gives this location. A dropship supplier's location ships
    only through its supplier's purchase orders (its shipments are kept off our work queue), so it
    takes orders only while an active partner runs it: routing's copy of the partner's terms
    (`fulfillment.services.routing.terms`) has a row there exactly then."""
    return location.kind != LocationKind.DROPSHIP_SUPPLIER or _own_terms(location) is not None


# Each level's available-to-promise (above 0: the WHERE says so), with the location's own unit
# price and shadow price of the SKU (each unique per location and SKU). Written out once rather
# than built with the ORM on every order: compiling the annotated queryset cost more CPU than
# PostgreSQL spends answering it.
_LEVELS_SQL = """
SELECT l.location_id, l.sku_id, l.on_hand - l.reserved - l.safety_stock AS atp,
       c.unit_cost, p.price, p.region
  FROM {levels} l
  LEFT JOIN {sku_costs} c ON c.location_id = l.location_id AND c.sku_id = l.sku_id
  LEFT JOIN {shadow_prices} p ON p.location_id = l.location_id AND p.sku_id = l.sku_id
 WHERE l.location_id IN ({location_ids}) AND l.sku_id IN ({sku_ids})
   AND l.on_hand - l.reserved - l.safety_stock > 0
"""


@functools.cache
def _levels_sql() -> str:
    quote = connection.ops.quote_name
    # the id lists' placeholders stay for `_levels`, which knows how many there are
    return _LEVELS_SQL.format(
        levels=quote(StockLevel._meta.db_table),
        sku_costs=quote(LocationSkuCost._meta.db_table),
        shadow_prices=quote(ShadowPrice._meta.db_table),
        location_ids="{location_ids}",
        sku_ids="{sku_ids}",
    )


def _levels(location_ids: list[int], sku_ids: list[int]) -> list[tuple[int, int, int, Any, Any, str | None]]:
    """(location, SKU, ATP, own unit price, shadow price, its region) of every level with ATP above 0."""
    if not location_ids or not sku_ids:
        return []
    sql = _levels_sql().format(
        location_ids=", ".join(["%s"] * len(location_ids)), sku_ids=", ".join(["%s"] * len(sku_ids))
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*location_ids, *sku_ids])
        return list(cursor.fetchall())


def candidates_and_locations(
    *, sku_codes: dict[int, str], order: Order, hubs: frozenset[str] = frozenset()
) -> ServingNetwork:
    """Locations that could serve the order, with their ATP of its SKUs and capacity left today.

    A location with none of the order's SKUs is left out, unless it is one of `hubs` (the
    consolidation hubs, which may gather units they do not hold).

    One query whatever the network size (two for a pickup at a chosen store: the store, its
    levels): the locations with their stock levels and, at those with a daily cap, today's ship
    orders (`fulfillment.selectors.stores.ship_load_today`: since each location's local
    midnight, without pickups and without work it rejected or cancelled), read by
    `shipping_locations`. A store that rejected a request for "no capacity" today is full until
    its local midnight (`ship_full_today`, read from the profiles joined to the locations).
    Each location's own terms (a partner's fees), whether it is in the order's channel pool, and
    per SKU its own unit price and shadow price come with the same queries (joins, subqueries).
    A dropship supplier's location that no active partner runs is no candidate; when it holds some
    of the SKUs it is among `unrun`, for the explanation to name.
    """
    now = timezone.now()
    if order.delivery_method == DeliveryMethod.PICKUP and order.pickup_location_id is not None:
        locations = list(Location.objects.filter(pk=order.pickup_location_id, is_active=True))
        levels = _levels([location.pk for location in locations], list(sku_codes))
        load_today: dict[int, int] = {}  # a pickup is not held to the daily cap
    else:
        network = shipping_locations(channel_id=order.channel_id, sku_ids=list(sku_codes), now=now)
        locations, levels, load_today = network.locations, network.levels, network.load_today
        if not network.complete:  # SQLite (the embedded demo) reads the levels and today's load apart
            levels = _levels([location.pk for location in locations], list(sku_codes))
            load_today = ship_load_today([loc for loc in locations if loc.daily_order_capacity is not None])
    ids = [location.pk for location in locations]
    available: dict[int, dict[str, int]] = {location_id: {} for location_id in ids}
    unit_prices: dict[int, dict[str, Decimal]] = {location_id: {} for location_id in ids}
    future: dict[int, dict[str, Decimal]] = {location_id: {} for location_id in ids}
    future_regions: dict[int, dict[str, str]] = {location_id: {} for location_id in ids}
    for location_id, sku_id, atp, own_price, future_cost, future_region in levels:
        code = sku_codes[sku_id]
        available[location_id][code] = atp
        if own_price:
            unit_prices[location_id][code] = Decimal(own_price)
        if future_cost:
            future[location_id][code] = Decimal(future_cost)
            future_regions[location_id][code] = future_region or ""
    is_pickup = order.delivery_method == DeliveryMethod.PICKUP
    # A pickup is always reserved at its store (the store's pickup capacity moves its ready-by
    # time instead); ship orders respect each location's daily cap, counted on its local day.
    full_today = set() if is_pickup else ship_full_today(locations, now=now)

    def capacity_left(location: Location) -> int | None:
        if location.pk in full_today:
            return 0
        if is_pickup or location.daily_order_capacity is None:
            return None
        return max(location.daily_order_capacity - load_today.get(location.pk, 0), 0)

    def own_terms(location: Location) -> dict[str, Any]:
        terms = _own_terms(location)
        prices = unit_prices[location.pk]
        if terms is not None and not terms.order_fee and not terms.unit_fee and not prices:
            terms = None  # a partner runs it on terms of nothing: no cost to add, none to explain
        if terms is None:
            return {"unit_costs": prices, "cost_terms": f"{location.code} terms"} if prices else {}
        skus = set(prices) | (set(available[location.pk]) if terms.unit_fee else set())
        return {
            "fixed_cost": terms.order_fee,
            "unit_costs": {sku: prices.get(sku, Decimal(0)) + terms.unit_fee for sku in skus},
            "cost_terms": terms.label,
        }

    # Stock nobody would ship: left out below, named if units wait.
    unrun = frozenset(
        location.code for location in locations if available[location.pk] and not is_pickup and not _worked(location)
    )
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
            future_costs=future[location.pk],
            future_regions=future_regions[location.pk],
            **own_terms(location),
        )
        for location in locations
        if (available[location.pk] or is_pickup or location.code in hubs) and (is_pickup or _worked(location))
    ]
    return ServingNetwork(candidates, {location.code: location for location in locations}, unrun)


def waiting_lines(order: Order) -> list[OrderLine]:
    return [line for line in order.lines.select_related("sku").order_by("line_number") if line.quantity_backordered > 0]


def route_request(order: Order, lines: Sequence[OrderLine]) -> RouteRequest:
    """What the engine plans from. A parcel whose destination is not on the map is refused (409), never
    routed as if it went to latitude and longitude 0."""
    shipping = order.delivery_method != DeliveryMethod.PICKUP
    if shipping and (order.ship_latitude is None or order.ship_longitude is None):
        raise Conflict(not_on_map_reason(order.ship_postal_code, order.ship_country))
    return RouteRequest(
        lines=tuple(Line(line.sku.code, line.quantity_backordered, line.sku.weight_grams) for line in lines),
        destination_lat=float(order.ship_latitude or 0),
        destination_lon=float(order.ship_longitude or 0),
        placed_at=order.placed_at,
        service=order.service_level,
        promised_by=order.promised_delivery_date,
        channel=order.channel.code,
        pickup_location=order.pickup_location.code if order.pickup_location_id and order.pickup_location else None,
        extra_transit_days=international_transit_days(order.ship_country) if shipping else 0,
    )
