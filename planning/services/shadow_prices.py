"""Recompute routing's shadow prices: the expected future cost of using a unit at a location now.

`planning.lookahead.basket_shadow_prices` solves the fluid LP of the orders expected until the
next replenishment (`REPLENISH_DAYS`: a weekly cycle, so today's stock has to last that long),
served from every shipping location's available stock, at what a parcel costs from the location
to the region's centre (handling, box and the cheapest standard card for the zone) plus a cost
per unit and mile, or at the backorder penalty when no stock is left. The expected orders are:

- the baskets of several SKUs shipped in the last `BASKET_LOOKBACK_DAYS` (per ship-to region,
  the `MAX_BASKETS` most frequent), at the same rate: the LP then sees that the last units of
  one SKU at a location decide whether a later order ships as one parcel or two;
- the rest of each SKU's forecast demand per region (`planning.selectors.regional_demand`) as
  orders of one unit.

SKUs never ordered together are independent: each group of SKUs linked by baskets is one LP (a
SKU on its own is the per-SKU transportation LP of Acimovic & Graves). The dual value of a
location's stock of a SKU is its price, stored as `fulfillment.ShadowPrice` through
fulfillment's service; routing adds it to every unit it takes there, and its reason names the
region the stock is kept for.

An LP that fails leaves its SKUs without prices (routing then looks only at today) and logs why;
routing never waits for this: it reads whatever prices are stored.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from fulfillment.routing import CostModel, haversine_miles, zone_for_miles
from fulfillment.routing.costs import carrier_costs, compile_cost_model
from fulfillment.selectors.cost_model import cost_model_load
from fulfillment.services.routing.terms import ShadowPriceRow, shadow_prices_replace
from inventory.models import SKU, Location, StockLevel
from orders.models import DeliveryMethod, OrderLine
from planning.lookahead import Basket, BasketNetwork, basket_shadow_prices
from planning.regions import US_DIVISIONS, region_of
from planning.selectors import regional_demand

logger = logging.getLogger(__name__)

REPLENISH_DAYS = 7
BASKET_LOOKBACK_DAYS = 28
MAX_BASKETS = 2000
#: Where a region's demand is priced from: the division's population centre (approximate, degrees).
REGION_CENTRES: dict[str, tuple[float, float]] = {
    "US-NE": (42.3, -71.6),
    "US-MA": (40.9, -75.0),
    "US-ENC": (41.7, -86.3),
    "US-WNC": (40.9, -94.3),
    "US-SA": (33.9, -80.9),
    "US-ESC": (34.8, -87.4),
    "US-WSC": (31.6, -95.5),
    "US-MTN": (37.3, -110.3),
    "US-PAC": (38.1, -121.0),
}
REGIONS = sorted(REGION_CENTRES)

BasketKey = tuple[str, tuple[tuple[int, int], ...]]  # (region, ((sku_id, units), ...))


@dataclass(frozen=True)
class ShadowPriceRefresh:
    """What a refresh did: SKUs priced, prices stored, SKUs whose LP failed (zero prices)."""

    skus: int
    prices: int
    failed: int


@dataclass(frozen=True)
class _Site:
    pk: int
    code: str
    kind: str
    lat: float
    lon: float


def _lane_costs(model: CostModel, sites: Sequence[_Site], bracket: int) -> tuple[list[list[float]], list[list[float]]]:
    """Dollars per parcel in this weight bracket, and per unit, from each site to each region's centre.

    inf where no card carries a parcel that heavy."""
    compiled = compile_cost_model(model)
    if bracket >= len(compiled.breaks):
        return [[math.inf] * len(REGIONS) for _ in sites], [[math.inf] * len(REGIONS) for _ in sites]
    today = date.today()
    parcels, units = [], []
    for site in sites:
        parcel_row, unit_row = [], []
        for region in REGIONS:
            miles = haversine_miles(site.lat, site.lon, *REGION_CENTRES[region])
            carrier = carrier_costs(
                compiled,
                zone=zone_for_miles(miles, model.zone_bands),
                shipped_on=today,
                service="standard",
                promised_by=None,
                brackets=bracket + 1,
            )
            fixed = compiled.handling.get(site.kind, 0.0) + compiled.package
            parcel_row.append((float(carrier.price[bracket]) + fixed) / 100.0)
            unit_row.append((compiled.per_unit_base + compiled.per_unit_per_mile * miles) / 100.0)
        parcels.append(parcel_row)
        units.append(unit_row)
    return parcels, units


def _recent_baskets(sku_ids: Sequence[int] | None) -> Counter[BasketKey]:
    """Orders shipped to an address in the last `BASKET_LOOKBACK_DAYS` with two SKUs or more (one of
    `sku_ids` when given), counted per (region, units of each SKU)."""
    since = timezone.now() - timedelta(days=BASKET_LOOKBACK_DAYS)
    lines = OrderLine.objects.filter(order__placed_at__gte=since, order__delivery_method=DeliveryMethod.SHIP)
    if sku_ids is not None:
        lines = lines.filter(order_id__in=lines.filter(sku_id__in=list(sku_ids)).values("order_id"))
    orders: dict[int, tuple[str, Counter[int]]] = {}
    regions: dict[tuple[str, str, str], str] = {}
    for order_id, sku_id, quantity, country, state, postal in lines.values_list(
        "order_id", "sku_id", "quantity", "order__ship_country", "order__ship_region", "order__ship_postal_code"
    ).iterator(chunk_size=5000):
        if order_id not in orders:
            place = (country, state, postal)
            if place not in regions:
                regions[place] = region_of(country=country, state=state, postal_code=postal)
            orders[order_id] = (regions[place], Counter())
        orders[order_id][1][sku_id] += quantity
    return Counter(
        (region, tuple(sorted(units.items())))
        for region, units in orders.values()
        if len(units) > 1 and region in REGION_CENTRES
    )


def _groups(skus: Iterable[int], baskets: Iterable[BasketKey]) -> list[list[int]]:
    """SKUs linked by a basket, directly or through others (union-find): each group is one LP."""
    parent = {sku: sku for sku in skus}

    def root(sku: int) -> int:
        while parent[sku] != sku:
            parent[sku] = parent[parent[sku]]
            sku = parent[sku]
        return sku

    for _region, units in baskets:
        first = root(units[0][0])
        for sku, _count in units[1:]:
            parent[root(sku)] = first
    groups: dict[int, list[int]] = {}
    for sku in parent:
        groups.setdefault(root(sku), []).append(sku)
    return [sorted(group) for group in groups.values()]


def _sites() -> list[_Site]:
    return [
        _Site(pk, code, kind, float(lat or 0), float(lon or 0))
        for pk, code, kind, lat, lon in Location.objects.filter(
            is_active=True, ships_orders=True, latitude__isnull=False, longitude__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "code", "kind", "latitude", "longitude")
    ]


def _stock(sites: Sequence[_Site], sku_ids: Iterable[int] | None) -> dict[int, dict[int, int]]:
    """Available to promise per SKU and site (sku_id -> site pk -> units)."""
    levels = StockLevel.objects.filter(location_id__in=[site.pk for site in sites])
    if sku_ids is not None:
        levels = levels.filter(sku_id__in=list(sku_ids))
    stock: dict[int, dict[int, int]] = {}
    for location_id, sku_id, atp in levels.annotate(atp=F("on_hand") - F("reserved") - F("safety_stock")).values_list(
        "location_id", "sku_id", "atp"
    ):
        stock.setdefault(sku_id, {})[location_id] = max(0, int(atp))
    return stock


def _expected_baskets(
    group: Sequence[int],
    baskets: dict[int, list[tuple[BasketKey, int]]],
    demand: dict[tuple[int, str], float],
) -> list[Basket]:
    """The group's orders until the next replenishment: recent baskets at their rate, then the rest of the
    forecast as one-unit orders (see the module docstring). `baskets`: counts by their first SKU."""
    found: list[Basket] = []
    covered: dict[tuple[int, str], float] = {}
    for (region, units), count in (item for sku in group for item in baskets.get(sku, ())):
        orders = count * REPLENISH_DAYS / BASKET_LOOKBACK_DAYS
        found.append(Basket(REGIONS.index(region), {str(sku): n for sku, n in units}, orders))
        for sku, n in units:
            covered[(sku, region)] = covered.get((sku, region), 0.0) + orders * n
    for sku in group:
        for region in REGIONS:
            rest = demand.get((sku, region), 0.0) * REPLENISH_DAYS - covered.get((sku, region), 0.0)
            if rest > 1e-9:
                found.append(Basket(REGIONS.index(region), {str(sku): 1}, rest))
    return found


def shadow_prices_refresh(*, sku_ids: Iterable[int] | None = None) -> ShadowPriceRefresh:
    """Recompute and store the shadow prices of these SKUs (default: every SKU in stock somewhere)."""
    wanted_ids = None if sku_ids is None else sorted(set(sku_ids))
    sites = _sites()
    recent = _recent_baskets(wanted_ids)
    baskets = Counter(dict(recent.most_common(MAX_BASKETS)))
    linked = {sku for _region, units in baskets for sku, _n in units}
    stock = _stock(sites, None if wanted_ids is None else set(wanted_ids) | linked)
    wanted = sorted(stock) if wanted_ids is None else wanted_ids
    wanted_set = set(wanted)
    universe = sorted(wanted_set | linked)
    demand = regional_demand(universe, REPLENISH_DAYS)
    model = cost_model_load(fresh=True)
    compiled = compile_cost_model(model)
    weights = dict(SKU.objects.filter(pk__in=universe).values_list("pk", "weight_grams"))
    by_first_sku: dict[int, list[tuple[BasketKey, int]]] = {}
    for key, count in baskets.items():
        by_first_sku.setdefault(key[1][0][0], []).append((key, count))
    lanes: dict[int, tuple[list[list[float]], list[list[float]]]] = {}
    rows: list[ShadowPriceRow] = []
    failed = 0
    for group in _groups(universe, baskets):
        if not any(any(stock.get(sku, {}).values()) for sku in group):
            continue
        # one parcel cost per group: the bracket of its median weight (weight past it costs alike from anywhere)
        bracket = compiled.bracket_of(int(statistics.median(int(weights.get(sku, 0)) for sku in group)))
        if bracket not in lanes:
            lanes[bracket] = _lane_costs(model, sites, bracket)
        parcel_cost, unit_cost = lanes[bracket]
        result = basket_shadow_prices(
            BasketNetwork(
                locations=[site.code for site in sites],
                regions=REGIONS,
                stock=[{str(sku): stock.get(sku, {}).get(site.pk, 0) for sku in group} for site in sites],
                baskets=_expected_baskets(group, by_first_sku, demand),
                unit_cost=unit_cost,
                parcel_cost=parcel_cost,
                lost_sale=[float(model.backorder_penalty_per_unit)] * len(REGIONS),
            )
        )
        if result.error:
            failed += len([sku for sku in group if sku in wanted_set])
            logger.warning("shadow prices of SKUs %s left at zero: %s", group, result.error)
            continue
        for site in sites:
            for sku in group:
                price = result.prices[site.code].get(str(sku), 0.0)
                if price > 0 and sku in wanted_set and stock.get(sku, {}).get(site.pk, 0) > 0:
                    serves = result.serves[site.code].get(str(sku))
                    region = US_DIVISIONS[serves][0] if serves in US_DIVISIONS else ""
                    rows.append(ShadowPriceRow(site.pk, sku, Decimal(f"{price:.4f}"), region))
    stored = shadow_prices_replace(rows=rows, computed_at=timezone.now(), sku_ids=wanted)
    return ShadowPriceRefresh(skus=len(wanted), prices=stored, failed=failed)
