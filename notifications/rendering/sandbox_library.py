"""The only tags and filters the sandboxed template engine knows (see `notifications.rendering.sandbox`)."""

from __future__ import annotations

from django.template import Library, defaultfilters, defaulttags

#: Built-in tags a template may use; the others reach outside the template (`load`, `url`, `debug`, ...).
ALLOWED_TAGS = frozenset(
    {
        "autoescape",
        "comment",
        "cycle",
        "filter",
        "firstof",
        "for",
        "if",
        "ifchanged",
        "now",
        "regroup",
        "resetcycle",
        "spaceless",
        "templatetag",
        "verbatim",
        "widthratio",
        "with",
    }
)

register = Library()
register.tags.update({name: tag for name, tag in defaulttags.register.tags.items() if name in ALLOWED_TAGS})
# Every built-in filter: each is a pure function of its input.
register.filters.update(defaultfilters.register.filters)
