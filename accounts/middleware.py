"""People who use two-factor sign-in (their role requires it, or they turned it on) reach nothing but the
security page until this session has passed its second factor: a role that requires it enrols there, and
a session signed in some other way (Django's admin sign-in asks no code) types a code there."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from accounts.services import two_factor_rules_version, user_uses_two_factor
from core.roles import is_supplier_session

#: The session's answer and the rules' version it was computed under.
SESSION_KEY = "accounts_two_factor_required"
#: Open to a session that has not passed its second factor: sign-in and sign-out, the enrolment page
#: itself, and the styles those pages use.
OPEN_PREFIXES = ("/accounts/", "/settings/security/", "/static/")
#: The REST API answers for itself: token clients are not signed in here (DRF authenticates them in the
#: view), and a session that owes a code gets the API's JSON error body instead of a redirect.
API_PREFIX = "/api/"


def session_requires_two_factor(request: HttpRequest) -> bool:
    """Whether the signed-in person must pass a second factor; a query only when the rules or devices changed."""
    version = two_factor_rules_version()
    marked = request.session.get(SESSION_KEY)
    if isinstance(marked, list) and len(marked) == 2 and marked[1] == version:
        return bool(marked[0])
    required = user_uses_two_factor(request.user)
    request.session[SESSION_KEY] = [required, version]
    return required


class TwoFactorRequiredMiddleware:
    """Send a person who must pass a second factor to the security page until this session has."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and session_requires_two_factor(request)
            and not user.is_verified()
        ):
            if request.path.startswith(API_PREFIX):
                detail = "Two-factor sign-in is required: set it up or type a code at /settings/security/ first."
                return JsonResponse({"detail": detail, "code": "two_factor_required"}, status=403)
            # A supplier's session may only reach /accounts/ and the portal: it enrols on the same page there.
            url = reverse("accounts_security" if is_supplier_session(request) else "accounts:security")
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(url)  # the whole page goes, not a fragment of it
            return redirect(url)
        return self.get_response(request)
