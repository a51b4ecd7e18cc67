"""Reads for photography: a SKU's primary image and gallery, and the photo station's queue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse

from core.types import AnyUser
from inventory.models import SKU
from inventory.selectors import visible_location_ids
from quality.models import PhotoRequest, PhotoRequestStatus, PhotoStatus, ProductPhoto

OPEN_REQUEST_STATUSES = (PhotoRequestStatus.OPEN, PhotoRequestStatus.SUBMITTED)


def photo_url(photo_id: int) -> str:
    """Where the back office loads a product photo from (served from storage to signed-in staff)."""
    return reverse("quality:photo_file", args=[photo_id])


def sku_primary_image_urls(sku_ids: Iterable[int]) -> dict[int, str]:
    """The primary image of each SKU that has one, in one query (for lists)."""
    rows = ProductPhoto.objects.filter(sku_id__in=list(sku_ids), is_primary=True).values_list("sku_id", "pk")
    return {sku_id: photo_url(pk) for sku_id, pk in rows}


def sku_primary_image_url(sku: SKU) -> str | None:
    """The SKU's primary image, or None: what every page of the back office shows for the SKU."""
    return sku_primary_image_urls([sku.pk]).get(sku.pk)


def sku_gallery(*, sku: SKU) -> dict[str, Any]:
    """The SKU page's gallery: approved photos (primary first), how many wait for approval, open requests."""
    photos = list(
        ProductPhoto.objects.filter(sku=sku)
        .exclude(status=PhotoStatus.REJECTED)
        .select_related("inspection_unit__inspection")
        .order_by("-is_primary", "status", "id")
    )
    approved = [photo for photo in photos if photo.status == PhotoStatus.APPROVED]
    return {
        "sku": sku,
        "photos": [{"photo": photo, "url": photo_url(photo.pk)} for photo in approved],
        "primary_url": next((photo_url(p.pk) for p in approved if p.is_primary), None),
        "pending": sum(1 for photo in photos if photo.status == PhotoStatus.PENDING),
        "open_requests": list(
            PhotoRequest.objects.filter(sku=sku, status__in=OPEN_REQUEST_STATUSES).order_by("created_at")
        ),
    }


def _requests_scoped(qs: QuerySet[PhotoRequest], user: AnyUser) -> QuerySet[PhotoRequest]:
    """A request for a unit is seen where the unit is; a request for a SKU by every photographer."""
    ids = visible_location_ids(user)
    return qs if ids is None else qs.filter(Q(location__isnull=True) | Q(location_id__in=ids))


def photo_requests_open(*, user: AnyUser) -> list[PhotoRequest]:
    """Requests the photo station still has to shoot, oldest first."""
    qs = PhotoRequest.objects.filter(status=PhotoRequestStatus.OPEN).select_related(
        "sku", "location", "inspection_unit__inspection"
    )
    return list(_requests_scoped(qs, user).order_by("created_at", "id"))


def photos_awaiting_approval(*, user: AnyUser) -> list[dict[str, Any]]:
    """Uploaded photos waiting for a reviewer, with their file's address."""
    qs = ProductPhoto.objects.filter(status=PhotoStatus.PENDING).select_related("sku", "request", "uploaded_by")
    ids = visible_location_ids(user)
    if ids is not None:
        qs = qs.filter(Q(request__isnull=True) | Q(request__location__isnull=True) | Q(request__location_id__in=ids))
    primaries = sku_primary_image_urls({photo.sku_id for photo in qs})
    return [
        {"photo": photo, "url": photo_url(photo.pk), "primary_url": primaries.get(photo.sku_id)}
        for photo in qs.order_by("created_at", "id")
    ]


def photo_request_get(*, user: AnyUser, pk: int) -> PhotoRequest:
    """One request; 404 outside the user's locations."""
    qs = PhotoRequest.objects.select_related("sku", "location", "inspection_unit__inspection")
    found = _requests_scoped(qs, user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such photo request.")
    return found


def product_photo_get(*, pk: int) -> ProductPhoto:
    """One product photo (SKUs are seen by everyone who may see the catalogue)."""
    photo = ProductPhoto.objects.select_related("sku", "request").filter(pk=pk).first()
    if photo is None:
        raise Http404("No such photo.")
    return photo
