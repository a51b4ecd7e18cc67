"""Locations and SKUs: geocoding of US ZIP codes, unique and immutable codes, field-level errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from inventory.models import SKU, Location, LocationKind
from inventory.services import location_create, location_update, sku_create, sku_update

pytestmark = pytest.mark.django_db


def new_location(**overrides) -> Location:
    data = {"code": "nyc-store", "name": "New York Store", "kind": LocationKind.STORE, "postal_code": "10001"}
    data.update(overrides)
    return location_create(**data)


def test_a_us_zip_code_fills_coordinates_city_state_and_time_zone():
    location = new_location()

    location.refresh_from_db()
    assert (location.latitude, location.longitude) == (Decimal("40.748400"), Decimal("-73.996700"))
    assert (location.city, location.region, location.country) == ("New York", "NY", "US")
    assert location.timezone == "America/New_York"


def test_a_zip_plus_four_code_is_geocoded_by_its_first_five_digits():
    location = new_location(code="la-dc", kind=LocationKind.WAREHOUSE, postal_code="90012-3456")

    assert (location.latitude, location.longitude) == (Decimal("34.061400"), Decimal("-118.238500"))
    assert (location.city, location.region) == ("Los Angeles", "CA")
    assert location.timezone == "America/Los_Angeles"


def test_a_given_city_is_kept_while_coordinates_come_from_the_zip():
    location = new_location(code="chi-store", postal_code="60601", city="Chicago Loop")

    assert location.city == "Chicago Loop"
    assert location.region == "IL"
    assert location.latitude == Decimal("41.885800")


@pytest.mark.parametrize("postal_code", ["00000", "ABCDE", "1234", ""])
def test_an_unknown_us_zip_code_is_refused_on_the_postal_code_field(postal_code):
    with pytest.raises(ValidationFailed) as excinfo:
        new_location(postal_code=postal_code)

    assert excinfo.value.field == "postal_code"
    assert "not a known US ZIP code" in excinfo.value.message
    assert not Location.objects.exists()


def test_given_coordinates_of_a_us_location_are_kept():
    location = new_location(latitude=Decimal("40.750600"), longitude=Decimal("-73.997200"))

    location.refresh_from_db()
    assert (location.latitude, location.longitude) == (Decimal("40.750600"), Decimal("-73.997200"))
    assert location.city == "New York"


def test_a_us_location_with_given_coordinates_still_gets_the_time_zone_of_its_zip():
    """A Los Angeles warehouse must not run on New York's cut-off clock because it has exact coordinates."""
    location = new_location(
        code="la-dc", postal_code="90012", latitude=Decimal("34.060000"), longitude=Decimal("-118.240000")
    )

    assert location.timezone == "America/Los_Angeles"


def test_a_location_outside_the_us_keeps_the_coordinates_it_was_given():
    location = new_location(
        code="tor-3pl",
        name="Toronto 3PL",
        kind=LocationKind.THIRD_PARTY,
        postal_code="M5V 2T6",
        country="ca",
        city="Toronto",
        latitude=Decimal("43.642600"),
        longitude=Decimal("-79.387100"),
        timezone="America/Toronto",
    )

    location.refresh_from_db()
    assert location.country == "CA"
    assert (location.latitude, location.longitude) == (Decimal("43.642600"), Decimal("-79.387100"))
    assert (location.city, location.timezone) == ("Toronto", "America/Toronto")


def test_a_location_outside_the_us_is_placed_at_its_country_centre():
    location = new_location(code="ber-supplier", kind=LocationKind.DROPSHIP_SUPPLIER, postal_code="10115", country="DE")

    # Germany's approximate centre (offline data): enough to tell which side of the ocean it is on.
    assert location.latitude is not None and 47 < location.latitude < 55
    assert location.longitude is not None and 5 < location.longitude < 15


