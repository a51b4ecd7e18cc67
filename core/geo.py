"""Geography helpers: US postal-code geocoding (offline, `zipcodes` data) and distances."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import zipcodes

_US_ZIP = re.compile(r"^\s*([0-9]{5})(?:-[0-9]{4})?\s*$")  # ASCII digits only: zipcodes panics on others
EARTH_RADIUS_MILES = 3958.8


@dataclass(frozen=True)
class PostalPlace:
    """What a postal code tells us: where it is, in which city/state and time zone."""

    postal_code: str
    latitude: Decimal
    longitude: Decimal
    city: str
    region: str
    timezone: str


def normalize_us_zip(postal_code: str) -> str | None:
    """Return the 5-digit ZIP of a US postal code ("75201-1234" -> "75201"), or None."""
    match = _US_ZIP.match(postal_code or "")
    return match.group(1) if match else None


@lru_cache(maxsize=4096)
def geocode_postal_code(postal_code: str, country: str = "US") -> PostalPlace | None:
    """Look up a postal code's coordinates. Only US ZIP codes are known; others give None."""
    if (country or "US").upper() != "US":
        return None
    zip5 = normalize_us_zip(postal_code)
    if zip5 is None:
        return None
    try:
        matches = zipcodes.matching(zip5)
    except Exception:  # the package validates its input loosely; an odd code is simply unknown
        return None
    if not matches:
        return None
    found = matches[0]
    return PostalPlace(
        postal_code=zip5,
        latitude=Decimal(found["lat"]).quantize(Decimal("0.000001")),
        longitude=Decimal(found["long"]).quantize(Decimal("0.000001")),
        city=found.get("city") or "",
        region=found.get("state") or "",
        timezone=found.get("timezone") or "",
    )


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = math.radians(lat2 - lat1)
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))
