"""Small helpers the order screens share."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` URL posted with a form if it stays on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def refusal(number: str, message: str) -> str:
    """A service refusal about one order, worded to follow the order's number."""
    prefix = f"Order {number} "
    return "it " + message[len(prefix) :] if message.startswith(prefix) else message
