"""What the UPS sandbox charges and how long it takes: billable weight, zones, services.

Invented prices with UPS's shape: billable weight is the larger of the actual weight and the
dimensional weight (L x W x H in inches / 139), each rounded up to a whole pound; domestic
zones 2 to 8 come from the distance between the two ZIP codes; faster services cost more; a
fuel surcharge (accessorial 375) is itemised as in the published rate answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from carriers.connectors.base import DIM_DIVISOR_IN3_PER_LB, GRAMS_PER_POUND
from core.geo import geocode_postal_code, haversine_miles

KG_PER_LB = GRAMS_PER_POUND / 1000
CM_PER_INCH = Decimal("2.54")
MAX_BILLABLE_LB = 150
FUEL_SURCHARGE = Decimal("0.145")
CENT = Decimal("0.01")

#: Domestic services: price multiplier over Ground, business days in transit (None: by zone).
DOMESTIC = {
    "03": (Decimal("1.00"), None),
    "12": (Decimal("1.55"), 3),
    "02": (Decimal("2.10"), 2),
    "59": (Decimal("2.45"), 2),
    "13": (Decimal("2.90"), 1),
    "01": (Decimal("3.25"), 1),
    "14": (Decimal("4.60"), 1),
}
#: International services from the US: first pound, each further pound, business days.
INTERNATIONAL = {
    "11": (Decimal("18.40"), Decimal("1.60"), 5),  # Standard: Canada and Mexico only
    "08": (Decimal("41.00"), Decimal("4.90"), 5),
    "65": (Decimal("55.30"), Decimal("6.60"), 3),
    "07": (Decimal("61.75"), Decimal("7.40"), 2),
}
NEIGHBOURS = {"CA", "MX"}
GROUND_DAYS_BY_ZONE = {2: 1, 3: 2, 4: 3, 5: 3, 6: 4, 7: 5, 8: 5}
#: Miles -> zone, as UPS's zone charts grow with distance.
ZONE_BANDS = ((150, 2), (300, 3), (600, 4), (1000, 5), (1400, 6), (1800, 7))


class RouteUnavailable(ValueError):
    """No service between these two places (an unknown ZIP code, a service not offered there)."""


@dataclass(frozen=True)
class Priced:
    """One service's price for one shipment."""

    service_code: str
    billable_lb: int
    base: Decimal
    fuel: Decimal
    business_days: int

    @property
    def total(self) -> Decimal:
        """Base charge plus fuel surcharge."""
        return self.base + self.fuel


def _pounds(weight: dict[str, Any]) -> Decimal:
    value = Decimal(str(weight["Weight"]))
    unit = str((weight.get("UnitOfMeasurement") or {}).get("Code") or "LBS").upper()
    return value / KG_PER_LB if unit == "KGS" else value


def billable_pounds(package: dict[str, Any]) -> int:
    """A Package's billable weight: actual or dimensional, whichever is more, rounded up to a pound."""
    actual = _pounds(package["PackageWeight"])
    if actual <= 0:
        raise ValueError("Package weight must be more than 0")
    dimensional = Decimal(0)
    dimensions = package.get("Dimensions")
    if dimensions:
        unit = str((dimensions.get("UnitOfMeasurement") or {}).get("Code") or "IN").upper()
        sides = [Decimal(str(dimensions[key])) for key in ("Length", "Width", "Height")]
        if unit == "CM":
            sides = [side / CM_PER_INCH for side in sides]
        dimensional = sides[0] * sides[1] * sides[2] / DIM_DIVISOR_IN3_PER_LB
    return max(math.ceil(actual), math.ceil(dimensional), 1)


def zone(origin_zip: str, destination_zip: str) -> int:
    """The domestic zone between two ZIP codes (2 next door, 8 across the country)."""
    origin, destination = geocode_postal_code(origin_zip), geocode_postal_code(destination_zip)
    if origin is None or destination is None:
        raise RouteUnavailable(f"Unknown postal code {origin_zip if origin is None else destination_zip}")
    miles = haversine_miles(
        float(origin.latitude), float(origin.longitude), float(destination.latitude), float(destination.longitude)
    )
    return next((zone for limit, zone in ZONE_BANDS if miles < limit), 8)


def services_for(origin_country: str, destination_country: str) -> list[str]:
    """Service codes UPS offers from one country to another (the sandbox ships from the US)."""
    if origin_country != "US":
        raise RouteUnavailable("The sandbox ships from the US only")
    if destination_country in ("US", "PR"):
        return list(DOMESTIC)
    return [code for code in INTERNATIONAL if code != "11" or destination_country in NEIGHBOURS]


def price(service_code: str, *, billable_lb: int, origin: tuple[str, str], destination: tuple[str, str]) -> Priced:
    """The charges of one service; `origin`/`destination` are (postal code, country)."""
    if service_code not in services_for(origin[1], destination[1]):
        raise RouteUnavailable(f"Service {service_code} is not offered between these countries")
    if billable_lb > MAX_BILLABLE_LB:
        raise RouteUnavailable(f"{billable_lb} lb is over the {MAX_BILLABLE_LB} lb package limit")
    if service_code in DOMESTIC:
        shipping_zone = zone(origin[0], destination[0])
        multiplier, days = DOMESTIC[service_code]
        first = Decimal("9.20") + Decimal("0.95") * (shipping_zone - 2)
        extra = Decimal("0.55") + Decimal("0.20") * (shipping_zone - 2)
        base = (first + extra * (billable_lb - 1)) * multiplier
        business_days = days or GROUND_DAYS_BY_ZONE[shipping_zone]
    else:
        first, extra, business_days = INTERNATIONAL[service_code]
        factor = Decimal(1) if destination[1] in NEIGHBOURS else Decimal("1.6")
        base = (first + extra * (billable_lb - 1)) * factor
    base = base.quantize(CENT, rounding=ROUND_HALF_UP)
    fuel = (base * FUEL_SURCHARGE).quantize(CENT, rounding=ROUND_HALF_UP)
    return Priced(service_code, billable_lb, base, fuel, business_days)


def add_business_days(start: date, days: int) -> date:
    """The date `days` business days (Monday to Friday) after `start`."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
