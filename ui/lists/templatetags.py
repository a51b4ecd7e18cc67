"""The `lists` template library: sortable column headers and a list's toolbar (saved views, columns, export).

Registered in settings (TEMPLATES OPTIONS "libraries"), so the list templates of every app can
`{% load lists %}` without their Python importing `ui`.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from core.sorting import Sort
from ui.lists.selectors import saved_views_for
from ui.lists.services import saved_view_query
from ui.lists.specs import LISTS

register = template.Library()

#: Above this many rows the export says the file downloads while it is written.
LARGE_EXPORT = 5000


def _query(request: Any, **changes: str | None) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params.pop(key, None)
        if value:
            params[key] = value
    return params.urlencode()


@register.simple_tag(takes_context=True)
def sort_th(context: dict[str, Any], key: str, label: str, css: str = "", target: str = "") -> str:
    """A column header that sorts the list by `key`; clicking the sorted column again reverses it."""
    request = context["request"]
    sort: Sort = context["sort"]
    current = sort.key == key
    wanted = key if current and sort.descending else f"-{key}" if current else key
    href = f"?{_query(request, sort=wanted)}"
    arrow = ("▼" if sort.descending else "▲") if current else ""
    direction = ("descending" if sort.descending else "ascending") if current else ""
    htmx = (
        format_html(' hx-get="{}" hx-target="{}" hx-swap="outerHTML" hx-push-url="true"', href, target)
        if target
        else ""
    )
    return format_html(
        '<th scope="col" class="{}" data-col="{}"{}><a class="sort-link" href="{}"{}>{}'
        '<span class="sort-arrow" aria-hidden="true">{}</span></a></th>',
        css,
        key,
        format_html(' aria-sort="{}"', direction) if direction else "",
        href,
        htmx,
        label,
        arrow,
    )


@register.inclusion_tag("ui/lists/_toolbar.html", takes_context=True)
def list_toolbar(context: dict[str, Any], key: str, count: int, form: str = "") -> dict[str, Any]:
    """Saved views (apply, save, remove), the visible columns, and the CSV export with its row count.

    `form` is the id of the list's filter form: the sort and the columns ride along with it, so
    changing a filter keeps them.
    """
    request = context["request"]
    spec = LISTS[key]
    query = saved_view_query(request.GET)
    visible = spec.visible(request.GET.getlist("cols"))
    views = list(saved_views_for(user=request.user, list_key=key))
    return {
        "request": request,
        "spec": spec,
        "list_url": reverse(spec.url_name),
        "views": views,
        "current": next((view for view in views if view.query == query), None),
        "query": query,
        "columns": [(column, column in visible) for column in spec.columns],
        "hidden": [column.key for column in spec.columns if column not in visible],
        "keep": [
            (name, value) for name, values in request.GET.lists() if name not in {"cols", "page"} for value in values
        ],
        "export_url": reverse("lists:export", args=[key]) + (f"?{query}" if query else ""),
        "count": count,
        "large": count > LARGE_EXPORT,
        "user_id": request.user.pk,
        "form": form,
        "sort": context.get("sort"),
        "cols": request.GET.getlist("cols"),
    }
