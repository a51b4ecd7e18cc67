"""Demo carriers, rate cards and routing settings.

Realistic, deterministic figures in the range of 2025 US retail parcel rates, for three
national carriers and one regional courier:

- Parcelway (UPS-like): Ground, 3 Day Select, 2nd Day Air, Next Day Air;
- Swiftship (FedEx-like): Home Delivery, Express Saver, Priority Overnight;
- Postline (USPS-like): Ground Advantage, Priority Mail, Priority Mail Express; cheapest
  for light parcels, dearer than the others for heavy ones;
- Metro Courier: Same Day, within zones 1-2 only.

Everything is written through the services (`fulfillment.services.rates`), and only what is
missing is created: running the seed twice changes nothing, and it never overwrites what staff
have edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from fulfillment.models import Carrier, CarrierService, CostSettings, RoutingPolicy, ZoneBand
from fulfillment.services.rates import (
    GRAMS_PER_POUND,
    ZONES,
    PolicyRules,
    RateRowInput,
    carrier_create,
    carrier_service_create,
    cost_settings_update,
    rate_table_set,
    routing_policy_set,
    zone_bands_set,
)

#: Weight brackets of every demo card, in pounds.
WEIGHT_BRACKETS_LB: tuple[Decimal, ...] = tuple(
    Decimal(w) for w in ("0.5", "1", "2", "3", "5", "10", "20", "30", "50", "70")
)
#: USPS-style zones by distance: zone n up to this many miles; beyond the last, zone 8.
ZONE_BAND_MILES: tuple[int, ...] = (50, 150, 300, 600, 1000, 1400, 1800)
SHIP_FROM_STORE_RADIUS_MILES = 60
_CENT = Decimal("0.01")

# Ground (Parcelway): first pound and each further pound, by zone 1-8 (zone 1 1 lb $9.45,
# zone 8 10 lb $27.00).
_GROUND_FIRST = ("9.45", "9.85", "10.40", "11.10", "11.80", "12.45", "13.10", "13.95")
_GROUND_EXTRA = ("0.55", "0.70", "0.90", "1.10", "1.25", "1.35", "1.45", "1.45")
GROUND_FIRST_POUND = {zone: Decimal(amount) for zone, amount in zip(ZONES, _GROUND_FIRST, strict=True)}
GROUND_EXTRA_POUND = {zone: Decimal(amount) for zone, amount in zip(ZONES, _GROUND_EXTRA, strict=True)}
# Postline Ground Advantage: cheap first pound, steep per extra pound.
POSTAL_FIRST_POUND = {zone: Decimal("7.25") + Decimal("0.75") * (zone - 1) for zone in ZONES}
POSTAL_EXTRA_POUND = {zone: Decimal("1.00") + Decimal("0.25") * (zone - 1) for zone in ZONES}


def _ground(zone: int, pounds: Decimal) -> Decimal:
    if pounds < 1:
        return GROUND_FIRST_POUND[zone] - Decimal("0.40")
    return GROUND_FIRST_POUND[zone] + GROUND_EXTRA_POUND[zone] * (pounds - 1)


def _postal(zone: int, pounds: Decimal) -> Decimal:
    if pounds < 1:
        return POSTAL_FIRST_POUND[zone] - Decimal("1.25")
    return POSTAL_FIRST_POUND[zone] + POSTAL_EXTRA_POUND[zone] * (pounds - 1)


def _times(base: Callable[[int, Decimal], Decimal], first: str, per_zone: str) -> Callable[[int, Decimal], Decimal]:
    """A card priced at `base` x (first + per_zone x (zone - 1))."""

    def price(zone: int, pounds: Decimal) -> Decimal:
        return base(zone, pounds) * (Decimal(first) + Decimal(per_zone) * (zone - 1))

    return price


def _courier(zone: int, pounds: Decimal) -> Decimal:
    first, extra = {1: (Decimal("14.50"), Decimal("0.60")), 2: (Decimal("18.50"), Decimal("0.80"))}[zone]
    return first + extra * max(pounds - 1, Decimal(0))


@dataclass(frozen=True)
class ServiceSpec:
    """A demo carrier service: its level, price function, transit days by zone and reach."""

    code: str
    name: str
    level: str
    price: Callable[[int, Decimal], Decimal]
    transit: tuple[int, ...]
    zones: tuple[int, ...] = ZONES
    max_pounds: Decimal = Decimal(70)


@dataclass(frozen=True)
class CarrierSpec:
    code: str
    name: str
    services: tuple[ServiceSpec, ...]


DEMO_CARRIERS: tuple[CarrierSpec, ...] = (
    CarrierSpec(
        "parcelway",
        "Parcelway",
        (
            ServiceSpec("ground", "Ground", "standard", _ground, (1, 2, 2, 3, 3, 4, 4, 5)),
            ServiceSpec(
                "3-day-select", "3 Day Select", "express", _times(_ground, "1.60", "0.08"), (1, 2, 3, 3, 3, 3, 3, 3)
            ),
            ServiceSpec("2nd-day-air", "2nd Day Air", "express", _times(_ground, "2.00", "0.10"), (2,) * 8),
            ServiceSpec("next-day-air", "Next Day Air", "next_day", _times(_ground, "3.50", "0.20"), (1,) * 8),
        ),
    ),
    CarrierSpec(
        "swiftship",
        "Swiftship",
        (
            ServiceSpec(
                "home-delivery", "Home Delivery", "standard", _times(_ground, "0.99", "0.01"), (1, 2, 2, 3, 3, 4, 4, 5)
            ),
            ServiceSpec(
                "express-saver", "Express Saver", "express", _times(_ground, "1.55", "0.08"), (2, 2, 3, 3, 3, 3, 3, 3)
            ),
            ServiceSpec(
                "priority-overnight", "Priority Overnight", "next_day", _times(_ground, "3.60", "0.20"), (1,) * 8
            ),
        ),
    ),
    CarrierSpec(
        "postline",
        "Postline",
        (
            ServiceSpec("ground-advantage", "Ground Advantage", "standard", _postal, (2, 2, 3, 3, 4, 4, 5, 5)),
            ServiceSpec(
                "priority-mail", "Priority Mail", "express", _times(_postal, "1.40", "0.01"), (2, 2, 2, 3, 3, 3, 3, 3)
            ),
            ServiceSpec(
                "priority-mail-express",
                "Priority Mail Express",
                "next_day",
                _times(_postal, "4.00", "0"),
                (1, 1, 1, 1, 1, 2, 2, 2),
            ),
        ),
    ),
    CarrierSpec(
        "metro-courier",
        "Metro Courier",
        (ServiceSpec("same-day", "Same Day", "same_day", _courier, (0, 0), zones=(1, 2), max_pounds=Decimal(50)),),
    ),
)


def rate_rows(spec: ServiceSpec) -> list[RateRowInput]:
    """The demo rate table of a service: one row per weight bracket, a price per zone it serves."""
    return [
        RateRowInput(
            max_weight_grams=int((pounds * GRAMS_PER_POUND).to_integral_value()),
            prices={zone: spec.price(zone, pounds).quantize(_CENT, rounding=ROUND_HALF_UP) for zone in spec.zones},
        )
        for pounds in WEIGHT_BRACKETS_LB
        if pounds <= spec.max_pounds
    ]


@dataclass
class CarrierSeedResult:
    """What `seed_carriers` created (zero everywhere on a second run)."""

    carriers: int = 0
    services: int = 0
    rate_cells: int = 0
    zone_bands: int = 0
    cost_settings: bool = False
    routing_policy: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.carriers or self.services or self.rate_cells or self.zone_bands)


def seed_carriers() -> CarrierSeedResult:
    """Create the demo carriers, services, rate tables, zone bands, cost settings and default rules.

    Only what is missing: a carrier, a service or a rate table that exists is left as it is.
    """
    result = CarrierSeedResult()
    with transaction.atomic():
        for carrier_spec in DEMO_CARRIERS:
            carrier = Carrier.objects.filter(code=carrier_spec.code).first()
            if carrier is None:
                carrier = carrier_create(code=carrier_spec.code, name=carrier_spec.name)
                result.carriers += 1
            for spec in carrier_spec.services:
                service = CarrierService.objects.filter(carrier=carrier, code=spec.code).first()
                if service is None:
                    service = carrier_service_create(carrier=carrier, code=spec.code, name=spec.name, level=spec.level)
                    result.services += 1
                if not service.rates.exists():
                    summary = rate_table_set(
                        service=service,
                        rows=rate_rows(spec),
                        transit_days=dict(zip(spec.zones, spec.transit, strict=True)),
                    )
                    result.rate_cells += summary.cells
        if not ZoneBand.objects.exists():
            result.zone_bands = len(zone_bands_set(max_miles=ZONE_BAND_MILES))
        if not CostSettings.objects.exists():
            cost_settings_update()
            result.cost_settings = True
        if not RoutingPolicy.objects.filter(channel__isnull=True).exists():
            routing_policy_set(rules=PolicyRules(ship_from_store_radius_miles=SHIP_FROM_STORE_RADIUS_MILES))
            result.routing_policy = True
    return result