def test_changing_the_zip_code_moves_the_location_to_the_new_place():
    location = new_location()

    location_update(location=location, postal_code="60601")

    location.refresh_from_db()
    assert (location.latitude, location.longitude) == (Decimal("41.885800"), Decimal("-87.618100"))
    assert location.timezone == "America/Chicago"
    assert (location.city, location.region) == ("Chicago", "IL")


def test_updating_other_fields_keeps_the_geocoded_place():
    location = new_location()

    location_update(location=location, name="NYC Flagship", priority=5)

    location.refresh_from_db()
    assert (location.name, location.priority) == ("NYC Flagship", 5)
    assert location.latitude == Decimal("40.748400")
    assert location.timezone == "America/New_York"


def test_a_duplicate_location_code_is_refused_on_the_code_field():
    new_location()

    with pytest.raises(ValidationFailed) as excinfo:
        new_location(name="Another store")

    assert excinfo.value.field == "code"
    assert Location.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "castle"}, "kind"),
        ({"code": "not a slug!"}, "code"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_location_input_names_the_field_at_fault(overrides, field):
    with pytest.raises(ValidationFailed) as excinfo:
        new_location(**overrides)

    assert excinfo.value.field == field
    assert not Location.objects.exists()


def test_sku_create_stores_the_item():
    sku = sku_create(code="MUG-01", name="Mug", barcode="4006381333931", weight_grams=350, price=Decimal("9.50"))

    sku.refresh_from_db()
    assert (sku.code, sku.name, sku.barcode, sku.weight_grams, sku.price) == (
        "MUG-01",
        "Mug",
        "4006381333931",
        350,
        Decimal("9.50"),
    )


def test_a_duplicate_sku_code_is_refused_on_the_code_field():
    sku_create(code="MUG-01", name="Mug")

    with pytest.raises(ValidationFailed) as excinfo:
        sku_create(code="MUG-01", name="Another mug")

    assert excinfo.value.field == "code"
    assert "already exists" in excinfo.value.message
    assert SKU.objects.count() == 1


def test_a_sku_code_cannot_change():
    sku = sku_create(code="MUG-01", name="Mug")

    with pytest.raises(ValidationFailed) as excinfo:
        sku_update(sku=sku, code="MUG-02")

    assert excinfo.value.field == "code"
    assert SKU.objects.get().code == "MUG-01"


def test_sku_update_changes_details_and_accepts_its_unchanged_code():
    sku = sku_create(code="MUG-01", name="Mug")

    sku_update(sku=sku, code="MUG-01", name="Large mug", weight_grams=420)

    sku.refresh_from_db()
    assert (sku.code, sku.name, sku.weight_grams) == ("MUG-01", "Large mug", 420)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": "MUG-01", "name": "Mug", "price": Decimal("-1.00")}, "price"),
        ({"code": "MUG-01", "name": ""}, "name"),
        ({"code": "", "name": "Mug"}, "code"),
        ({"code": "MUG-01", "name": "Mug", "barcode": "1" * 15}, "barcode"),
        ({"code": "MUG-01", "name": "Mug", "size": "XL"}, "size"),
    ],
)
def test_invalid_sku_input_names_the_field_at_fault(data, field):
    with pytest.raises(ValidationFailed) as excinfo:
        sku_create(**data)

    assert excinfo.value.field == field
    assert not SKU.objects.exists()


def test_customs_data_is_kept_and_a_bad_hs_code_is_refused_with_the_field():
    sku = sku_create(code="TEE-01", name="Tee")
    sku_update(sku=sku, hs_code="610910", origin_country="PT", customs_value=Decimal("18.00"))
    sku.refresh_from_db()
    assert (sku.hs_code, sku.origin_country, sku.customs_value) == ("610910", "PT", Decimal("18.00"))
    with pytest.raises(ValidationFailed) as refused:
        sku_update(sku=sku, hs_code="61-09")
    assert refused.value.field == "hs_code" and "6 to 10 digits" in refused.value.message
