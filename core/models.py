"""Shared model bases."""

from django.db import models


class TimeStampedModel(models.Model):
    """Adds created/updated timestamps (timezone-aware UTC) to a model."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class IdempotencyRecord(models.Model):
    """The stored answer to a REST write sent with an `Idempotency-Key` header.

    Unique per (scope, key): the scope is who sent it ("user:12", later "channel:3"), so two
    clients can never replay each other's answers. Kept for `IDEMPOTENCY_KEY_TTL_HOURS`.
    """

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} -> {self.status_code}"
