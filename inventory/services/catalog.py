"""Locations and SKUs: create and update, with geocoding of US postal codes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.errors import ValidationFailed
from core.geo import geocode_postal_code
from inventory.models import SKU, Location
from inventory.services.feed import stock_changes_record_location

# The fields a caller may set, in the order forms and the API show them.
LOCATION_FIELDS = (
    "code",
    "name",
    "kind",
    "address_line1",
    "city",
    "region",
    "postal_code",
    "country",
    "latitude",
    "longitude",
    "timezone",
    "ships_orders",
    "offers_pickup",
    "accepts_returns",
    "ship_from_store",
    "daily_order_capacity",
    "order_cutoff_time",
    "priority",
    "is_active",
)
SKU_FIELDS = (
    "code",
    "name",
    "barcode",
    "weight_grams",
    "length_mm",
    "width_mm",
    "height_mm",
    "price",
    "currency",
    "is_active",
    "hs_code",
    "origin_country",
    "customs_value",
    "customs_description",
)


def _validated_save(instance: Location | SKU) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationFailed(messages[0], field=None if field == "__all__" else field) from exc
    instance.save()


def _fill_geography(location: Location, *, given: set[str], moved: bool) -> None:
    """Fill coordinates, city, state and time zone from a US ZIP code.

    On creation or when the ZIP code changes, every geographic field the caller did not
    give explicitly is taken from the ZIP code, so a location never keeps the city or the
    time zone (and so the cut-off clock) of its old address.
    """
    place = geocode_postal_code(location.postal_code, location.country)
    if location.country.upper() == "US" and place is None:
        raise ValidationFailed(f"{location.postal_code!r} is not a known US ZIP code.", field="postal_code")
    if place is None or not moved:
        return
    if not {"latitude", "longitude"} & given:
        location.latitude, location.longitude = place.latitude, place.longitude
    if "city" not in given or not location.city:
        location.city = place.city
    if "region" not in given or not location.region:
        location.region = place.region
    if place.timezone and "timezone" not in given:
        location.timezone = place.timezone


def _apply(instance: Any, allowed: tuple[str, ...], data: dict[str, Any]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationFailed(f"Unknown field: {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    for name, value in data.items():
        setattr(instance, name, value)


def location_create(**data: Any) -> Location:
    """Create a location; a US ZIP code fills latitude/longitude, city, state and time zone."""
    location = Location()
    _apply(location, LOCATION_FIELDS, data)
    location.country = (location.country or "US").upper()
    _fill_geography(location, given=set(data), moved=True)
    with transaction.atomic():
        _validated_save(location)
    return location


def location_update(*, location: Location, **data: Any) -> Location:
    """Update a location; a changed US ZIP code re-geocodes it unless coordinates are given."""
    if "code" in data and data["code"] != location.code:
        raise ValidationFailed("A location's code cannot change; other systems refer to it.", field="code")
    data.pop("code", None)
    old_postal, old_country = location.postal_code, location.country
    _apply(location, LOCATION_FIELDS, data)
    location.country = (location.country or "US").upper()
    moved = (location.postal_code, location.country) != (old_postal, old_country)
    _fill_geography(location, given=set(data), moved=moved)
    with transaction.atomic():
        before = Location.objects.filter(pk=location.pk).values_list("is_active", "ships_orders").first()
        _validated_save(location)
        if before is not None and before != (location.is_active, location.ships_orders):
            stock_changes_record_location(location_id=location.pk)
    return location


def sku_create(**data: Any) -> SKU:
    """Create a SKU (code unique, weight in grams, price in its currency)."""
    sku = SKU()
    _apply(sku, SKU_FIELDS, data)
    with transaction.atomic():
        _validated_save(sku)
    return sku


def sku_update(*, sku: SKU, **data: Any) -> SKU:
    """Update a SKU's details."""
    if "code" in data and data["code"] != sku.code:
        raise ValidationFailed("A SKU's code cannot change; create a new SKU instead.", field="code")
    data.pop("code", None)
    _apply(sku, SKU_FIELDS, data)
    with transaction.atomic():
        _validated_save(sku)
    return sku
