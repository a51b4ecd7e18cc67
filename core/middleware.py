"""Every staff page needs a login; the REST API authenticates itself (tokens); a supplier's session
reaches the supplier portal and nothing else of the back office."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from core.roles import is_supplier_session

#: Where the REST API answers for itself (`core.api.API_PREFIX`). Not imported from there: core.api loads
#: DRF, whose settings import core.api back, and this module is loaded before anything else imports DRF.
API_PREFIX = "/api/"

#: The supplier portal's home (a URL name: core imports no app). Signed-in suppliers land there.
SUPPLIER_PORTAL = "partners:portal_home"
#: Sign-in, sign-out and password pages stay open to a supplier.
ACCOUNT_PREFIX = "/accounts/"


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Django's login-required default, except for the API, which answers 401/403 itself.

    A supplier's session (`core.roles.is_supplier_session`) may use only the supplier portal,
    the account pages and public pages: the dashboard sends it to the portal, any other
    back-office page is a 403, whatever permissions the user was given by mistake.
    """

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
        refused = super().process_view(request, view_func, view_args, view_kwargs)
        if refused is not None or not getattr(view_func, "login_required", True):
            return refused  # a sign-in redirect, or a public page (public to everyone)
        if is_supplier_session(request):
            return _supplier_scope(request)
        return None


def _supplier_scope(request: HttpRequest) -> HttpResponseBase | None:
    try:
        portal = reverse(SUPPLIER_PORTAL)
    except NoReverseMatch:
        portal = None  # no portal mounted: a supplier has nowhere to go
    if portal is not None and request.path.startswith(portal):
        return None
    if request.path.startswith(ACCOUNT_PREFIX):
        return None
    if portal is not None and request.path == "/":
        return redirect(portal)  # where a supplier lands after signing in
    raise PermissionDenied("A supplier account may use the supplier portal only.")


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
