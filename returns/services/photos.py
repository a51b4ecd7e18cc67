"""Photos taken at inspection: only JPEG, PNG or WebP within the size limits, each kept once per return."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

from core.errors import ValidationFailed
from core.types import AnyUser
from returns.models import ReturnAuthorization, ReturnPhoto
from returns.services._common import actor_id

PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PHOTOS_PER_UPLOAD = 12
MAX_PHOTOS_PER_RETURN = 40
MAX_PHOTO_PIXELS = 40_000_000


def _max_photo_bytes() -> int:
    return int(getattr(settings, "RETURNS_PHOTO_MAX_BYTES", 8 * 1024 * 1024))


@dataclass(frozen=True)
class CheckedPhoto:
    upload: UploadedFile
    content_type: str
    size: int
    sha256: str


def photos_check(rma: ReturnAuthorization, photos: Sequence[UploadedFile]) -> list[CheckedPhoto]:
    """Refuse anything that is not a JPEG, PNG or WebP photo within the size limits (checked by decoding it).

    Photos this return already holds (same SHA-256), or given twice, are dropped: they are kept once.
    """
    if not photos:
        return []
    if len(photos) > MAX_PHOTOS_PER_UPLOAD:
        raise ValidationFailed(f"At most {MAX_PHOTOS_PER_UPLOAD} photos at a time.", field="photos")
    limit = _max_photo_bytes()
    known = set(rma.photos.exclude(content_sha256="").values_list("content_sha256", flat=True))
    checked = []
    for upload in photos:
        name = upload.name or "photo"
        size = upload.size or 0
        if size == 0:
            raise ValidationFailed(f"{name} is empty.", field="photos")
        if size > limit:
            raise ValidationFailed(
                f"{name} is {size / 1_048_576:.1f} MB; photos can be up to {limit // 1_048_576} MB.", field="photos"
            )
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        try:
            with Image.open(io.BytesIO(data)) as image:
                image_format = image.format or ""
                width, height = image.size
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise ValidationFailed(f"{name} is not a photo we can read (JPEG, PNG or WebP).", field="photos") from exc
        if image_format not in PHOTO_FORMATS:
            raise ValidationFailed(
                f"{name} is a {image_format or 'unknown'} file; use JPEG, PNG or WebP.", field="photos"
            )
        if width * height > MAX_PHOTO_PIXELS:
            raise ValidationFailed(
                f"{name} is {width}\u00d7{height}; photos can have up to 40 megapixels.", field="photos"
            )
        digest = hashlib.sha256(data).hexdigest()
        if digest in known:
            continue
        known.add(digest)
        checked.append(CheckedPhoto(upload=upload, content_type=PHOTO_FORMATS[image_format], size=size, sha256=digest))
    if checked and rma.photos.count() + len(checked) > MAX_PHOTOS_PER_RETURN:
        raise ValidationFailed(f"A return keeps at most {MAX_PHOTOS_PER_RETURN} photos.", field="photos")
    return checked


def photo_save(
    rma: ReturnAuthorization, photo: CheckedPhoto, actor: AnyUser | None, *, unit_id: int | None
) -> ReturnPhoto:
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[photo.content_type]
    record = ReturnPhoto(
        rma=rma,
        unit_id=unit_id,
        content_sha256=photo.sha256,
        content_type=photo.content_type,
        size_bytes=photo.size,
        original_name=(photo.upload.name or "")[:200],
        uploaded_by_id=actor_id(actor),
    )
    record.image.save(f"photo.{extension}", photo.upload, save=False)
    record.save()
    return record
