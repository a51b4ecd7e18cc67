"""Typed shortcuts over the inventory factories for the page tests (factory-boy returns untyped objects)."""

from __future__ import annotations

from typing import Any, cast

from inventory.models import SKU, Location
from tests.factories.inventory import LocationFactory, SKUFactory


def make_location(**kwargs: Any) -> Location:
    """A saved location (see LocationFactory for the defaults)."""
    return cast(Location, LocationFactory(**kwargs))


def make_sku(**kwargs: Any) -> SKU:
    """A saved SKU (see SKUFactory for the defaults)."""
    return cast(SKU, SKUFactory(**kwargs))
