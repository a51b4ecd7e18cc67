"""Answering htmx: the full page for a normal request, a named partial for an htmx swap."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (for type checkers)."""

    htmx: HtmxDetails


def is_htmx(request: HttpRequest) -> bool:
    """True for an htmx request that wants a fragment.

    A history restore and a boosted link or form (hx-boost swaps the whole body) want the full page.
    """
    details: HtmxDetails | None = getattr(request, "htmx", None)
    return bool(details) and not (details.history_restore_request or details.boosted)  # type: ignore[union-attr]


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the full page, or only `template#partial` when htmx asks for it.

    The response varies on HX-Request so a browser cache never shows a fragment as a page.
    """
    name = f"{template}#{partial}" if partial and is_htmx(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
