"""The product's own "not found" page for a page that hides what the visitor may not see, even with DEBUG on.

A page scoped to the user's locations answers 404 for another store's pickup or shipment
(`Http404` raised by a selector). With DEBUG on, as in `make demo`, Django would answer with
its technical page, which lists every URL of the site to whoever asked. The demo is used by
people trying the product, so they get templates/404.html as in production. An address that
matches no URL at all is left to Django (a developer's typo deserves the technical page), except
in the demo (DEMO_MODE, set by `bin/demo.py`), where a mistyped address gets the product's page too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import Resolver404, resolve


class ScopedNotFoundPageMiddleware:
    """Answer a view's `Http404` with templates/404.html when DEBUG is on (off, Django already does)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # In the demo an address no URL matches is answered here: Django would list every URL. A 404 still
        # passes through CommonMiddleware (outside this one), which redirects "/orders" to "/orders/".
        if settings.DEBUG and getattr(settings, "DEMO_MODE", False) and not _resolves(request):
            return render(request, "404.html", status=404)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """The product's 404 page for a view's `Http404` under DEBUG; anything else goes on as usual."""
        if settings.DEBUG and isinstance(exception, Http404):
            return render(request, "404.html", status=404)
        return None


def _resolves(request: HttpRequest) -> bool:
    """Whether any URL pattern matches the request's path."""
    try:
        resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return True
