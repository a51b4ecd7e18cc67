"""Product photography: requests, uploads checked and kept once, approval, rejection, the primary image."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from core.errors import Conflict, ValidationFailed
from quality.models import PhotoReason, PhotoRequest, PhotoRequestStatus, PhotoStatus, ProductPhoto
from quality.selectors import sku_gallery, sku_primary_image_url, sku_primary_image_urls
from quality.services import (
    photo_approve,
    photo_make_primary,
    photo_reject,
    photo_request_create,
    photos_upload,
)
from tests.factories.pages import make_sku
from tests.quality.conftest import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def lamp(db: Any) -> Any:
    return make_sku(code="LAMP-01", name="Desk lamp")


def test_a_new_sku_gets_a_photo_request_once(lamp) -> None:
    request = PhotoRequest.objects.get(sku=lamp)
    assert (request.reason, request.status) == (PhotoReason.NEW_ITEM, PhotoRequestStatus.OPEN)
    assert photo_request_create(sku=lamp, reason=PhotoReason.NEW_ITEM, actor=None) == request
    refresh = photo_request_create(sku=lamp, reason=PhotoReason.LISTING_REFRESH, actor=None, note="new packaging")
    assert refresh != request and PhotoRequest.objects.filter(sku=lamp).count() == 2


def test_uploads_must_be_readable_photos_within_the_limits(lamp) -> None:
    refusals = [
        (
            [SimpleUploadedFile("lamp.jpg", b"%PDF-1.7 a document", content_type="image/jpeg")],
            "is not a photo we can read",
        ),
        ([png(fmt="GIF", name="lamp.gif")], "lamp.gif is a GIF file; use JPEG, PNG or WebP."),
        ([SimpleUploadedFile("empty.png", b"", content_type="image/png")], "empty.png is empty."),
        ([png((i, 0, 0), name=f"{i}.png") for i in range(13)], "At most 12 photos at a time."),
        ([], "Choose at least one photo."),
    ]
    for uploads, message in refusals:
        with pytest.raises(ValidationFailed) as refused:
            photos_upload(sku=lamp, uploads=uploads, actor=None)
        assert message in refused.value.message
        assert refused.value.field == "photos"
    with override_settings(QUALITY_PHOTO_MAX_BYTES=100), pytest.raises(ValidationFailed, match="photos can be up to"):
        photos_upload(sku=lamp, uploads=[png(size=(200, 200))], actor=None)
    assert not ProductPhoto.objects.exists()


def test_the_same_file_is_stored_once_per_sku(lamp) -> None:
    first = photos_upload(sku=lamp, uploads=[png((1, 2, 3), name="a.png"), png((1, 2, 3), name="b.png")], actor=None)
    assert len(first) == 1
    assert photos_upload(sku=lamp, uploads=[png((1, 2, 3), name="again.png")], actor=None) == []
    other = make_sku(code="LAMP-02")
    assert len(photos_upload(sku=other, uploads=[png((1, 2, 3))], actor=None)) == 1  # another SKU may hold it
    photo = first[0]
    assert (photo.content_type, photo.width, photo.height, photo.status) == ("image/png", 40, 30, PhotoStatus.PENDING)
    assert default_storage.exists(photo.image.name) and photo.image.name.startswith(f"quality/skus/{lamp.pk}/")


def test_approval_makes_the_first_photo_primary_and_closes_the_request(lamp, back_office_user) -> None:
    request = PhotoRequest.objects.get(sku=lamp)
    front, side = photos_upload(
        sku=lamp,
        uploads=[png((200, 0, 0), name="front.png"), png((0, 200, 0), name="side.png")],
        actor=None,
        request=request,
    )
    request.refresh_from_db()
    assert request.status == PhotoRequestStatus.SUBMITTED
    assert sku_primary_image_url(lamp) is None  # nothing approved yet

    photo_approve(photo=front, actor=back_office_user)
    request.refresh_from_db()
    assert request.status == PhotoRequestStatus.DONE
    assert sku_primary_image_url(lamp) == f"/quality/photos/{front.pk}/file/"
    photo_approve(photo=side, actor=back_office_user)
    assert sku_primary_image_url(lamp) == f"/quality/photos/{front.pk}/file/"  # the first stays primary

    photo_make_primary(photo=side, actor=back_office_user)
    assert sku_primary_image_urls([lamp.pk]) == {lamp.pk: f"/quality/photos/{side.pk}/file/"}
    assert ProductPhoto.objects.filter(sku=lamp, is_primary=True).count() == 1
    gallery = sku_gallery(sku=lamp)
    assert [item["photo"].pk for item in gallery["photos"]] == [side.pk, front.pk]


def test_a_rejected_photo_reopens_its_request_and_cannot_be_primary(lamp, back_office_user) -> None:
    request = PhotoRequest.objects.get(sku=lamp)
    (blurred,) = photos_upload(sku=lamp, uploads=[png()], actor=None, request=request)
    with pytest.raises(ValidationFailed, match="Say what is wrong"):
        photo_reject(photo=blurred, actor=back_office_user, reason=" ")
    photo_reject(photo=blurred, actor=back_office_user, reason="Blurred")
    request.refresh_from_db()
    blurred.refresh_from_db()
    assert (request.status, blurred.status, blurred.rejection_reason) == ("open", "rejected", "Blurred")
    with pytest.raises(Conflict):
        photo_make_primary(photo=blurred, actor=back_office_user)
    with pytest.raises(Conflict):
        photo_approve(photo=blurred, actor=back_office_user)
    assert sku_primary_image_url(lamp) is None


def test_a_request_already_answered_takes_no_more_photos(lamp, back_office_user) -> None:
    request = PhotoRequest.objects.get(sku=lamp)
    (photo,) = photos_upload(sku=lamp, uploads=[png()], actor=None, request=request)
    photo_approve(photo=photo, actor=back_office_user)
    with pytest.raises(Conflict, match="done"):
        photos_upload(sku=lamp, uploads=[png((5, 5, 5))], actor=None, request=request)
