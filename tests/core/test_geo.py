"""Offline US ZIP geocoding and great-circle distances."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.geo import PostalPlace, geocode_postal_code, haversine_miles, normalize_us_zip


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


@pytest.mark.parametrize(("postal_code", "country"), [("M5V 2T6", "CA"), ("10115", "DE"), ("10001", "GB")])
def test_postal_codes_outside_the_us_give_nothing(postal_code, country):
    assert geocode_postal_code(postal_code, country) is None


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
