"""Failed sign-in throttling (django-axes): who is locked out, and the address a sign-in comes from."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from returns.ratelimit import client_address


def client_ip(request: HttpRequest) -> str | None:
    """The address that counts for throttling: the same rule as every other limiter of the product.

    REMOTE_ADDR, or behind `settings.TRUSTED_PROXY_HOPS` proxies the address they saw, so a client
    cannot dodge a lockout by writing its own X-Forwarded-For. None when there is no valid one (a
    request built in code): Axes stores addresses in an IP column.
    """
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def locked_usernames(usernames: list[str] | None = None) -> set[str]:
    """The usernames locked out right now from at least one address (one query)."""
    cool_off = get_cool_off() or timedelta(days=36500)
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=timezone.now() - cool_off
    )
    if usernames is not None:
        attempts = attempts.filter(username__in=usernames)
    return set(attempts.values_list("username", flat=True))


def lockout_minutes() -> int:
    """How long a lockout lasts, in whole minutes (for the messages people read)."""
    cool_off = get_cool_off()
    return max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0


def username_unlock(username: str) -> int:
    """Forget every failed sign-in of this username, from every address; returns how many records went."""
    return int(reset(username=username))
