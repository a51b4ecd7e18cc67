"""Recompute routing's shadow prices: the expected future cost of using a unit at a location now.

For each SKU with forecast demand, `planning.lookahead.shadow_prices` solves a transportation LP:
the demand forecast per ship-to region (`planning.selectors.regional_demand`) over the next
`HORIZON_DAYS`, served from every shipping location's available stock until its next
replenishment (`REPLENISH_DAYS`: a weekly cycle), at what one parcel of that SKU costs from
the location to the region (the routing cost model: handling, package, the cheapest standard
card for the zone and the SKU's weight), or at the backorder penalty when no stock is left. The
dual value of a location's stock, weighted by `PRICE_WEIGHT` (never above the lost sale a unit
there can save), is stored as
`fulfillment.ShadowPrice` through fulfillment's service; routing adds it to every unit it takes
there, and its reason names the region the stock is kept for.

An LP that fails leaves that SKU without prices (routing then looks only at today) and logs why;
routing never waits for this: it reads whatever prices are stored.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from fulfillment.routing import CostModel, haversine_miles, zone_for_miles
from fulfillment.routing.costs import carrier_costs, compile_cost_model
from fulfillment.selectors.cost_model import cost_model_load
from fulfillment.services.routing.terms import ShadowPriceRow, shadow_prices_replace
from inventory.models import SKU, Location, StockLevel
from planning.lookahead import SkuNetwork, shadow_prices
from planning.regions import US_DIVISIONS
from planning.selectors import regional_demand

logger = logging.getLogger(__name__)

HORIZON_DAYS = 28
REPLENISH_DAYS = 7.0
#: The per-SKU LP cannot see that a unit taken far away also splits later orders into more
#: parcels; doubling its prices closed most of that gap on the routing benchmark (bench/routing.py).
PRICE_WEIGHT = 2.0
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


def _parcel_costs(model: CostModel, sites: Sequence[_Site], regions: Sequence[str], weight: int) -> list[list[float]]:
    """Dollars to send one unit of this weight from each site to each region's centre (inf: no card carries it)."""
    compiled = compile_cost_model(model)
    today = date.today()
    bracket = compiled.bracket_of(weight)
    if bracket >= len(compiled.breaks):
        return [[math.inf] * len(regions) for _ in sites]
    costs = []
    for site in sites:
        row = []
        for region in regions:
            lat, lon = REGION_CENTRES[region]
            miles = haversine_miles(site.lat, site.lon, lat, lon)
            carrier = carrier_costs(
                compiled,
                zone=zone_for_miles(miles, model.zone_bands),
                shipped_on=today,
                service="standard",
                promised_by=None,
                brackets=bracket + 1,
            )
            price = float(carrier.price[bracket])
            fixed = compiled.handling.get(site.kind, 0.0) + compiled.package
            linear = compiled.per_unit_base + compiled.per_unit_per_mile * miles
            row.append((price + fixed + linear) / 100.0)
        costs.append(row)
    return costs


def shadow_prices_refresh(*, sku_ids: Iterable[int] | None = None) -> ShadowPriceRefresh:
    """Recompute and store the shadow prices of these SKUs (default: every SKU in stock somewhere)."""
    sites = [
        _Site(pk, code, kind, float(lat or 0), float(lon or 0))
        for pk, code, kind, lat, lon in Location.objects.filter(
            is_active=True, ships_orders=True, latitude__isnull=False, longitude__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "code", "kind", "latitude", "longitude")
    ]
    levels = StockLevel.objects.filter(location_id__in=[site.pk for site in sites])
    if sku_ids is not None:
        levels = levels.filter(sku_id__in=list(sku_ids))
    stock: dict[int, dict[int, int]] = {}
    for location_id, sku_id, atp in levels.annotate(atp=F("on_hand") - F("reserved") - F("safety_stock")).values_list(
        "location_id", "sku_id", "atp"
    ):
        stock.setdefault(sku_id, {})[location_id] = max(0, int(atp))
    wanted = sorted(stock) if sku_ids is None else sorted(set(sku_ids))
    demand = regional_demand(wanted, HORIZON_DAYS)
    model = cost_model_load(fresh=True)
    lost = float(model.backorder_penalty_per_unit)
    weights = dict(SKU.objects.filter(pk__in=wanted).values_list("pk", "weight_grams"))
    rows: list[ShadowPriceRow] = []
    failed = 0
    for sku_id in wanted:
        regions = sorted(region for (sku, region) in demand if sku == sku_id and region in REGION_CENTRES)
        held = stock.get(sku_id, {})
        if not regions or not any(held.values()):
            continue
        result = shadow_prices(
            SkuNetwork(
                locations=[site.code for site in sites],
                regions=regions,
                stock=[held.get(site.pk, 0) for site in sites],
                replenish_in_days=[REPLENISH_DAYS] * len(sites),
                demand_per_day=[demand[(sku_id, region)] for region in regions],
                unit_cost=_parcel_costs(model, sites, regions, int(weights.get(sku_id, 0))),
                lost_sale=[lost] * len(regions),
                horizon_days=float(HORIZON_DAYS),
            ),
            weight=PRICE_WEIGHT,
        )
        if result.error:
            failed += 1
            logger.warning("shadow prices of SKU %s left at zero: %s", sku_id, result.error)
            continue
        for site in sites:
            price = result.prices.get(site.code, 0.0)
            serves = result.serves.get(site.code)
            if price > 0 and held.get(site.pk, 0) > 0:
                region = US_DIVISIONS[serves][0] if serves in US_DIVISIONS else ""
                rows.append(ShadowPriceRow(site.pk, sku_id, Decimal(f"{price:.4f}"), region))
    stored = shadow_prices_replace(rows=rows, computed_at=timezone.now(), sku_ids=wanted)
    return ShadowPriceRefresh(skus=len(wanted), prices=stored, failed=failed)
