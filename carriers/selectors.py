"""Carrier reads: accounts with their locations, the box catalog, and the boxes a location packs into.

Every function loads what its page needs up front (`prefetch_related`/`select_related`), so a
template never queries, whatever the number of rows.
"""

from __future__ import annotations

from django.db.models import F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from carriers.models import BoxType, CarrierAccount
from inventory.models import Location

_LOCATION_COLUMNS = ("code", "name", "kind", "is_active", "ships_orders")


def carrier_account_list() -> QuerySet[CarrierAccount]:
    """Every carrier account, by name, with the locations allowed to use it (two queries)."""
    locations = Location.objects.order_by("code").only(*_LOCATION_COLUMNS)
    return CarrierAccount.objects.prefetch_related(Prefetch("locations", queryset=locations)).order_by("name", "code")


def carrier_account_get(*, code: str) -> CarrierAccount:
    """One account by code, with its locations (404 if unknown)."""
    return get_object_or_404(carrier_account_list(), code=code)


def carrier_accounts_for(location: Location | int) -> QuerySet[CarrierAccount]:
    """The active accounts a location may ship with, by name."""
    location_id = location if isinstance(location, int) else location.pk
    return CarrierAccount.objects.filter(is_active=True, locations=location_id).order_by("name", "code")


def shipping_locations(*, keep: list[int] | None = None) -> QuerySet[Location]:
    """Locations an account can be given: active ones that ship orders, plus any in `keep`.

    `keep` holds the locations an account already has, so editing it never drops one silently
    because the location stopped shipping meanwhile.
    """
    wanted = Q(is_active=True, ships_orders=True)
    if keep:
        wanted |= Q(pk__in=keep)
    return Location.objects.filter(wanted).order_by("code").only(*_LOCATION_COLUMNS)


def box_type_list() -> QuerySet[BoxType]:
    """The whole box catalog: active boxes first, each group smallest first by inner volume (one query)."""
    return (
        BoxType.objects.select_related("location")
        .annotate(volume=F("length_cm") * F("width_cm") * F("height_cm"))
        .order_by("-is_active", "volume", "max_weight_grams", "name", "pk")
    )


def box_type_get(*, pk: int) -> BoxType:
    """One box of the catalog (404 if unknown)."""
    return get_object_or_404(BoxType.objects.select_related("location"), pk=pk)


def box_types_for(location: Location | int) -> list[BoxType]:
    """The active boxes a location packs into: its own and the all-location ones, smallest first.

    Smallest by inner volume, then by the most they hold, so a packer offered the first box
    that fits is offered the cheapest one to ship.
    """
    location_id = location if isinstance(location, int) else location.pk
    boxes = (
        BoxType.objects.filter(Q(location_id=location_id) | Q(location__isnull=True), is_active=True)
        .annotate(volume=F("length_cm") * F("width_cm") * F("height_cm"))
        .order_by("volume", "max_weight_grams", "name", "pk")
    )
    return list(boxes)
