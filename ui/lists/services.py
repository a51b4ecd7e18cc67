"""Writes of saved views."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import transaction
from django.http import QueryDict

from core.errors import ValidationFailed
from core.types import AnyUser
from ui.models import SavedView

#: Never part of a saved view: the page moves on as orders arrive.
NOT_SAVED = frozenset({"page", "csrfmiddlewaretoken"})


def saved_view_query(params: QueryDict) -> str:
    """The list's query string as a view keeps it: every filter, the sort and the columns, not the page."""
    return urlencode([(key, value) for key, values in params.lists() if key not in NOT_SAVED for value in values])


def saved_view_save(*, owner: AnyUser, list_key: str, name: str, query: str, shared: bool) -> SavedView:
    """Save the list as it is under `name`; saving again under the same name replaces the owner's view.

    Refused (400, naming the field) without a name.
    """
    name = " ".join(name.split())[:60]
    if not name:
        raise ValidationFailed("Give the view a name, e.g. 'Held web orders'.", field="name")
    with transaction.atomic():
        view, _ = SavedView.objects.update_or_create(
            owner_id=owner.pk,
            list_key=list_key,
            name=name,
            defaults={"query": query[:1000], "shared": shared},
        )
    return view


def saved_view_delete(*, view: SavedView) -> None:
    """Remove a saved view (the caller checked it is the person's own)."""
    with transaction.atomic():
        view.delete()
