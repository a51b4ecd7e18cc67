"""How a change is attributed: the signed-in person, or the API key that made it.

`HistoryRequestMiddleware` keeps the request for the length of a request. Staff using the
REST API with a DRF token are on that request too: DRF sets the authenticated user on the
underlying Django request before the view runs. A channel's or a partner's API key is not a
user (it is a principal object), so it cannot go in the `history_user` column: its name goes
in the change reason instead, and the history still says who.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from simple_history.models import HistoricalRecords


def _request_user() -> Any:
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def history_user(instance: Any = None, request: Any = None, **_: Any) -> Any:
    """The person behind the current request, or None (a task, a command, an API key)."""
    user = _request_user()
    return user if isinstance(user, get_user_model()) else None


def history_reason(instance: Any) -> str:
    """The reason recorded with a change: one set on the object, else the API key that made it."""
    reason = getattr(instance, "_change_reason", "") or ""
    if reason:
        return str(reason)[:100]
    user = _request_user()
    if user is not None and not isinstance(user, get_user_model()):
        return f"API key of {user.get_username()}"[:100]
    return ""


class AuditedRecords(HistoricalRecords):
    """Simple-history's records, quiet for saves that touch only fields the audit leaves out.

    A save of `last_login` alone, or of a channel's health timestamps, says nothing about who
    changed a setting: recording it would bury the changes that matter.
    """

    def post_save(self, instance: Any, created: bool, using: Any = None, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if not created and update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, **kwargs)

    def get_change_reason_for_object(self, instance: Any, history_type: str, using: Any) -> str:
        return history_reason(instance)
