"""A comment on the order timeline with each @mention linked to what mentions that person."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from orders.services.edits import MENTION_PATTERN

register = template.Library()


@register.filter
def with_mentions(event: Any) -> SafeString:
    """The event's message, escaped, with the @usernames it mentions (stored in its data) as links."""
    mentioned = set((event.data or {}).get("mentions") or [])
    message = str(event.message)
    if not mentioned:
        return mark_safe(escape(message))  # noqa: S308 (escaped just now)
    url = reverse("orders:mentions")
    parts: list[str] = []
    last = 0
    for match in MENTION_PATTERN.finditer(message):
        name = match.group(1)
        if name not in mentioned:
            continue
        parts.append(escape(message[last : match.start()]))
        parts.append(format_html('<a class="mention" href="{}?{}">@{}</a>', url, urlencode({"user": name}), name))
        last = match.end()
    parts.append(escape(message[last:]))
    return mark_safe("".join(parts))  # noqa: S308 (each piece escaped or built by format_html)
