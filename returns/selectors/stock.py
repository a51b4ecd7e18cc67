"""After inspection: the refurbish bucket and the vendor-return documents."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet
from django.http import Http404

from core.types import AnyUser
from inventory.selectors import visible_location_ids
from returns.models import Disposition, ReturnUnit, VendorReturn


def refurbish_bucket(*, user: AnyUser) -> QuerySet[ReturnUnit]:
    """Units waiting in the refurbish bucket at the user's locations, oldest first."""
    qs = ReturnUnit.objects.filter(disposition=Disposition.REFURBISH, restocked_at__isnull=True).select_related(
        "rma", "line__sku", "location"
    )
    ids = visible_location_ids(user)
    return (qs if ids is None else qs.filter(location_id__in=ids)).order_by("inspected_at", "pk")


def vendor_returns_open(*, user: AnyUser) -> QuerySet[VendorReturn]:
    qs = VendorReturn.objects.select_related("location").annotate(unit_count=Count("units"))
    ids = visible_location_ids(user)
    qs = qs if ids is None else qs.filter(location_id__in=ids)
    return qs.order_by(F("shipped_at").desc(nulls_first=True), "-pk")[:50]


def vendor_return_get(*, user: AnyUser, pk: int) -> VendorReturn:
    qs = VendorReturn.objects.all()
    ids = visible_location_ids(user)
    qs = qs if ids is None else qs.filter(location_id__in=ids)
    try:
        return qs.get(pk=pk)
    except VendorReturn.DoesNotExist as exc:
        raise Http404("No such vendor return.") from exc


def refurbish_unit_get(*, user: AnyUser, pk: int) -> ReturnUnit:
    try:
        return refurbish_bucket(user=user).get(pk=pk)
    except ReturnUnit.DoesNotExist as exc:
        raise Http404("No such unit in the refurbish bucket.") from exc
