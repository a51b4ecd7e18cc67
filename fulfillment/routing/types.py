"""The plain dataclasses the routing engine takes and returns (no ORM, no Django)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

#: Service levels from slowest to fastest. A rate card of a faster level may carry a slower request.
SERVICE_LEVELS: tuple[str, ...] = ("standard", "express", "next_day", "same_day")
LOCATION_KINDS: tuple[str, ...] = ("warehouse", "store", "3pl", "dropship_supplier")
#: USPS-style distance bands: a destination up to `max_miles` away is in `zone`; farther is zone 8.
DEFAULT_ZONE_BANDS: tuple[tuple[float, int], ...] = (
    (50.0, 1),
    (150.0, 2),
    (300.0, 3),
    (600.0, 4),
    (1000.0, 5),
    (1400.0, 6),
    (1800.0, 7),
)
#: Transit days by zone (1-8) used when the cost model has no rate cards at all.
DEFAULT_TRANSIT_DAYS: tuple[int, ...] = (1, 2, 3, 3, 4, 5, 5, 6)
COST_KEYS: tuple[str, ...] = ("shipping", "handling", "packages", "late_penalty", "backorder_penalty")
#: Breakdown keys a shipment has only when they are not zero: a location's own terms (a partner's
#: fees and unit prices) and the expected future cost of the units it takes (shadow prices).
EXTRA_COST_KEYS: tuple[str, ...] = ("partner_terms", "future_cost")


@dataclass(frozen=True, slots=True)
class Line:
    """One order line: `quantity` units of `sku`, each weighing `weight_grams`."""

    sku: str
    quantity: int
    weight_grams: int


@dataclass(frozen=True, slots=True)
class RouteRequest:
    """What to route: the lines, where they go, how fast, and by when.

    `placed_at` must be timezone-aware (UTC by convention); it decides, with each location's
    cut-off, the day a location can ship. `promised_by` is the delivery date promised to the
    customer (late days cost `CostModel.late_penalty_per_day`). A request with
    `pickup_location` is collected by the customer there: only that location may serve it,
    and whatever it lacks is backordered. `extra_transit_days` are added to every card's transit
    time (a parcel abroad also waits for customs and the destination's post).
    """

    lines: Sequence[Line]
    destination_lat: float
    destination_lon: float
    placed_at: datetime
    service: str = "standard"
    promised_by: date | None = None
    channel: str = ""
    pickup_location: str | None = None
    extra_transit_days: int = 0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A location that might serve the order, with what it can promise today.

    `available` is available-to-promise per SKU. `capacity_left` is how many more shipments it
    can take today (None: no limit; one order uses at most 1). `priority`: lower is preferred
    when costs tie. `cutoff_local` is the local time after which orders ship the next day
    (None: ships the day the order is placed). A store ships orders only if `ship_from_store`.

    Costs of this location on top of the cost model (dollars): `fixed_cost` per shipment (a
    partner's per-order fee), `unit_costs[sku]` per unit (a 3PL's pick fee, a dropship
    supplier's price of the SKU), named `cost_terms` in the explanation ("Acme terms"); and
    `future_costs[sku]`, the expected future cost of using one unit here now (a shadow price:
    the stock may be worth more to later orders), with `future_regions[sku]` naming the demand
    it is kept for.
    """

    code: str
    kind: str
    lat: float
    lon: float
    available: Mapping[str, int]
    capacity_left: int | None = None
    priority: int = 100
    cutoff_local: time | None = None
    timezone: str = "UTC"
    ships_orders: bool = True
    ship_from_store: bool = False
    fixed_cost: Decimal = Decimal("0")
    unit_costs: Mapping[str, Decimal] = field(default_factory=dict)
    cost_terms: str = ""
    future_costs: Mapping[str, Decimal] = field(default_factory=dict)
    future_regions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RateCard:
    """Price and transit of one carrier service, by zone and weight.

    `level` is the service level it gives (one of `SERVICE_LEVELS`). `rates[zone]` lists
    `(max_weight_grams, price)` brackets in ascending weight: a parcel up to that weight costs
    that price (dollars). A zone missing from `rates` or `transit_days` is not served, and a
    parcel heavier than the last bracket cannot go with this card. `transit_days[zone]` counts
    delivery days Monday to Saturday (Sunday is skipped).
    """

    carrier: str
    service: str
    level: str
    transit_days: Mapping[int, int]
    rates: Mapping[int, Sequence[tuple[int, Decimal]]]

    @classmethod
    def per_pound(
        cls,
        *,
        carrier: str,
        service: str,
        level: str,
        transit_days: Mapping[int, int],
        first_pound: Mapping[int, Decimal],
        extra_pound: Mapping[int, Decimal],
        max_pounds: int = 70,
    ) -> RateCard:
        """Build a card priced `first_pound[zone] + extra_pound[zone]` per started pound after the first."""
        rates = {
            zone: tuple(
                (round(pounds * 453.59237), base + extra_pound[zone] * (pounds - 1))
                for pounds in range(1, max_pounds + 1)
            )
            for zone, base in first_pound.items()
        }
        return cls(carrier=carrier, service=service, level=level, transit_days=dict(transit_days), rates=rates)


@dataclass(frozen=True, slots=True)
class CostModel:
    """What a plan costs. Every money figure is in dollars (`Decimal`).

    A shipment (one package) from a location costs
    `handling_by_kind[kind] + package_cost + carrier price + per-unit terms + late penalty`,
    where the carrier price comes from the cheapest rate card (including its late penalty)
    of the requested level or faster (`allow_upgrade`), for the zone of the distance
    (`zone_bands`) and the parcel's weight. The per-unit terms
    `units x (per_unit_base + per_unit_per_mile x miles)` express linear models such as
    Jasin & Sinha's `package + per unit (a + b x miles)`; they count as shipping.
    With no rate cards, the carrier price is 0 and transit comes from `fallback_transit_days`.
    Each unit not shipped costs `backorder_penalty_per_unit`: keep it above the cost of any
    single shipment if the router should always ship what it can.
    """

    rate_cards: Sequence[RateCard] = ()
    zone_bands: Sequence[tuple[float, int]] = DEFAULT_ZONE_BANDS
    handling_by_kind: Mapping[str, Decimal] = field(default_factory=dict)
    package_cost: Decimal = Decimal("0")
    per_unit_base: Decimal = Decimal("0")
    per_unit_per_mile: Decimal = Decimal("0")
    late_penalty_per_day: Decimal = Decimal("0")
    backorder_penalty_per_unit: Decimal = Decimal("100")
    allow_upgrade: bool = True
    fallback_transit_days: Sequence[int] = DEFAULT_TRANSIT_DAYS


@dataclass(frozen=True, slots=True)
class Rules:
    """The merchant's routing rules (already chosen for the order's channel).

    - `excluded_locations` / `excluded_kinds`: never used.
    - `priority_tiers`: location codes by tier; tier 1 serves what it can, the next tier only
      what earlier tiers cannot; locations in no tier come after the last tier. Empty: one tier.
    - `max_packages`: at most this many shipments for the order.
    - `keep_together`: each group of SKUs ships from one location (overlapping groups merge).
    - `ship_from_store_radius_miles`: stores ship only to destinations this close.
    - `location_pool`: when set, only these locations may serve the order (the channel's pool,
      named `pool_name` in the explanation); a unit none of them can ship is backordered.
    - `unrun_locations`: locations holding the order's SKUs that nobody ships from (a dropship
      supplier's location no active partner runs); not candidates, only named when units wait.
    """

    excluded_locations: frozenset[str] = frozenset()
    excluded_kinds: frozenset[str] = frozenset()
    priority_tiers: Sequence[frozenset[str]] = ()
    max_packages: int | None = None
    keep_together: Sequence[frozenset[str]] = ()
    ship_from_store_radius_miles: float | None = None
    location_pool: frozenset[str] | None = None
    pool_name: str = ""
    unrun_locations: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class LinehaulLane:
    """Moving units between two of the merchant's locations (a truck run, a pallet service).

    A leg of `units` units weighing `grams` costs `cost_per_unit x units + cost_per_kg x grams / 1000`
    dollars and arrives `transit_days` delivery days (Monday to Saturday) after the origin's
    ship date. A pair of locations with no lane cannot send units to each other for consolidation.
    """

    origin: str
    destination: str
    transit_days: int
    cost_per_unit: Decimal = Decimal("0")
    cost_per_kg: Decimal = Decimal("0")


@dataclass(frozen=True, slots=True)
class Hub:
    """A location flagged as a consolidation node: what handling an inbound unit costs there, and
    how many days it takes from the last inbound arrival until the parcel leaves."""

    code: str
    handling_per_unit: Decimal = Decimal("0")
    processing_days: int = 1


@dataclass(frozen=True, slots=True)
class Consolidation:
    """How the router may turn a split plan into one parcel (the channel allows it).

    Nodes: every hub (the nearest `max_hubs` to the destination), and the split plan's own
    locations and the candidate holding most of the order's units if their kind is in
    `node_kinds`. A hub must be among the candidates, even with no stock.
    Units the node holds ship from its stock; the rest come from the plan's other locations
    (kinds in `origin_kinds`) over `lanes`. At a node that is not a hub, inbound units cost
    `handling_per_unit` each and the parcel leaves `processing_days` after the last arrival.
    """

    lanes: Sequence[LinehaulLane] = ()
    hubs: Sequence[Hub] = ()
    handling_per_unit: Decimal = Decimal("0")
    processing_days: int = 1
    node_kinds: frozenset[str] = frozenset({"warehouse"})
    origin_kinds: frozenset[str] = frozenset({"warehouse", "store", "3pl"})
    max_hubs: int = 8

    @property
    def hub_codes(self) -> frozenset[str]:
        """The hubs' location codes."""
        return frozenset(hub.code for hub in self.hubs)


@dataclass(frozen=True, slots=True)
class PlannedLeg:
    """Units moved from one location to the consolidation node before the parcel leaves it.

    `cost` is the linehaul (lane) price of these units; `arrives` the day they reach the node.
    """

    origin: str
    destination: str
    lines: Mapping[str, int]
    weight_grams: int
    cost: Decimal
    ship_date: date
    arrives: date
    transit_days: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (dates ISO, money as strings)."""
        return {
            "origin": self.origin,
            "destination": self.destination,
            "lines": dict(self.lines),
            "weight_grams": self.weight_grams,
            "cost": str(self.cost),
            "ship_date": self.ship_date.isoformat(),
            "arrives": self.arrives.isoformat(),
            "transit_days": self.transit_days,
        }


@dataclass(frozen=True, slots=True)
class PlannedShipment:
    """One package from one location: its lines, carrier, cost and dates.

    `cost_breakdown` has the keys shipping, handling, packages and late_penalty; `cost` is
    their sum. For a pickup, carrier and service are "pickup" and `estimated_delivery` is the
    day it is ready.
    """

    location: str
    lines: Mapping[str, int]
    carrier: str
    service: str
    weight_grams: int
    cost: Decimal
    cost_breakdown: Mapping[str, Decimal]
    ship_date: date
    estimated_delivery: date
    zone: int = 0
    distance_miles: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (dates ISO, money as strings)."""
        return {
            "location": self.location,
            "lines": dict(self.lines),
            "carrier": self.carrier,
            "service": self.service,
            "weight_grams": self.weight_grams,
            "cost": str(self.cost),
            "cost_breakdown": {key: str(value) for key, value in self.cost_breakdown.items()},
            "ship_date": self.ship_date.isoformat(),
            "estimated_delivery": self.estimated_delivery.isoformat(),
            "zone": self.zone,
            "distance_miles": round(self.distance_miles, 1),
        }


@dataclass(frozen=True, slots=True)
class Alternative:
    """A runner-up plan: which locations, what it would cost, and a short summary."""

    locations: tuple[str, ...]
    total_cost: Decimal
    packages: int
    backordered_units: int
    summary: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "locations": list(self.locations),
            "total_cost": str(self.total_cost),
            "packages": self.packages,
            "backordered_units": self.backordered_units,
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """Where an order ships from, what it costs, and why.

    `backorders` maps SKU to the units no shipment carries. `cost_breakdown` has the keys of
    `COST_KEYS`; `total_cost` is their sum (each rounded to cents). `method` says how the
    plan was found: "single" (one location, proven cheapest), "exact" (a split, proven
    cheapest by enumeration and bounds), "milp" (proven by the MILP), "heuristic" (the MILP's
    budget ran out: best plan found) or "greedy" (the `greedy_plan` baseline).

    A consolidated plan has one shipment (from the node) and `legs`: the units other locations
    send to the node first; its `cost_breakdown` adds the keys linehaul and hub_handling.
    """

    shipments: tuple[PlannedShipment, ...]
    backorders: Mapping[str, int]
    total_cost: Decimal
    cost_breakdown: Mapping[str, Decimal]
    reason: str
    alternatives: Sequence[Alternative]  # a tuple, or `report.RunnerUps` (described when first read)
    method: str
    legs: tuple[PlannedLeg, ...] = ()

    @property
    def consolidated_at(self) -> str | None:
        """The node's code when the plan consolidates (has legs), else None."""
        return self.legs[0].destination if self.legs else None

    @property
    def packages(self) -> int:
        """Number of shipments (one package each)."""
        return len(self.shipments)

    @property
    def backordered_units(self) -> int:
        """Units no shipment carries."""
        return sum(self.backorders.values())

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form, to store with the order."""
        found: dict[str, Any] = {
            "shipments": [shipment.as_dict() for shipment in self.shipments],
            "backorders": dict(self.backorders),
            "total_cost": str(self.total_cost),
            "cost_breakdown": {key: str(value) for key, value in self.cost_breakdown.items()},
            "reason": self.reason,
            "alternatives": [alternative.as_dict() for alternative in self.alternatives],
            "method": self.method,
        }
        if self.legs:
            found["legs"] = [leg.as_dict() for leg in self.legs]
        return found
