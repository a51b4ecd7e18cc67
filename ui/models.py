"""What the cross-app pages remember for people: saved views of the lists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


class SavedView(TimeStampedModel):
    """A named way to look at one list: its filters, sort and visible columns, as the list's query string.

    Personal unless `shared`, when everyone who may read the list sees it too (only its
    owner may remove it). Applying one is following the list's URL with `query`.
    """

    list_key = models.CharField(max_length=20, help_text="Which list, e.g. orders (see ui.lists.specs).")
    name = models.CharField(max_length=60)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    shared = models.BooleanField(default=False, help_text="Everyone who may read the list sees it.")
    query = models.CharField(max_length=1000, blank=True, help_text="Filters, sort and columns (?cols=).")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "list_key", "name"], name="savedview_unique_owner_list_name"),
        ]
        indexes = [
            models.Index(fields=["list_key", "owner"], name="savedview_list_owner"),
            models.Index(fields=["list_key"], condition=Q(shared=True), name="savedview_list_shared"),
        ]

    def __str__(self) -> str:
        return f"{self.list_key}: {self.name}"
