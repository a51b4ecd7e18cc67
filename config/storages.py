"""Where media (return and QC photos, labels, manifests, partner and EDI files) is kept, from the environment.

The local file system under `VAR_DIR/media` is the default: right for one machine. Several web and
worker nodes need one shared store: `MEDIA_STORAGE=s3` puts media in an S3 bucket (AWS, or any
S3-compatible store such as MinIO or Cloudflare R2 through `AWS_S3_ENDPOINT_URL`) with
django-storages. Files are never linked to directly: the product's views stream them from the
storage after checking who asks, so the bucket stays private.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"

#: Environment variable -> the S3 backend's option (all optional but the bucket).
_S3_OPTIONS = {
    "AWS_STORAGE_BUCKET_NAME": "bucket_name",
    "AWS_S3_ENDPOINT_URL": "endpoint_url",
    "AWS_S3_REGION_NAME": "region_name",
    "AWS_ACCESS_KEY_ID": "access_key",
    "AWS_SECRET_ACCESS_KEY": "secret_key",
    "AWS_LOCATION": "location",  # a prefix inside the bucket, e.g. "fulfil/media"
}


def media_storage(environ: Mapping[str, str]) -> dict[str, Any]:
    """The `STORAGES["default"]` entry the environment asks for.

    `MEDIA_STORAGE` is `filesystem` (or unset) or `s3`; anything else, or `s3` without a bucket,
    refuses to start with a message naming the variable to set.
    """
    kind = environ.get("MEDIA_STORAGE", "filesystem").strip().lower() or "filesystem"
    if kind == "filesystem":
        return {"BACKEND": FILE_SYSTEM}
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE is {kind!r}: set it to 'filesystem' (the default) or 's3'.")
    options: dict[str, Any] = {
        option: environ[name].strip() for name, option in _S3_OPTIONS.items() if environ.get(name, "").strip()
    }
    if "bucket_name" not in options:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME (and usually the keys).")
    # Private objects: nothing is public, and a new upload never silently replaces another's file.
    options.update({"default_acl": None, "file_overwrite": False, "querystring_auth": True})
    if environ.get("AWS_S3_ADDRESSING_STYLE", "").strip():  # "path" for most S3-compatible stores
        options["addressing_style"] = environ["AWS_S3_ADDRESSING_STYLE"].strip()
    return {"BACKEND": S3, "OPTIONS": options}
