"""Product photography: requests, uploads (checked and kept once per SKU), approval, the primary image.

A request is open until photos are uploaded for it (submitted), and done once one of them is
approved; a rejection with nothing else pending opens it again. The first approved photo of a SKU
becomes its primary image; staff may choose another approved one.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.types import Actor, actor_id
from inventory.models import SKU, Location
from quality.models import (
    InspectionUnit,
    PhotoReason,
    PhotoRequest,
    PhotoRequestStatus,
    PhotoStatus,
    ProductPhoto,
)
from quality.photos import photos_check

MAX_PHOTOS_PER_SKU = 60
OPEN_STATUSES = (PhotoRequestStatus.OPEN, PhotoRequestStatus.SUBMITTED)


def photo_request_create(
    *,
    sku: SKU,
    reason: str,
    actor: Actor,
    note: str = "",
    location: Location | None = None,
    inspection_unit: InspectionUnit | None = None,
) -> PhotoRequest:
    """Ask the photo station for photos of a SKU; an open request for the same SKU and reason is returned as is."""
    if reason not in PhotoReason.values:
        raise ValidationFailed("Choose why the photos are needed.", field="reason")
    if reason == PhotoReason.INSPECTED_UNIT and inspection_unit is None:
        raise ValidationFailed("A unit's photos need the inspected unit.", field="reason")
    if inspection_unit is None:
        existing = PhotoRequest.objects.filter(
            sku=sku, reason=reason, status__in=OPEN_STATUSES, inspection_unit__isnull=True
        ).first()
        if existing:
            return existing
    try:
        with transaction.atomic():
            return PhotoRequest.objects.create(
                sku=sku,
                reason=reason,
                location=location,
                inspection_unit=inspection_unit,
                note=note.strip()[:255],
                requested_by_id=actor_id(actor),
            )
    except IntegrityError:
        # A twin request committed meanwhile (the unique constraint): that one is the request.
        return PhotoRequest.objects.get(sku=sku, reason=reason, status__in=OPEN_STATUSES, inspection_unit__isnull=True)


def photos_upload(
    *, sku: SKU, uploads: Sequence[UploadedFile], actor: Actor, request: PhotoRequest | None = None
) -> list[ProductPhoto]:
    """Store checked photos of a SKU, awaiting approval; a file the SKU already has is not stored twice.

    With `request`, the photos answer it (and belong to its unit, for a unit's request).
    """
    if not uploads:
        raise ValidationFailed("Choose at least one photo.", field="photos")
    with transaction.atomic():
        locked_sku = SKU.objects.select_for_update(no_key=True).get(pk=sku.pk)
        if request is not None:
            request = PhotoRequest.objects.select_for_update().get(pk=request.pk)
            if request.sku_id != locked_sku.pk:
                raise ValidationFailed("That request is for another SKU.", field="request")
            if request.status not in OPEN_STATUSES:
                raise Conflict(f"That request is {request.get_status_display().lower()}.")
        known = set(ProductPhoto.objects.filter(sku=locked_sku).values_list("content_sha256", flat=True))
        checked = photos_check(uploads, known=known, room=MAX_PHOTOS_PER_SKU - len(known), limit_label="A SKU")
        saved = []
        for photo in checked:
            record = ProductPhoto(
                sku=locked_sku,
                request=request,
                inspection_unit_id=request.inspection_unit_id if request else None,
                content_sha256=photo.sha256,
                content_type=photo.content_type,
                size_bytes=photo.size,
                original_name=(photo.upload.name or "")[:200],
                uploaded_by_id=actor_id(actor),
            )
            record.image.save(photo.file_name, photo.upload, save=False)
            record.save()
            saved.append(record)
        if request is not None and saved and request.status == PhotoRequestStatus.OPEN:
            request.status = PhotoRequestStatus.SUBMITTED
            request.save(update_fields=["status", "updated_at"])
    return saved


def _locked_photo(photo: ProductPhoto) -> ProductPhoto:
    # The SKU row first: approving and choosing the primary image of one SKU queue behind each other.
    SKU.objects.select_for_update(no_key=True).filter(pk=photo.sku_id).first()
    return ProductPhoto.objects.select_for_update().get(pk=photo.pk)


def photo_approve(*, photo: ProductPhoto, actor: Actor, make_primary: bool = False) -> ProductPhoto:
    """Approve a photo: it joins the SKU's gallery, and becomes its primary image if it has none (or if asked)."""
    with transaction.atomic():
        locked = _locked_photo(photo)
        if locked.status == PhotoStatus.REJECTED:
            raise Conflict("This photo was rejected; upload it again to have it reviewed.")
        locked.status = PhotoStatus.APPROVED
        locked.reviewed_by_id = actor_id(actor)
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        has_primary = ProductPhoto.objects.filter(sku_id=locked.sku_id, is_primary=True).exists()
        if make_primary or not has_primary:
            locked = _make_primary(locked)
        if locked.request_id:
            PhotoRequest.objects.filter(pk=locked.request_id, status__in=OPEN_STATUSES).update(
                status=PhotoRequestStatus.DONE, completed_at=timezone.now(), updated_at=timezone.now()
            )
    return locked


def photo_reject(*, photo: ProductPhoto, actor: Actor, reason: str) -> ProductPhoto:
    """Reject a photo with the reason; its request opens again if nothing else of it waits or was approved."""
    if not reason.strip():
        raise ValidationFailed("Say what is wrong with the photo, so it can be taken again.", field="reason")
    with transaction.atomic():
        locked = _locked_photo(photo)
        locked.status = PhotoStatus.REJECTED
        locked.is_primary = False
        locked.rejection_reason = reason.strip()[:255]
        locked.reviewed_by_id = actor_id(actor)
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["status", "is_primary", "rejection_reason", "reviewed_by", "reviewed_at"])
        if locked.request_id:
            others = ProductPhoto.objects.filter(
                request_id=locked.request_id, status__in=(PhotoStatus.PENDING, PhotoStatus.APPROVED)
            )
            if not others.exists():
                PhotoRequest.objects.filter(pk=locked.request_id).update(
                    status=PhotoRequestStatus.OPEN, completed_at=None, updated_at=timezone.now()
                )
    return locked


def _make_primary(photo: ProductPhoto) -> ProductPhoto:
    ProductPhoto.objects.filter(sku_id=photo.sku_id, is_primary=True).exclude(pk=photo.pk).update(is_primary=False)
    photo.is_primary = True
    photo.save(update_fields=["is_primary"])
    return photo


def photo_make_primary(*, photo: ProductPhoto, actor: Actor) -> ProductPhoto:
    """Make an approved photo the SKU's primary image (the previous one stays in the gallery)."""
    with transaction.atomic():
        locked = _locked_photo(photo)
        if locked.status != PhotoStatus.APPROVED:
            raise Conflict("Only an approved photo can be the primary image.")
        return _make_primary(locked)


def photo_request_cancel(*, request: PhotoRequest, actor: Actor) -> PhotoRequest:
    """Withdraw a request nobody has answered yet."""
    with transaction.atomic():
        locked = PhotoRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != PhotoRequestStatus.OPEN:
            raise Conflict(f"That request is {locked.get_status_display().lower()}.")
        locked.status = PhotoRequestStatus.CANCELLED
        locked.completed_at = timezone.now()
        locked.save(update_fields=["status", "completed_at", "updated_at"])
    return locked
