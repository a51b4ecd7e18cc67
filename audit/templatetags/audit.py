"""`{% history_panel obj %}`: an object's History panel, for pages of apps below the audit.

A template tag is not an import: inventory, fulfillment, channels and partners templates load
it without their code knowing the audit exists. The panel costs the page no query: it loads
its changes from /audit/<app>/<model>/<pk>/ when shown (and links there without JavaScript).
It shows only to people allowed to read the audit trail.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("audit/_history_panel.html", takes_context=True)
def history_panel(context: Any, obj: Any) -> dict[str, Any]:
    """The panel for `obj` (a model instance), or for a whole kind given as "app_label.model_name"."""
    user = getattr(context.get("request"), "user", None)
    allowed = bool(user is not None and user.has_perm("audit.view_audit_trail"))
    url = ""
    if allowed and isinstance(obj, str):
        app_label, model_name = obj.split(".")
        url = reverse("audit:model_history", args=[app_label, model_name])
    elif allowed and obj is not None and getattr(obj, "pk", None) is not None:
        url = reverse("audit:object_history", args=[obj._meta.app_label, obj._meta.model_name, obj.pk])
    return {"history_url": url}
