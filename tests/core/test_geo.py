"""Offline geocoding (US ZIPs, Canadian postal regions, country centres) and great-circle distances."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.geo import (
    CANADA_REGIONS,
    PostalPlace,
    country_centroids,
    geocode_postal_code,
    haversine_miles,
    international_transit_days,
    normalize_ca_postal_code,
    normalize_us_zip,
    not_on_map_reason,
)


@pytest.mark.parametrize(
    ("postal_code", "expected"),
    [
        (
            "10001",
            PostalPlace("10001", Decimal("40.748400"), Decimal("-73.996700"), "New York", "NY", "America/New_York"),
        ),
        (
            "75201",
            PostalPlace("75201", Decimal("32.790400"), Decimal("-96.804400"), "Dallas", "TX", "America/Chicago"),
        ),
        (
            "90012",
            PostalPlace(
                "90012", Decimal("34.061400"), Decimal("-118.238500"), "Los Angeles", "CA", "America/Los_Angeles"
            ),
        ),
        (
            "96813",
            PostalPlace("96813", Decimal("21.317900"), Decimal("-157.852100"), "Honolulu", "HI", "Pacific/Honolulu"),
        ),
    ],
)
def test_a_real_zip_code_gives_its_place(postal_code, expected):
    assert geocode_postal_code(postal_code) == expected


def test_a_zip_plus_four_code_and_surrounding_spaces_give_the_five_digit_place():
    place = geocode_postal_code(" 60601-1234 ", "us")

    assert place is not None
    assert (place.postal_code, place.city, place.region) == ("60601", "Chicago", "IL")


def test_a_zip_code_keeps_its_leading_zero():
    place = geocode_postal_code("02108")

    assert place is not None
    assert (place.postal_code, place.city, place.region) == ("02108", "Boston", "MA")


@pytest.mark.parametrize("junk", ["", "ABCDE", "1234", "123456", "00000", "10001-12", "10001 1234", "DROP TABLE"])
def test_junk_or_unknown_zip_codes_give_nothing(junk):
    assert geocode_postal_code(junk) is None


@pytest.mark.parametrize(
    ("postal_code", "province", "near"),
    [
        ("M5V 2T6", "ON", (43.65, -79.38)),  # Toronto
        ("h2x1y4", "QC", (45.51, -73.57)),  # Montreal, typed without the space
        ("V6B 1A1", "BC", (49.28, -123.12)),  # Vancouver
        ("T2P 1J9", "AB", (51.05, -114.07)),  # Calgary
        ("A1C 5M2", "NL", (47.56, -52.71)),  # St. John's
        ("X1A 2P7", "NT", (62.45, -114.37)),  # Yellowknife
    ],
)
def test_a_canadian_postal_code_is_placed_in_its_region_within_a_few_hundred_miles(postal_code, province, near):
    place = geocode_postal_code(postal_code, "ca")

    assert place is not None and place.region == province
    assert place.postal_code == postal_code.upper().replace(" ", "")[:3] + " " + postal_code.upper()[-3:]
    assert haversine_miles(float(place.latitude), float(place.longitude), *near) < 200


def test_the_canadian_table_covers_every_region_letter_canada_post_uses():
    assert "".join(sorted(CANADA_REGIONS)) == "ABCEGHJKLMNPRSTVXY"


@pytest.mark.parametrize("junk", ["", "12345", "D5V 2T6", "M5V 2T", "W1A 0AX", "M5V-2T6X"])
def test_something_that_is_not_a_canadian_postal_code_gives_nothing(junk):
    assert normalize_ca_postal_code(junk) is None
    assert geocode_postal_code(junk, "CA") is None


@pytest.mark.parametrize(
    ("country", "city"),
    [
        ("GB", (51.51, -0.13)),  # London
        ("de", (50.11, 8.68)),  # Frankfurt
        ("FR", (48.86, 2.35)),  # Paris
        ("JP", (35.68, 139.69)),  # Tokyo
        ("AU", (-33.87, 151.21)),  # Sydney
        ("BR", (-23.55, -46.63)),  # Sao Paulo
        ("MX", (19.43, -99.13)),  # Mexico City
        ("ZA", (-26.20, 28.05)),  # Johannesburg
    ],
)
def test_another_country_is_placed_at_its_centre_within_its_borders(country, city):
    place = geocode_postal_code("anything", country)

    assert place is not None and place.timezone
    assert haversine_miles(float(place.latitude), float(place.longitude), *city) < 600


def test_the_country_table_covers_the_countries_that_matter_for_e_commerce():
    european_union = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"]
    european_union += ["IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]
    others = ["GB", "NO", "CH", "AU", "NZ", "JP", "KR", "CN", "HK", "SG", "IN", "MX", "BR", "AR", "CL", "CO"]
    wanted = [*european_union, *others, "ZA", "AE", "SA", "IL", "TR"]
    table = country_centroids()

    assert set(wanted) <= set(table)
    assert len(table) >= 60
    assert all(-90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0, 0) for lat, lon, _ in table.values())
    assert "US" not in table and "CA" not in table  # placed by their postal codes, never by a centre


def test_a_country_nobody_can_place_gives_nothing():
    assert geocode_postal_code("12345", "XX") is None
    assert geocode_postal_code("", "QQ") is None


def test_the_reason_given_for_a_place_not_on_the_map_names_the_code_and_country():
    assert not_on_map_reason(" 99 ", "xx") == (
        "We cannot place postal code 99 in country XX on the map; correct the address or set it manually."
    )


@pytest.mark.parametrize(("country", "days"), [("US", 0), ("pr", 0), ("CA", 2), ("MX", 2), ("GB", 4), ("JP", 4)])
def test_parcels_abroad_take_extra_days_more_across_an_ocean(country, days):
    assert international_transit_days(country) == days


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("75201", "75201"), ("75201-1234", "75201"), (" 75201 ", "75201"), ("7520", None), ("", None), ("ABCDE", None)],
)
def test_normalize_us_zip_keeps_the_first_five_digits(raw, expected):
    assert normalize_us_zip(raw) == expected


def test_new_york_to_los_angeles_is_about_2445_miles():
    miles = haversine_miles(40.7128, -74.0060, 34.0522, -118.2437)

    assert miles == pytest.approx(2445, abs=5)


def test_distance_is_symmetric_and_zero_to_itself():
    dallas, chicago = (32.7904, -96.8044), (41.8858, -87.6181)

    assert haversine_miles(*dallas, *dallas) == 0
    assert haversine_miles(*dallas, *chicago) == pytest.approx(haversine_miles(*chicago, *dallas))
    assert haversine_miles(*dallas, *chicago) == pytest.approx(802, abs=10)


def test_distance_between_the_poles_is_half_the_earths_circumference():
    assert haversine_miles(90, 0, -90, 0) == pytest.approx(3.141592653589793 * 3958.8)
