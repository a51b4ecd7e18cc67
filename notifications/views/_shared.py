"""What the notification pages share: permission checks and the objects named in their URLs."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from channels.models import Channel
from core.errors import ValidationFailed
from notifications.models import NotificationKind
from notifications.services.configuration import language_clean

MANAGE = "notifications.manage_notifications"


def require(request: HttpRequest, perm: str) -> None:
    """403 unless the user holds the permission."""
    if not request.user.has_perm(perm):
        raise PermissionDenied


def channel_or_404(code: str) -> Channel:
    """The channel of a URL."""
    return get_object_or_404(Channel, code=code)


def kind_or_404(kind: str) -> NotificationKind:
    """The notification kind of a URL."""
    if kind not in NotificationKind.values:
        raise Http404("No such notification kind.")
    return NotificationKind(kind)


def language_or_404(language: str) -> str:
    """The language code of a URL, cleaned (en, fr, es-mx)."""
    try:
        return language_clean(language)
    except ValidationFailed as exc:
        raise Http404("No such language code.") from exc
