"""Demo consolidation network: linehaul lanes between the demo warehouses, Columbus as the hub,
and the merchant's default routing rules allowing consolidation (`seed_consolidation`, from
`seed_demo`, after the seeds that route orders, so the demo's seeded orders keep their plans).

Through the services; only what is missing is added, so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from fulfillment.models import ConsolidationHub, LinehaulLane, RoutingPolicy
from fulfillment.routing import haversine_miles
from fulfillment.services.routing.network import consolidation_allow, consolidation_hub_set, linehaul_lane_set
from inventory.models import Location, LocationKind

#: The demo hub: Columbus is within a day's truck of most of the East and the Midwest.
DEMO_HUB = "cmh-dc"
HUB_HANDLING = Decimal("0.45")
#: An LTL pallet share between two of our warehouses, per unit and per kg.
LANE_PER_UNIT = Decimal("0.35")
LANE_PER_KG = Decimal("0.12")


def lane_days(miles: float) -> int:
    """Truck days between two warehouses: 1 up to 300 miles, 2 up to 800, 3 up to 1500, else 4."""
    for limit, days in ((300.0, 1), (800.0, 2), (1500.0, 3)):
        if miles <= limit:
            return days
    return 4


@dataclass
class ConsolidationSeedResult:
    """What `seed_consolidation` added (zero everywhere on a second run)."""

    lanes: int = 0
    hubs: int = 0
    allowed: bool = False


def seed_consolidation() -> ConsolidationSeedResult:
    """Lanes both ways between every two active demo warehouses, the hub, and the default rules allowing it."""
    result = ConsolidationSeedResult()
    warehouses = list(
        Location.objects.filter(kind=LocationKind.WAREHOUSE, is_active=True, latitude__isnull=False).order_by("code")
    )
    existing = set(LinehaulLane.objects.values_list("origin_id", "destination_id"))
    with transaction.atomic():
        for origin in warehouses:
            for destination in warehouses:
                if origin.pk == destination.pk or (origin.pk, destination.pk) in existing:
                    continue
                miles = haversine_miles(
                    float(origin.latitude or 0),
                    float(origin.longitude or 0),
                    float(destination.latitude or 0),
                    float(destination.longitude or 0),
                )
                linehaul_lane_set(
                    origin=origin,
                    destination=destination,
                    transit_days=lane_days(miles),
                    cost_per_unit=LANE_PER_UNIT,
                    cost_per_kg=LANE_PER_KG,
                )
                result.lanes += 1
        hub = next((location for location in warehouses if location.code == DEMO_HUB), None)
        if hub is not None and not ConsolidationHub.objects.filter(location=hub).exists():
            consolidation_hub_set(location=hub, handling_per_unit=HUB_HANDLING, processing_days=1)
            result.hubs += 1
        if result.lanes and not RoutingPolicy.objects.filter(channel__isnull=True, allow_consolidation=True).exists():
            consolidation_allow(allow=True)
            result.allowed = True
    return result
