"""Leases in the cache: one holder at a time, refreshed and released only by the holder.

The pusher of a channel holds `channels:pusher:<id>` (see `marketplaces.services.stock_sync`).
A release or refresh compares the holder's token and acts in one step (a Lua script on
Redis), so a pusher whose lease expired and was taken over can neither delete nor extend
its successor's lease. Tokens are integers: Django's Redis cache stores them as plain
numbers, which the script can compare.

Without Redis (the embedded default: one process, the local-memory cache) a process lock
makes compare-and-delete atomic.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from django.core.cache import cache

_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_REFRESH_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_local_lock = threading.Lock()


def lease_token() -> int:
    """A new holder token."""
    return secrets.randbits(62)


def _redis(key: str) -> tuple[Any, str] | None:
    """(raw Redis client, full key) when the cache is Django's Redis cache, else None."""
    backend = getattr(cache, "_cache", None)
    get_client = getattr(backend, "get_client", None)
    if get_client is None or not hasattr(cache, "make_and_validate_key"):
        return None
    return get_client(key, write=True), cache.make_and_validate_key(key)


def lease_acquire(key: str, token: int, *, seconds: int) -> bool:
    """Take the lease if nobody holds it."""
    return bool(cache.add(key, token, timeout=max(1, seconds)))


def lease_refresh(key: str, token: int, *, seconds: int) -> bool:
    """Extend the lease if `token` still holds it; False if it was lost (expired and taken, or released)."""
    redis = _redis(key)
    if redis is not None:
        client, full_key = redis
        return bool(client.eval(_REFRESH_LUA, 1, full_key, str(token), max(1, seconds)))
    with _local_lock:
        if cache.get(key) != token:
            return False
        return bool(cache.touch(key, timeout=max(1, seconds)))


def lease_release(key: str, token: int) -> bool:
    """Release the lease if `token` still holds it (compare-and-delete in one step)."""
    redis = _redis(key)
    if redis is not None:
        client, full_key = redis
        return bool(client.eval(_RELEASE_LUA, 1, full_key, str(token)))
    with _local_lock:
        if cache.get(key) != token:
            return False
        return bool(cache.delete(key))
