"""Checking uploaded photos: only JPEG, PNG or WebP within the size limits, each file kept once.

The same rules and messages as the photos taken when a return is inspected: the file is decoded
(a renamed PDF is refused whatever its name says), and a file already held (same SHA-256), or
given twice in one upload, is dropped rather than stored again. Written without a model, so
inspections and product photos share it (the returns app, above this one, may too).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

from core.errors import ValidationFailed

PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_PHOTOS_PER_UPLOAD = 12
MAX_PHOTO_PIXELS = 40_000_000


def max_photo_bytes() -> int:
    """The largest photo accepted, in bytes (`QUALITY_PHOTO_MAX_BYTES`, else the returns limit, else 8 MB)."""
    default = getattr(settings, "RETURNS_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
    return int(getattr(settings, "QUALITY_PHOTO_MAX_BYTES", default))


@dataclass(frozen=True)
class CheckedPhoto:
    """An upload that is a readable photo, with what storing it needs."""

    upload: UploadedFile
    content_type: str
    size: int
    sha256: str

    @property
    def file_name(self) -> str:
        """A storage name for it: the extension follows the decoded format, not the uploaded name."""
        return f"photo.{EXTENSIONS[self.content_type]}"


def _decoded_format(name: str, data: bytes) -> tuple[str, int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(f"{name} is not a photo we can read (JPEG, PNG or WebP).", field="photos") from exc
    return image_format, width, height


def photos_check(
    uploads: Sequence[UploadedFile], *, known: set[str], room: int, limit_label: str = "This record"
) -> list[CheckedPhoto]:
    """Refuse anything that is not a JPEG, PNG or WebP photo within the limits; drop files already held.

    `known` holds the SHA-256 of the photos already stored for the record; `room` is how many
    more it may hold (the refusal says "`limit_label` keeps at most ...").
    """
    if not uploads:
        return []
    if len(uploads) > MAX_PHOTOS_PER_UPLOAD:
        raise ValidationFailed(f"At most {MAX_PHOTOS_PER_UPLOAD} photos at a time.", field="photos")
    limit = max_photo_bytes()
    seen = set(known)
    checked = []
    for upload in uploads:
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
        image_format, width, height = _decoded_format(name, data)
        if image_format not in PHOTO_FORMATS:
            raise ValidationFailed(
                f"{name} is a {image_format or 'unknown'} file; use JPEG, PNG or WebP.", field="photos"
            )
        if width * height > MAX_PHOTO_PIXELS:
            raise ValidationFailed(
                f"{name} is {width}\u00d7{height}; photos can have up to 40 megapixels.", field="photos"
            )
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        checked.append(CheckedPhoto(upload=upload, content_type=PHOTO_FORMATS[image_format], size=size, sha256=digest))
    if len(checked) > room:
        raise ValidationFailed(f"{limit_label} keeps at most {len(known) + room} photos.", field="photos")
    return checked
