"""`Idempotency-Key` support for REST writes: a retried request gets the first answer.

A client that sends `Idempotency-Key: <unique string>` with a POST can retry it safely (a
timeout, a lost connection): the first successful answer is stored and replayed for the
same key with the same body, marked `Idempotent-Replayed: true`; the same key with a
different body is refused with 422. Two concurrent requests with one key are serialised by
the unique index: the second waits for the first and replays its answer.

Failed requests (4xx/5xx) store nothing, so a corrected retry with the same key runs.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import DomainError, ValidationFailed
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="A unique string per intended write (e.g. a UUID). Retrying with the same key and body "
    "replays the first answer (header Idempotent-Replayed: true); the same key with another body gets 422.",
)

Handler = TypeVar("Handler", bound=Callable[..., Response])


class IdempotencyKeyReused(DomainError):
    """The key was already used for a different request (HTTP 422)."""

    status_code = 422
    code = "idempotency_key_reused"


def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.body):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _scope(request: Request) -> str:
    """Whose keys these are: a channel (API key) or a staff user (token or session)."""
    return getattr(request.user, "idempotency_scope", None) or f"user:{request.user.pk}"


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(handler: Handler) -> Handler:
    """Decorate a DRF view method (post/create) so it honours the Idempotency-Key header."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationFailed(f"{HEADER} must be at most {MAX_KEY_LENGTH} characters.", field=HEADER)
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            record, created = IdempotencyRecord.objects.select_for_update().get_or_create(
                scope=_scope(request),
                key=key,
                defaults={
                    "method": request.method or "",
                    "path": request.path[:255],
                    "request_fingerprint": fingerprint,
                    "status_code": 0,
                },
            )
            if not created:
                if record.request_fingerprint != fingerprint:
                    raise IdempotencyKeyReused(
                        f"This {HEADER} was already used for a different request; use a new key.", field=HEADER
                    )
                return _replay(record)
            # The record's row is ours until commit: a concurrent twin waits here, then replays.
            response = handler(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response_body = response.data
            record.save(update_fields=["status_code", "response_body"])
            return response

    return wrapper  # type: ignore[return-value]


def idempotency_purge() -> int:
    """Delete stored answers older than the retention period; returns how many went."""
    hours = getattr(settings, "IDEMPOTENCY_KEY_TTL_HOURS", 24)
    cutoff = timezone.now() - timedelta(hours=hours)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
