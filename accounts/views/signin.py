"""Sign-in: password, then a code from the authenticator app when the person has one; the page a
throttled username+address sees; the one-time link that sets a password (invitation or reset).

The code step counts wrong codes as failed sign-ins (django-axes), so guessing codes is throttled
the same way as guessing passwords.
"""

from __future__ import annotations

import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from accounts.forms import CodeForm
from accounts.throttle import lockout_minutes

#: The person who typed a right password and still owes a code: their id, backend and when.
PENDING_KEY = "accounts_pending_sign_in"
#: Seconds a right password stays good for the code step.
PENDING_SECONDS = 300
#: The backend that signs in after the password or the link (axes, listed first, signs nobody in).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("ui:dashboard")


class SignInView(auth_views.LoginView):
    """Django's sign-in page; a person with an authenticator app is asked for a code before being signed in."""

    template_name = "registration/login.html"
    redirect_authenticated_user = False

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not user_has_device(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": getattr(user, "backend", MODEL_BACKEND),
            "at": time.time(),
            "next": self.get_redirect_url(),
        }
        return redirect("login_code")


def _pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    return (user, pending) if user is not None else None


@login_not_required
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponseBase:
    """The second step: six digits from the person's app; a right code signs them in."""
    found = _pending_user(request)
    if found is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, "Sign in again: the code step waits five minutes after the password.")
        return redirect("login")
    user, pending = found
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return lockout_response(request, None, credentials)
    form = CodeForm(request.POST or None, focus=True)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = match_token(user, "".join(form.cleaned_data["token"].split()))
        if device is not None:
            del request.session[PENDING_KEY]
            auth_login(request, user, backend=pending.get("backend") or MODEL_BACKEND)
            otp_login(request, device)
            return redirect(_safe_next(request, pending.get("next")))
        # Counted with wrong passwords: the username+address is locked out after the same number of misses.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return lockout_response(request, None, credentials)
        form.add_error(
            "token", "That code is not right. Type the code your app shows now (it changes every 30 seconds)."
        )
    if request.method == "POST":
        status = 422
    return render(request, "accounts/login_code.html", {"form": form, "person": user}, status=status)


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """The page a locked-out username+address sees (django-axes calls this), with how long to wait."""
    username = ""
    if isinstance(credentials, dict):
        username = str(credentials.get("username") or "")
    context = {"username": username, "minutes": lockout_minutes()}
    return render(request, "accounts/locked_out.html", context, status=429)


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The one-time link of an invitation or a reset: choose a password, then be signed in.

    Someone with an authenticator app is sent to sign in instead (the link is not a second factor);
    a deactivated account's link does not work.
    """

    template_name = "accounts/password_set.html"
    post_reset_login = False
    success_url = reverse_lazy("ui:dashboard")

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        if user_has_device(user):
            messages.success(self.request, "Your password is set. Sign in with it and a code from your app.")
            return redirect("login")
        auth_login(self.request, user, backend=MODEL_BACKEND)
        messages.success(self.request, f"Welcome, {user.first_name or user.get_username()}: your password is set.")
        return response
