"""Counting failed customer look-ups, so order numbers and emails cannot be guessed at speed.

Failures are counted in the cache (Redis in production) per client address (see
`client_address` for proxies), and per order number from that client address, normalised
(SO-42 and SO-0042 count together), whatever the order exists or not, so the limit itself
reveals nothing. Order numbers are sequential: a limit on the order number alone would let
anyone lock a customer out of their own order with a few wrong emails, so a stranger's
failures never slow down another address.

Past its allowance, each further failure makes the client wait before trying again, twice as
long each time (a minute, two, four...) up to an hour. A success does not reset the counters
(a guesser who finds one order is still slowed down).
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Policy:
    """How many failures are allowed within `window` seconds before waits start, and how long they grow."""

    allowed: int
    window: int
    first_wait: int = 60
    max_wait: int = 60 * 60

    def wait_after(self, failures: int) -> int:
        """Seconds to wait after the `failures`-th failure (0 while within the allowance)."""
        if failures < self.allowed:
            return 0
        doublings = min(failures - self.allowed, 16)  # bounded: 2**16 minutes is past any cap
        return min(self.first_wait * 2**doublings, self.max_wait)


#: Failures of one client address, whatever the order numbers it tries.
PER_CLIENT = Policy(allowed=10, window=60 * 60)
#: Failures of one client address on one order number.
PER_ORDER_AND_CLIENT = Policy(allowed=5, window=60 * 60)


@dataclass(frozen=True)
class Limit:
    blocked: bool
    retry_after: int = 0


_ORDER_NUMBER = re.compile(r"(?:SO-?)?0*(\d{1,9})", re.IGNORECASE)


def _now() -> float:
    """The clock the waits are measured on (a function, so tests can move it)."""
    return time.time()


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


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _keys(request: HttpRequest, order_number: str) -> list[tuple[str, Policy]]:
    client = client_address(request)
    number = normalised_order_number(order_number)
    return [
        (f"returns:lookup:client:{_digest(client)}", PER_CLIENT),
        (f"returns:lookup:order-client:{_digest(number + '|' + client)}", PER_ORDER_AND_CLIENT),
    ]


def lookup_blocked(request: HttpRequest, order_number: str) -> Limit:
    """Whether this client must still wait, for any order or for this order number, and how long."""
    now = _now()
    wait = 0
    for key, _policy in _keys(request, order_number):
        until = cache.get(f"{key}:until")
        if isinstance(until, int | float) and until > now:
            wait = max(wait, math.ceil(until - now))
    return Limit(blocked=wait > 0, retry_after=wait)


def _count_failure(key: str, window: int) -> int:
    """Add one failure to `key` (atomic in Redis) and return the count within its window."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def lookup_failed(request: HttpRequest, order_number: str) -> None:
    """Count one failed look-up against the client and against this order number from this client."""
    for key, policy in _keys(request, order_number):
        wait = policy.wait_after(_count_failure(key, policy.window))
        if wait:
            cache.set(f"{key}:until", _now() + wait, timeout=wait)
