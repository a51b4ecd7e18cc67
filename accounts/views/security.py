"""A person's own sign-in security (/settings/security/): set up an authenticator app by scanning a QR
code and typing a code, confirm a code for this session, or turn two-factor sign-in off.

Suppliers reach the same page at /accounts/security/ (their session may use nothing else of the back office).
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import CodeForm
from accounts.services import (
    totp_device_confirm,
    totp_device_start,
    two_factor_disable,
    user_requires_two_factor,
)
from core.errors import DomainError


def _enrolment(device: TOTPDevice) -> dict[str, Any]:
    secret = b32encode(device.bin_key).decode()
    return {
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, omitsize=True),
        # Grouped by four so it can be typed into an app that cannot scan.
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    """Two-factor sign-in for the signed-in person: its state, and the one thing they can do next."""
    user: Any = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    required = user_requires_two_factor(user)
    form = CodeForm(request.POST or None)
    action = request.POST.get("action", "")
    status = 200
    if request.method == "POST":
        try:
            if action == "off":
                two_factor_disable(user=user)
                messages.success(request, "Two-factor sign-in is off. You sign in with your password alone.")
                return redirect(request.path)
            if form.is_valid() and action == "confirm" and device is None:
                enrolled = totp_device_confirm(device=totp_device_start(user=user), token=form.cleaned_data["token"])
                otp_login(request, enrolled)
                messages.success(request, "Two-factor sign-in is on. Next time, sign in with your password and a code.")
                return redirect(request.path)
            if form.is_valid() and action == "verify" and device is not None:
                matched = match_token(user, "".join(form.cleaned_data["token"].split()))
                if matched is None:
                    form.add_error("token", "That code is not right. Type the code your app shows now.")
                else:
                    otp_login(request, matched)
                    messages.success(request, "Code accepted: you can carry on.")
                    return redirect("ui:dashboard")
        except DomainError as exc:
            if exc.field == "token":
                form.add_error("token", exc.message)
            else:
                messages.error(request, exc.message)
                return redirect(request.path)
        status = 422
    context: dict[str, Any] = {
        "form": form,
        "device": device,
        "required": required,
        "verified": user.is_verified(),
    }
    if device is None:
        context.update(_enrolment(totp_device_start(user=user)))
    return render(request, "accounts/security.html", context, status=status)
