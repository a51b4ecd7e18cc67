"""Receivers of the accounts app (connected in AccountsConfig.ready, before any sign-in)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.middleware import SESSION_KEY
from accounts.services import two_factor_rules_version, user_uses_two_factor


@receiver(user_logged_in, dispatch_uid="accounts.two_factor_session_mark")
def two_factor_session_mark(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    """Answer at sign-in, so a request of a signed-in person costs no query for it."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = [user_uses_two_factor(user), two_factor_rules_version()]
