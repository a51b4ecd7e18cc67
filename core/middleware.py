"""Every staff page needs a login; the REST API authenticates itself (tokens)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase, JsonResponse, QueryDict

from core.api import API_PREFIX


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Django's login-required default, except for the API, which answers 401/403 itself."""

    exempt_prefixes = (API_PREFIX,)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path.startswith(self.exempt_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class RejectNullBytesMiddleware:
    """Answer 400 to a request whose path, query or form fields hold a NUL character.

    PostgreSQL cannot store NUL in text, so such input would otherwise fail deep in a query
    with a 500. JSON bodies are covered by DRF's CharField, which refuses NUL itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if "\x00" in request.path or self._has_nul(request.GET) or self._form_has_nul(request):
            message = "The request contains a NUL character, which is not allowed."
            if request.path.startswith(API_PREFIX):  # the API answers its own JSON error body
                return JsonResponse({"detail": message, "code": "invalid"}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)

    @staticmethod
    def _has_nul(data: QueryDict) -> bool:
        return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())

    def _form_has_nul(self, request: HttpRequest) -> bool:
        if request.method != "POST" or not (request.content_type or "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            return False
        return self._has_nul(request.POST)
