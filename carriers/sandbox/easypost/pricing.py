"""What the sandbox's carriers charge: USPS-, UPS- and FedEx-like services priced by weight and distance.

Pure (no sandbox state). A parcel is billed on the greater of its weight and its dimensional
weight (L x W x H / 139, in pounds), rounded up to the pound. The distance between the two ZIP
codes (offline, `core.geo`) gives a zone from 1 (same area) to 8 (across the country), as USPS
zones do; each zone adds 14 % to the price. Within one carrier a service that arrives sooner
never costs less, and a heavier, bulkier or farther parcel never costs less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.geo import geocode_postal_code, haversine_miles

DIM_DIVISOR = Decimal(139)
OUNCES_PER_POUND = Decimal(16)
#: Upper bounds (miles) of zones 1 to 7; farther is zone 8.
ZONE_MILES = (50, 150, 300, 600, 1000, 1400, 1800)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Service:
    """One service of one carrier: price of the first pound, of each further pound, days per zone."""

    carrier: str
    name: str
    first_pound: Decimal
    per_pound: Decimal
    days_by_zone: tuple[int, ...]  # zones 1 to 8; a shorter tuple repeats its last value
    max_pounds: int
    international: bool = False

    def days(self, zone: int) -> int:
        """Days in transit to a zone."""
        return self.days_by_zone[min(max(zone, 1), len(self.days_by_zone)) - 1]


def _service(carrier: str, name: str, first: str, per: str, days: tuple[int, ...], max_lb: int) -> Service:
    return Service(carrier, name, Decimal(first), Decimal(per), days, max_lb)


DOMESTIC = (
    _service("USPS", "GroundAdvantage", "6.80", "0.75", (2, 2, 3, 3, 4, 4, 5, 5), 70),
    _service("USPS", "Priority", "9.40", "1.35", (1, 1, 2, 2, 2, 3, 3, 3), 70),
    _service("USPS", "Express", "28.75", "2.80", (1, 1, 1, 1, 2, 2, 2, 2), 70),
    _service("UPS", "Ground", "9.90", "0.95", (2, 2, 3, 3, 4, 4, 5, 5), 150),
    _service("UPS", "3DaySelect", "16.50", "1.70", (2, 2, 3), 150),
    _service("UPS", "2ndDayAir", "21.40", "2.35", (2,), 150),
    _service("UPS", "NextDayAir", "38.20", "4.10", (1,), 150),
    _service("FedEx", "FEDEX_GROUND", "9.70", "0.98", (2, 2, 3, 3, 4, 4, 5, 5), 150),
    _service("FedEx", "FEDEX_2_DAY", "22.10", "2.30", (2,), 150),
    _service("FedEx", "STANDARD_OVERNIGHT", "41.00", "4.30", (1,), 150),
)
INTERNATIONAL = (
    Service("USPS", "PriorityMailInternational", Decimal("44.00"), Decimal("4.20"), (8,), 66, True),
    Service("USPS", "ExpressMailInternational", Decimal("62.00"), Decimal("5.80"), (4,), 66, True),
    Service("FedEx", "INTERNATIONAL_PRIORITY", Decimal("85.00"), Decimal("6.50"), (3,), 150, True),
)
CARRIERS = ("USPS", "UPS", "FedEx")


@dataclass(frozen=True)
class Quote:
    """One service's price and days for one parcel."""

    service: Service
    amount: Decimal
    days: int
    zone: int


def billable_pounds(weight_oz: Decimal, dims_in: tuple[Decimal, Decimal, Decimal] | None) -> int:
    """The weight carriers bill: actual or dimensional, whichever is more, in whole pounds (at least 1)."""
    pounds = weight_oz / OUNCES_PER_POUND
    if dims_in is not None:
        length, width, height = dims_in
        pounds = max(pounds, length * width * height / DIM_DIVISOR)
    return max(1, math.ceil(pounds))


def zone_between(from_zip: str, to_zip: str) -> int | None:
    """The zone (1-8) between two US ZIP codes, or None if either is unknown."""
    origin, destination = geocode_postal_code(from_zip), geocode_postal_code(to_zip)
    if origin is None or destination is None:
        return None
    miles = haversine_miles(
        float(origin.latitude), float(origin.longitude), float(destination.latitude), float(destination.longitude)
    )
    return next((index + 1 for index, bound in enumerate(ZONE_MILES) if miles <= bound), 8)


def price(service: Service, pounds: int, zone: int) -> Decimal:
    """A service's price for a billable weight and zone (international services ignore the zone)."""
    base = service.first_pound + service.per_pound * (pounds - 1)
    factor = Decimal(1) if service.international else Decimal(1) + Decimal("0.14") * (zone - 1)
    return (base * factor).quantize(CENT, rounding=ROUND_HALF_UP)


def quote_all(
    *,
    from_zip: str,
    to_zip: str,
    to_country: str,
    weight_oz: Decimal,
    dims_in: tuple[Decimal, Decimal, Decimal] | None,
    has_customs: bool,
    failing: dict[str, str],
) -> tuple[list[Quote], list[tuple[str, str]]]:
    """Every service's quote for a parcel, and (carrier, message) for each carrier that could not rate.

    `failing` maps a carrier to the message it answers with instead of rates (an outage).
    """
    messages: list[tuple[str, str]] = []
    international = to_country.upper() != "US"
    if geocode_postal_code(from_zip) is None:
        return [], [(carrier, f"Invalid origin ZIP code {from_zip!r}.") for carrier in CARRIERS]
    if international and not has_customs:
        message = "Customs information is required for international shipments."
        return [], [(carrier, message) for carrier in CARRIERS]
    zone = 9 if international else zone_between(from_zip, to_zip)
    if zone is None:
        return [], [(carrier, f"Invalid destination ZIP code {to_zip!r}.") for carrier in CARRIERS]
    pounds = billable_pounds(weight_oz, dims_in)
    quotes: list[Quote] = []
    for carrier in CARRIERS:
        services = [s for s in (INTERNATIONAL if international else DOMESTIC) if s.carrier == carrier]
        if not services:
            continue
        if carrier in failing:
            messages.append((carrier, failing[carrier]))
            continue
        allowed = [s for s in services if pounds <= s.max_pounds]
        if not allowed:
            messages.append((carrier, f"{carrier} does not carry parcels over {services[0].max_pounds} lb."))
        quotes.extend(Quote(s, price(s, pounds, zone), s.days(zone), zone) for s in allowed)
    return quotes, messages
