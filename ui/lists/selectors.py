"""Reads of saved views."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from core.types import AnyUser
from ui.models import SavedView


def saved_views_for(*, user: AnyUser, list_key: str) -> QuerySet[SavedView]:
    """The views of one list a person may apply: their own and everyone's shared ones, by name (one query)."""
    return (
        SavedView.objects.filter(Q(owner_id=user.pk) | Q(shared=True), list_key=list_key)
        .select_related("owner")
        .order_by("name", "id")
    )


def saved_view_owned(*, user: AnyUser, pk: int) -> SavedView:
    """One of the person's own saved views, or 404 (a shared view is removed by its owner only)."""
    try:
        return SavedView.objects.get(pk=pk, owner_id=user.pk)
    except SavedView.DoesNotExist as exc:
        raise Http404("No such saved view of yours.") from exc
