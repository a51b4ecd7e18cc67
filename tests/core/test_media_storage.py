"""Media lives on the configured storage: the file system by default, an S3 bucket shared by every node
when the environment says so, and the product serves files from whichever storage holds them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse

from config.storages import media_storage
from quality.services import photo_approve, photos_upload
from tests.quality.conftest import png

ROOT = Path(__file__).resolve().parents[2]
READ = "; ".join(
    [
        "import json, django",
        "django.setup()",
        "from django.conf import settings",
        "from django.core.files.storage import default_storage",
        "s = default_storage._setup() or default_storage._wrapped",
        "print(json.dumps({'backend': settings.STORAGES['default']['BACKEND'], 'class': type(s).__name__,"
        " 'bucket': getattr(s, 'bucket_name', None), 'endpoint': getattr(s, 'endpoint_url', None),"
        " 'location': getattr(s, 'location', None), 'acl': getattr(s, 'default_acl', 'n/a'),"
        " 'overwrite': getattr(s, 'file_overwrite', None)}))",
    ]
)
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 64,
    "CHANNEL_CREDENTIALS_KEY": "5Lh0nZ0wq0mD6mQ2y0iYV8m3Ew0kTq0X1mI0sQ2Yb3A=",
    "ALLOWED_HOSTS": "backoffice.example.com",
    "EMAIL_HOST": "smtp.example.net",
}


def storage_with(**env: str) -> dict[str, Any]:
    """The default storage a production process builds from exactly this environment."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "MEDIA_", "DJANGO_"))}
    result = subprocess.run(  # noqa: S603 - our own interpreter on a fixed snippet
        [sys.executable, "-c", READ], cwd=ROOT, env={**clean, **PRODUCTION, **env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_media_stays_on_the_file_system_unless_told_otherwise() -> None:
    assert storage_with()["class"] == "FileSystemStorage"


def test_an_s3_bucket_from_the_environment_is_every_nodes_media_store() -> None:
    storage = storage_with(
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="fulfil-media",
        AWS_S3_ENDPOINT_URL="https://minio.internal:9000",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_LOCATION="prod/media",
    )
    assert storage["backend"] == "storages.backends.s3.S3Storage" and storage["class"] == "S3Storage"
    assert (storage["bucket"], storage["endpoint"], storage["location"]) == (
        "fulfil-media",
        "https://minio.internal:9000",
        "prod/media",
    )
    assert storage["acl"] is None and storage["overwrite"] is False  # private, and never replaces a file


def test_a_storage_setting_that_cannot_work_refuses_to_start_and_says_what_to_set() -> None:
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        media_storage({"MEDIA_STORAGE": "s3", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"})
    with pytest.raises(ImproperlyConfigured, match=r"'filesystem'.*'s3'"):
        media_storage({"MEDIA_STORAGE": "ftp"})


@pytest.mark.django_db
@override_settings(
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
)
def test_a_file_on_a_storage_other_than_the_disk_is_served_by_the_product(back_office_client: Any, sku: Any) -> None:
    upload = png((12, 34, 56))
    sent = upload.read()
    upload.seek(0)
    (photo,) = photos_upload(sku=sku, uploads=[upload], actor=None)
    photo_approve(photo=photo, actor=None)

    assert type(default_storage._wrapped).__name__ == "InMemoryStorage"  # type: ignore[attr-defined]
    assert default_storage.exists(photo.image.name)
    assert not (Path(settings.MEDIA_ROOT) / photo.image.name).exists()  # nothing on this node's disk

    response = back_office_client.get(reverse("quality:photo_file", args=[photo.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == sent
    assert response["Content-Type"] == "image/png"
