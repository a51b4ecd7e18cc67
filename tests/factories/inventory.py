"""Factories for users, locations, SKUs and stock (stock always goes through the services)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.roles import STORE_ASSOCIATE, WAREHOUSE_OPERATOR
from inventory.models import SKU, Location, LocationAccess, LocationKind, StockLevel
from inventory.services import stock_receive


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"loc-{n}")
    name = factory.LazyAttribute(lambda o: f"Location {o.code}")
    kind = LocationKind.WAREHOUSE
    postal_code = "75201"
    city = "Dallas"
    region = "TX"
    country = "US"
    latitude = Decimal("32.790400")
    longitude = Decimal("-96.804400")
    timezone = "America/Chicago"


class SKUFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SKU
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.LazyAttribute(lambda o: f"Item {o.code}")
    barcode = factory.Sequence(lambda n: f"{400000000000 + n:013d}")
    weight_grams = 500
    price = Decimal("19.99")


class StockLevelFactory(factory.django.DjangoModelFactory):
    """A zero stock level row; put units in with `stocked()` so the ledger stays true."""

    class Meta:
        model = StockLevel

    location = factory.SubFactory(LocationFactory)
    sku = factory.SubFactory(SKUFactory)


def stocked(location: Location, sku: SKU, quantity: int) -> StockLevel:
    """Receive `quantity` units through the service (writes the ledger) and return the level."""
    stock_receive(location=location, sku=sku, quantity=quantity, actor=None)
    return StockLevel.objects.get(location=location, sku=sku)


def user_with_role(role: str, *, locations: list[Location] | None = None, **kwargs) -> Any:
    """A user in one of the role groups, with location access for scoped roles."""
    user: Any = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role))
    if role in (STORE_ASSOCIATE, WAREHOUSE_OPERATOR):
        for location in locations or []:
            LocationAccess.objects.get_or_create(user=user, location=location)
    return user
