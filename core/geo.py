"""Geography helpers: offline postal-code geocoding and distances.

`geocode_postal_code` places a destination on the map with no network call:

- US ZIP codes: the `zipcodes` package (each ZIP's own coordinates, city, state, time zone).
- Canada: the first letter of the postal code (the forward sortation area's region letter)
  names a province, a territory or a part of one (`CANADA_REGIONS`, the 18 letters in use);
  the code gets that region's population centre.
- Other countries: the country's population centre or capital (`core/data/country_centroids.csv`,
  ISO 3166 alpha-2 code -> latitude, longitude and a representative time zone).

Canadian regions and countries are approximate (to about 0.1 degree, and a whole province or
country becomes one point). That is enough for what the product uses a foreign destination's
coordinates for: choosing which of the merchant's locations, all far away, is nearer, and the
zone of the distance, which is the longest one for anything overseas. A destination that none
of these can place gives None; the caller holds the order rather than routing from (0, 0).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import zipcodes

_US_ZIP = re.compile(r"^\s*([0-9]{5})(?:-[0-9]{4})?\s*$")  # ASCII digits only: zipcodes panics on others
#: A Canadian postal code, A1A 1A1: D, F, I, O, Q and U are never used; W and Z never come first.
_CA_POSTAL = re.compile(r"^([ABCEGHJ-NPRSTVXY])([0-9])([ABCEGHJ-NPRSTV-Z]) ?([0-9][ABCEGHJ-NPRSTV-Z][0-9])$")
EARTH_RADIUS_MILES = 3958.8
COUNTRY_CENTROIDS_CSV = Path(__file__).resolve().parent / "data" / "country_centroids.csv"
_MICRO_DEGREE = Decimal("0.000001")

#: Canada's postal regions by the first letter of the postal code: (province or territory,
#: its time zone, latitude, longitude of the region's population centre).
CANADA_REGIONS: dict[str, tuple[str, str, float, float]] = {
    "A": ("NL", "America/St_Johns", 47.6, -53.0),  # Newfoundland and Labrador (Avalon)
    "B": ("NS", "America/Halifax", 44.9, -63.6),  # Nova Scotia
    "C": ("PE", "America/Halifax", 46.3, -63.2),  # Prince Edward Island
    "E": ("NB", "America/Moncton", 46.1, -65.9),  # New Brunswick
    "G": ("QC", "America/Toronto", 46.8, -71.3),  # Eastern Quebec (Quebec City)
    "H": ("QC", "America/Toronto", 45.5, -73.6),  # Montreal
    "J": ("QC", "America/Toronto", 45.7, -73.2),  # Western Quebec (around Montreal, Gatineau, Sherbrooke)
    "K": ("ON", "America/Toronto", 45.0, -75.8),  # Eastern Ontario (Ottawa, Kingston)
    "L": ("ON", "America/Toronto", 43.6, -79.7),  # Central Ontario (Mississauga, Hamilton, Oshawa)
    "M": ("ON", "America/Toronto", 43.7, -79.4),  # Toronto
    "N": ("ON", "America/Toronto", 43.1, -80.9),  # Southwestern Ontario (London, Kitchener, Windsor)
    "P": ("ON", "America/Toronto", 46.8, -81.3),  # Northern Ontario (Sudbury, Thunder Bay)
    "R": ("MB", "America/Winnipeg", 49.9, -97.3),  # Manitoba
    "S": ("SK", "America/Regina", 51.3, -105.8),  # Saskatchewan
    "T": ("AB", "America/Edmonton", 52.2, -113.9),  # Alberta
    "V": ("BC", "America/Vancouver", 49.5, -122.6),  # British Columbia
    "X": ("NT", "America/Yellowknife", 62.5, -114.4),  # Northwest Territories and Nunavut
    "Y": ("YT", "America/Whitehorse", 60.7, -135.1),  # Yukon
}

#: Extra days in transit to a destination outside the US, on top of the carrier's longest-zone
#: ground time: customs clearance and the handover to the destination's postal service. Canada
#: and Mexico are trucked across a land border (the US card's zone for the distance still
#: applies); overseas parcels are flown, usually 6 to 10 days door to door.
LAND_NEIGHBOUR_TRANSIT_DAYS = 2
OVERSEAS_TRANSIT_DAYS = 4
#: Destinations the US carriers serve as domestic (the US and its territories with US ZIPs).
DOMESTIC_COUNTRIES = frozenset({"US", "PR", "GU", "VI", "AS", "MP"})
LAND_NEIGHBOURS = frozenset({"CA", "MX"})


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


def normalize_ca_postal_code(postal_code: str) -> str | None:
    """Return a Canadian postal code as Canada Post prints it ("m5v2t6" -> "M5V 2T6"), or None."""
    match = _CA_POSTAL.match((postal_code or "").strip().upper())
    return f"{match.group(1)}{match.group(2)}{match.group(3)} {match.group(4)}" if match else None


@lru_cache(maxsize=4096)
def geocode_postal_code(postal_code: str, country: str = "US") -> PostalPlace | None:
    """Where a postal code is, offline: US ZIPs exactly, Canada by region letter, others by country.

    None when it cannot be placed: an unknown US ZIP, a Canadian code that is not one, or a
    country the centroid table does not have.
    """
    country = (country or "US").strip().upper()
    if country == "US":
        return _geocode_us(postal_code)
    if country == "CA":
        return _geocode_ca(postal_code)
    centroid = country_centroids().get(country)
    if centroid is None:
        return None
    latitude, longitude, timezone = centroid
    return PostalPlace(
        postal_code=(postal_code or "").strip().upper(),
        latitude=_degrees(latitude),
        longitude=_degrees(longitude),
        city="",
        region="",
        timezone=timezone,
    )


def _geocode_us(postal_code: str) -> PostalPlace | None:
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
        latitude=Decimal(found["lat"]).quantize(_MICRO_DEGREE),
        longitude=Decimal(found["long"]).quantize(_MICRO_DEGREE),
        city=found.get("city") or "",
        region=found.get("state") or "",
        timezone=found.get("timezone") or "",
    )


def _geocode_ca(postal_code: str) -> PostalPlace | None:
    normalized = normalize_ca_postal_code(postal_code)
    if normalized is None:
        return None
    province, timezone, latitude, longitude = CANADA_REGIONS[normalized[0]]
    return PostalPlace(
        postal_code=normalized,
        latitude=_degrees(latitude),
        longitude=_degrees(longitude),
        city="",
        region=province,
        timezone=timezone,
    )


def _degrees(value: float) -> Decimal:
    return Decimal(str(value)).quantize(_MICRO_DEGREE)


@lru_cache(maxsize=1)
def country_centroids() -> dict[str, tuple[float, float, str]]:
    """ISO 3166 alpha-2 code -> (latitude, longitude, time zone) of each country in the shipped table."""
    with COUNTRY_CENTROIDS_CSV.open(encoding="utf-8", newline="") as handle:
        return {
            row["code"].upper(): (float(row["latitude"]), float(row["longitude"]), row["timezone"])
            for row in csv.DictReader(handle)
        }


def international_transit_days(country: str) -> int:
    """Days a parcel to `country` spends in transit beyond the US carriers' ground time (0 at home)."""
    code = (country or "US").strip().upper()
    if code in DOMESTIC_COUNTRIES:
        return 0
    return LAND_NEIGHBOUR_TRANSIT_DAYS if code in LAND_NEIGHBOURS else OVERSEAS_TRANSIT_DAYS


def not_on_map_reason(postal_code: str, country: str) -> str:
    """Why an order to a place `geocode_postal_code` cannot place is held instead of routed."""
    return (
        f"We cannot place postal code {postal_code.strip() or '(none)'} in country {(country or '?').upper()} "
        "on the map; correct the address or set it manually."
    )


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = math.radians(lat2 - lat1)
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))
