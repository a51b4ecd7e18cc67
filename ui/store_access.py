"""Whether the signed-in person works at a store, remembered in the session so the navigation costs no query.

The Pickups link leads to the stores' pickup and ship-from-store queues: a warehouse operator
with no store would only read "No store assigned to you" there, so the link shows only to
people with at least one store they may work. Marked at sign-in (like the supplier mark in
`core.roles`); a session from before the mark is marked on its first page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from fulfillment.selectors.stores import user_stores

STORE_SESSION_KEY = "works_a_store"


@receiver(user_logged_in, dispatch_uid="ui.store_access.store_session_mark")
def store_session_mark(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    """Remember at sign-in whether the user may work at least one store."""
    if request is not None and hasattr(request, "session"):
        request.session[STORE_SESSION_KEY] = bool(user_stores(user=user))


def works_a_store(request: HttpRequest) -> bool:
    """True when the signed-in user may work at least one store (read from the session mark)."""
    session = getattr(request, "session", None)
    if session is None:
        return False
    marked = session.get(STORE_SESSION_KEY)
    if marked is None:  # a session from before the mark existed
        marked = session[STORE_SESSION_KEY] = bool(user_stores(user=request.user))
    return bool(marked)
