"""Shared model bases."""

from django.db import models


class TimeStampedModel(models.Model):
    """Adds created/updated timestamps (timezone-aware UTC) to a model."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
