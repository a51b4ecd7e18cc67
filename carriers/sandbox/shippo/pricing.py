"""How the Shippo sandbox prices a parcel: USPS- and UPS-like services, by billable weight and zone.

Billable weight is the greater of the actual and the dimensional weight (L x W x H in inches /
139, the US carriers' daily-rate divisor), rounded up to the pound. The zone comes from the
great-circle distance between the two ZIP codes (the USPS zone bands). Within a carrier a faster
service always costs more, at every weight and zone, so "cheapest that arrives in time" is a
real choice. Pure functions: no state, no HTTP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from carriers.connectors.base import DIM_DIVISOR_IN3_PER_LB
from core.geo import geocode_postal_code, haversine_miles

POUNDS_PER_UNIT = {"lb": Decimal(1), "oz": Decimal(1) / 16, "g": 1 / Decimal("453.59237"), "kg": Decimal("2.20462262")}
INCHES_PER_UNIT = {
    "in": Decimal(1),
    "cm": 1 / Decimal("2.54"),
    "mm": 1 / Decimal("25.4"),
    "m": 100 / Decimal("2.54"),
    "ft": Decimal(12),
    "yd": Decimal(36),
}
#: Upper bound in miles of each USPS zone, 1 to 8.
ZONE_MILES = (50, 150, 300, 600, 1000, 1400, 1800)


@dataclass(frozen=True)
class Service:
    """One service level as a rate shows it, with what it costs and how long it takes."""

    carrier: str  # Shippo's carrier token ("usps")
    provider: str  # Shippo's `provider` ("USPS")
    name: str
    token: str
    base: Decimal  # first pound, zone 1
    per_lb: Decimal
    zone_step: Decimal  # extra share of the price per zone above 1
    days: tuple[int, ...]  # estimated days by zone 1..8 (one figure: every zone)
    terms: str
    international: bool = False

    def estimated_days(self, zone: int) -> int:
        """Days in transit to a zone."""
        return self.days[min(zone, len(self.days)) - 1]

    def price(self, billable_lb: int, zone: int) -> Decimal:
        """The rate's amount for a billable weight and zone."""
        amount = (self.base + self.per_lb * (billable_lb - 1)) * (1 + self.zone_step * (zone - 1))
        return amount.quantize(Decimal("0.01"))


def _service(
    carrier: str, name: str, token: str, prices: tuple[str, str, str], days: tuple[int, ...], terms: str
) -> Service:
    base, per_lb, step = (Decimal(value) for value in prices)
    return Service(carrier, carrier.upper(), name, token, base, per_lb, step, days, terms)


DOMESTIC = (
    _service(
        "usps",
        "Ground Advantage",
        "usps_ground_advantage",
        ("5.25", "0.60", "0.09"),
        (2, 2, 3, 3, 4, 4, 5, 5),
        "Delivery in 2 to 5 days.",
    ),
    _service(
        "usps",
        "Priority Mail",
        "usps_priority",
        ("8.95", "1.15", "0.10"),
        (1, 1, 2, 2, 2, 3, 3, 3),
        "Delivery within 1, 2, or 3 days based on where your package started and where it's being sent.",
    ),
    _service(
        "usps",
        "Priority Mail Express",
        "usps_priority_express",
        ("28.80", "2.60", "0.08"),
        (1, 1, 1, 1, 2, 2, 2, 2),
        "Overnight delivery to most U.S. locations.",
    ),
    _service(
        "ups",
        "Ground",
        "ups_ground",
        ("10.40", "1.05", "0.09"),
        (2, 2, 3, 3, 4, 4, 5, 5),
        "Delivery in 1 to 5 business days.",
    ),
    _service(
        "ups",
        "2nd Day Air",
        "ups_second_day_air",
        ("24.60", "2.45", "0.07"),
        (2,),
        "Delivery by the end of the second business day.",
    ),
    _service(
        "ups",
        "Next Day Air",
        "ups_next_day_air",
        ("42.30", "4.10", "0.06"),
        (1,),
        "Next business day delivery by 10:30 a.m.",
    ),
)
INTERNATIONAL = (
    Service(
        "usps",
        "USPS",
        "Priority Mail International",
        "usps_priority_mail_international",
        Decimal("42.50"),
        Decimal("4.20"),
        Decimal(0),
        (8,),
        "Delivery in 6 to 10 business days.",
        international=True,
    ),
    Service(
        "ups",
        "UPS",
        "Worldwide Saver",
        "ups_saver",
        Decimal("88.00"),
        Decimal("8.90"),
        Decimal(0),
        (3,),
        "Delivery by the end of the day in 1 to 3 business days.",
        international=True,
    ),
)


def pounds(weight: str, unit: str) -> Decimal:
    """A weight in pounds; KeyError for a unit Shippo does not take."""
    return Decimal(weight) * POUNDS_PER_UNIT[unit]


def inches(length: str, unit: str) -> Decimal:
    """A length in inches; KeyError for a unit Shippo does not take."""
    return Decimal(length) * INCHES_PER_UNIT[unit]


def billable_pounds(weight_lb: Decimal, dims_in: tuple[Decimal, Decimal, Decimal]) -> int:
    """What the carriers bill: the greater of actual and dimensional weight, whole pounds, at least 1."""
    length, width, height = dims_in
    dimensional = length * width * height / DIM_DIVISOR_IN3_PER_LB
    return max(1, int(max(weight_lb, dimensional).to_integral_value(rounding=ROUND_CEILING)))


def zone_between(from_zip: str, to_zip: str) -> int | None:
    """The USPS-style zone (1-8) between two US ZIP codes; None when either is unknown."""
    origin, destination = geocode_postal_code(from_zip), geocode_postal_code(to_zip)
    if origin is None or destination is None:
        return None
    miles = haversine_miles(
        float(origin.latitude), float(origin.longitude), float(destination.latitude), float(destination.longitude)
    )
    return next((index + 1 for index, bound in enumerate(ZONE_MILES) if miles <= bound), 8)


def attributes(amounts: list[Decimal], days: list[int]) -> list[list[str]]:
    """Shippo's rate badges: CHEAPEST, FASTEST and BESTVALUE (cheapest of the fastest half)."""
    badges: list[list[str]] = [[] for _ in amounts]
    if not amounts:
        return badges
    badges[amounts.index(min(amounts))].append("CHEAPEST")
    fastest = min(days)
    badges[min((i for i, d in enumerate(days) if d == fastest), key=lambda i: amounts[i])].append("FASTEST")
    quick = [i for i, d in enumerate(days) if d <= sorted(days)[math.ceil(len(days) / 2) - 1]]
    badges[min(quick, key=lambda i: amounts[i])].insert(0, "BESTVALUE")
    return badges
