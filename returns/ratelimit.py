"""Counting failed customer look-ups, so order numbers and emails cannot be guessed at speed.

Failures are counted in the cache (Redis in production) per client address (see
`client_address` for proxies) and per order number, normalised (SO-42 and SO-0042 count
together), whatever the order exists or not, so the limit itself reveals nothing. A
success does not reset the counters (a guesser who finds one order is still slowed down).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

#: (failures allowed, window in seconds) per client address and per order number.
PER_CLIENT = (10, 15 * 60)
PER_ORDER_NUMBER = (5, 60 * 60)


@dataclass(frozen=True)
class Limit:
    blocked: bool
    retry_after: int = 0


_ORDER_NUMBER = re.compile(r"(?:SO-?)?0*(\d{1,9})", re.IGNORECASE)


def client_address(request: HttpRequest) -> str:
    """The customer's address: REMOTE_ADDR, or behind `settings.TRUSTED_PROXY_HOPS` proxies, from X-Forwarded-For.

    Each trusted proxy appends the address it was connected from, so with N trusted hops the
    client is the N-th entry from the right; whatever the client wrote further left is
    ignored (it could be forged). With 0 (the default) X-Forwarded-For is not trusted at all.
    """
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0) or 0)
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    return forwarded[-hops] if len(forwarded) >= hops else forwarded[0]


def normalised_order_number(order_number: str) -> str:
    """One key per order however it is typed: SO-42, so42, SO-0042 and 42 are the same order."""
    text = order_number.strip().upper()
    match = _ORDER_NUMBER.fullmatch(text)
    return f"SO-{int(match.group(1))}" if match else text


def _keys(request: HttpRequest, order_number: str) -> list[tuple[str, tuple[int, int]]]:
    client_ip = client_address(request)
    number = hashlib.sha256(normalised_order_number(order_number).encode()).hexdigest()[:24]
    client = hashlib.sha256(client_ip.encode()).hexdigest()[:24]
    return [(f"returns:lookup:client:{client}", PER_CLIENT), (f"returns:lookup:number:{number}", PER_ORDER_NUMBER)]


def lookup_blocked(request: HttpRequest, order_number: str) -> Limit:
    """Whether this client, or guesses at this order number, used up their failed attempts."""
    for key, (allowed, window) in _keys(request, order_number):
        if (cache.get(key) or 0) >= allowed:
            return Limit(blocked=True, retry_after=window)
    return Limit(blocked=False)


def lookup_failed(request: HttpRequest, order_number: str) -> None:
    """Count one failed look-up against the client and the order number (atomic increments)."""
    for key, (_allowed, window) in _keys(request, order_number):
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=window)
