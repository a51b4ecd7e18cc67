"""Random US fulfillment networks and orders for the routing latency bench (`bench/routing.py`).

Locations of every kind at real US ZIP centroids, a catalogue of SKUs carried by each kind with
its own probability, and orders of 1..n lines with a service-level mix like a merchant's; for the
consolidation scenario, a linehaul table between the network's own buildings and a few hubs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from fulfillment.routing import Candidate, Consolidation, Hub, Line, LinehaulLane, RouteRequest, haversine_miles

#: When the generated orders are placed (a Monday afternoon; deterministic for the bench).
PLACED = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)

CONTIGUOUS_EXCLUDED = {"AK", "HI", "PR", "VI", "GU", "AS", "MP", "FM", "MH", "PW", "AA", "AE", "AP"}
KIND_MIX = (("warehouse", 0.2), ("store", 0.5), ("3pl", 0.2), ("dropship_supplier", 0.1))
CARRY = {"warehouse": 0.85, "store": 0.45, "3pl": 0.7}
#: Thinner assortments (a network that grew by acquisitions, or a long tail): orders split more often.
CARRY_FRAGMENTED = {"warehouse": 0.3, "store": 0.15, "3pl": 0.25}
STOCK = {"warehouse": 40, "store": 6, "3pl": 25, "dropship_supplier": 15}
PRIORITY = {"warehouse": 10, "3pl": 20, "store": 30, "dropship_supplier": 40}
CATALOG = 300
SERVICES = (("standard", 0.8, 5), ("express", 0.15, 2), ("next_day", 0.04, 1), ("same_day", 0.01, 0))
#: Linehaul between our buildings (a pallet on a regional LTL run): per unit, per kg, days by distance.
LINEHAUL_PER_UNIT = Decimal("0.35")
LINEHAUL_PER_KG = Decimal("0.15")
LINEHAUL_DAYS = ((250.0, 1), (700.0, 2), (1400.0, 3))
HUB_HANDLING = Decimal("0.45")
HUBS = 4


def us_places() -> list[tuple[float, float, str]]:
    """(lat, lon, time zone) of every active contiguous-US ZIP code."""
    import zipcodes

    return [
        (float(z["lat"]), float(z["long"]), z["timezone"] or "America/Chicago")
        for z in zipcodes.list_all()
        if z["active"] and z["state"] not in CONTIGUOUS_EXCLUDED
    ]


@dataclass
class Catalog:
    """SKUs with popularity (Zipf) and unit weights."""

    skus: list[str]
    popularity: list[float]
    weights: list[int]


def make_catalog(rng: random.Random) -> Catalog:
    """300 SKUs, Zipf-ish popularity, log-normal weights around 400 g."""
    skus = [f"SKU-{i:04d}" for i in range(CATALOG)]
    popularity = [1.0 / (i + 1) ** 0.8 for i in range(CATALOG)]
    weights = [int(min(8000, max(20, rng.lognormvariate(math.log(400), 0.9)))) for _ in range(CATALOG)]
    return Catalog(skus, popularity, weights)


def random_network(
    rng: random.Random,
    size: int,
    places: Sequence[tuple[float, float, str]],
    catalog: Catalog,
    carry: Mapping[str, float] = CARRY,
) -> list[Candidate]:
    """`size` locations of mixed kinds at random ZIP codes, with assortments (each kind carries a SKU
    with probability `carry[kind]`) and stock."""
    network = []
    kinds = [k for k, _ in KIND_MIX]
    for index in range(size):
        kind = rng.choices(kinds, weights=[w for _, w in KIND_MIX])[0]
        lat, lon, tz = rng.choice(places)
        if kind == "dropship_supplier":
            start = rng.randrange(CATALOG - 40)
            assortment = [s for s in catalog.skus[start : start + 40] if rng.random() < 0.9]
        else:
            assortment = [s for s in catalog.skus if rng.random() < carry[kind]]
        available = {}
        for sku in assortment:
            count = int(rng.expovariate(1.0 / STOCK[kind]))
            if count:
                available[sku] = count
        network.append(
            Candidate(
                code=f"{kind[:4]}-{index:03d}",
                kind=kind,
                lat=lat,
                lon=lon,
                available=available,
                capacity_left=rng.choice([0, 3, 10, 25]) if kind == "store" else None,
                priority=PRIORITY[kind],
                cutoff_local=clock(rng.choice([12, 14, 15, 16, 17])),
                timezone=tz,
                ship_from_store=kind == "store" and rng.random() < 0.7,
            )
        )
    return network


def random_order(
    rng: random.Random, places: Sequence[tuple[float, float, str]], catalog: Catalog, lines: int
) -> RouteRequest:
    """An order of `lines` distinct SKUs (by popularity) to a random ZIP code."""
    chosen: list[int] = []
    while len(chosen) < lines:
        pick = rng.choices(range(CATALOG), weights=catalog.popularity)[0]
        if pick not in chosen:
            chosen.append(pick)
    service, _, days = rng.choices(SERVICES, weights=[w for _, w, _ in SERVICES])[0]
    placed = PLACED + timedelta(hours=rng.uniform(0, 24 * 6))
    lat, lon, _ = rng.choice(places)
    return RouteRequest(
        lines=[
            Line(catalog.skus[i], rng.choices((1, 2, 3), weights=(0.8, 0.15, 0.05))[0], catalog.weights[i])
            for i in chosen
        ],
        destination_lat=lat,
        destination_lon=lon,
        placed_at=placed,
        service=service,
        promised_by=placed.date() + timedelta(days=days + (2 if placed.weekday() >= 4 else 0)),
    )


def linehaul_days(miles: float) -> int:
    """Transit days of a linehaul run this long: 1 up to 250 miles, 2 up to 700, 3 up to 1400, else 4."""
    return next((days for limit, days in LINEHAUL_DAYS if miles <= limit), 4)


def consolidation_network(network: Sequence[Candidate]) -> Consolidation:
    """Consolidation options for a generated network, as the product builds them from its tables.

    Every warehouse can be a node (when it holds most of an order); the first `HUBS` warehouses
    by code are hubs. Lanes run from every warehouse and store (our own buildings: a 3PL or a
    dropship supplier sends no transfers) to every warehouse.
    """
    warehouses = sorted((c for c in network if c.kind == "warehouse"), key=lambda c: c.code)
    origins = [c for c in network if c.kind in ("warehouse", "store")]
    lanes = tuple(
        LinehaulLane(
            origin=origin.code,
            destination=node.code,
            transit_days=linehaul_days(haversine_miles(origin.lat, origin.lon, node.lat, node.lon)),
            cost_per_unit=LINEHAUL_PER_UNIT,
            cost_per_kg=LINEHAUL_PER_KG,
        )
        for node in warehouses
        for origin in origins
        if origin.code != node.code
    )
    return Consolidation(
        lanes=lanes,
        hubs=tuple(Hub(node.code, HUB_HANDLING, 1) for node in warehouses[:HUBS]),
        handling_per_unit=HUB_HANDLING,
        processing_days=1,
        node_kinds=frozenset({"warehouse"}),
        origin_kinds=frozenset({"warehouse", "store"}),
    )
